/** Public API of @w7s/usage-policy: W7S usage metrics, daily and burst limits, overrides, suspensions and limit verdicts. */
export {
  BURST_LIMITS,
  type BurstCounter,
  type BurstDecision,
  type BurstIncrement,
  type BurstLimit,
  type BurstLimitOverride,
  type BurstRequest,
  burstCounterKey,
  burstCounters,
  decideBurst,
  type RateLimitCheck,
  rateLimitMessage,
  rateLimitRejection,
  retryAfterSeconds,
  windowStart,
} from "./burst.js";
export {
  checkUsageLimit,
  dailyLimitMessage,
  dailyLimitRejection,
  type UsageLimitCheck,
  type UsageLimitCheckInput,
} from "./dailyCheck.js";
export {
  DEFAULT_DAILY_LIMITS,
  DEFAULT_WARNING_THRESHOLD,
  GLOBAL_DEFAULT_DAILY_LIMITS,
  OWNER_DEFAULT_DAILY_LIMITS,
} from "./dailyLimits.js";
export { InvalidUsageEvent } from "./errors.js";
export {
  evaluateUsageLimits,
  type MetricEvaluation,
  type UsageLimitEvaluation,
  type UsageLimitWarning,
  usageWarningMessage,
} from "./evaluation.js";
export { type ExemptOrgs, isExempt, parseExemptOrgs } from "./exemptions.js";
export {
  canonicalMetric,
  isMetric,
  isValidMetricName,
  METRIC_ALIASES,
  METRIC_NAME_PATTERN,
  METRICS,
  type Metric,
} from "./metrics.js";
export { type MetricOverride, type PolicyOverride, parseOverrideRecord } from "./overrides.js";
export {
  defaultPolicy,
  type EffectivePolicyDocument,
  effectivePolicyDocument,
  type MetricPolicy,
  mergePolicy,
  type PolicyLookupReport,
  type PolicyRecords,
  type PolicySource,
  type UsagePolicy,
} from "./policy.js";
export {
  POLICY_FAMILY_SCOPES,
  type PolicyFamily,
  type PolicyLookup,
  type PolicyScope,
  policyKey,
  policyLookups,
} from "./policyScopes.js";
export type { LimitErrorBody, LimitRejection } from "./rejection.js";
export {
  applyUsageEvent,
  emptyRollup,
  type MetricUsage,
  type UsageEvent,
  type UsageRollup,
  type UsageSource,
  unitsUsed,
  usageRollupKey,
} from "./rollup.js";
export { round4, type UsageStatus, usageStatus } from "./status.js";
export {
  type AppLimitState,
  acceptsHtml,
  appLimitStateKey,
  combineSuspensions,
  isSuspensionActive,
  limitSuspension,
  operatorSuspension,
  parseSuspensionState,
  type SuspensionKind,
  suspendsOnBurst,
  suspensionForBlock,
  suspensionHtmlPage,
  suspensionMessage,
  suspensionRejection,
  suspensionRetryAfterSeconds,
} from "./suspension.js";
export { LIMIT_SCOPES, type LimitScope, type UsageTarget } from "./target.js";
export {
  type Instant,
  nextUtcMidnight,
  secondsUntilNextUtcMidnight,
  usageDate,
} from "./time.js";
