/** The daily limit check: would `requested` more units push the repo, owner or global total over its limit (F.4). */
import { type ExemptOrgs, isExempt } from "./exemptions.js";
import { canonicalMetric, type Metric } from "./metrics.js";
import type { MetricPolicy, PolicySource, UsagePolicy } from "./policy.js";
import { jsonRejection, type LimitRejection } from "./rejection.js";
import { round4, type UsageStatus, usageStatus } from "./status.js";
import { LIMIT_SCOPES, type LimitScope, requestedUnitsOf, type UsageTarget, usedUnitsOf } from "./target.js";
import { type Instant, secondsUntilNextUtcMidnight } from "./time.js";

/** The verdict of a daily check at one scope, exactly as the 429 details and internal callers see it. */
export interface UsageLimitCheck extends UsageTarget {
  readonly version: 1;
  readonly mode: "enforce";
  readonly enforcement: "hard";
  readonly metric: Metric;
  readonly date: string;
  readonly scope: LimitScope;
  readonly used: number;
  readonly requestedUnits: number;
  readonly projectedUnits: number;
  readonly limit: number;
  readonly remaining: number;
  readonly usageRatio: number;
  readonly projectedUsageRatio: number;
  readonly status: UsageStatus;
  readonly projectedStatus: UsageStatus;
  readonly wouldBlock: boolean;
  readonly source: PolicySource;
  readonly policy: MetricPolicy;
}

/** What a daily check needs: the request, today's date, each family's policy and each scope's units used today. */
export interface UsageLimitCheckInput extends UsageTarget {
  /** A metric name; docs aliases are accepted. */
  readonly metric: string;
  /** The UTC date (`YYYY-MM-DD`) whose rollups `used` was read from. */
  readonly date: string;
  readonly units?: number;
  readonly policies: Readonly<Record<LimitScope, UsagePolicy>>;
  /** Units of the metric already used today per scope (see `unitsUsed`); missing means 0. */
  readonly used: Readonly<Partial<Record<LimitScope, number>>>;
  readonly exemptOrgs?: ExemptOrgs;
}

const scopeCheck = (
  input: UsageLimitCheckInput,
  metric: Metric,
  scope: LimitScope,
  requestedUnits: number,
): UsageLimitCheck => {
  const policy = input.policies[scope][metric];
  const used = usedUnitsOf(input.used[scope]);
  const limit = policy.dailyUnits;
  const projectedUnits = used + requestedUnits;
  return {
    version: 1,
    mode: "enforce",
    enforcement: "hard",
    metric,
    date: input.date,
    environment: input.environment,
    orgSlug: input.orgSlug,
    repoSlug: input.repoSlug,
    scope,
    used,
    requestedUnits,
    projectedUnits,
    limit,
    remaining: Math.max(0, limit - used),
    usageRatio: round4(used / limit),
    projectedUsageRatio: round4(projectedUnits / limit),
    status: usageStatus(used, limit, policy.warningThreshold),
    projectedStatus: usageStatus(projectedUnits, limit, policy.warningThreshold),
    wouldBlock: projectedUnits > limit,
    source: policy.source,
    policy,
  };
};

/**
 * The first blocking check among repo, owner and global, else the repo check; `null` for exempt owners and
 * for metrics outside the catalog (they have no policy). Nothing is counted here.
 */
export const checkUsageLimit = (input: UsageLimitCheckInput): UsageLimitCheck | null => {
  const metric = canonicalMetric(input.metric);
  if (metric === undefined || isExempt(input.exemptOrgs, input.orgSlug)) return null;
  const requestedUnits = requestedUnitsOf(input.units);
  const checks = LIMIT_SCOPES.map((scope) => scopeCheck(input, metric, scope, requestedUnits));
  return checks.find((check) => check.wouldBlock) ?? checks[0] ?? null;
};

/** The user-facing text of a blocked daily check. */
export const dailyLimitMessage = (check: UsageLimitCheck): string =>
  `Daily usage limit exceeded for ${check.metric} at ${check.scope} scope (${check.used}/${check.limit} used, requested ${check.requestedUnits}).`;

/** The 429 for a blocked daily check; clients may retry at the next 00:00 UTC. */
export const dailyLimitRejection = (
  check: UsageLimitCheck,
  now: Instant,
): LimitRejection<{ readonly usageLimit: UsageLimitCheck }> =>
  jsonRejection(dailyLimitMessage(check), { usageLimit: check }, secondsUntilNextUtcMidnight(now));
