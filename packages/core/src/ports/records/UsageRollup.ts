/** Daily usage counters (F.2) and the suspension state usage limits produce (F.8). */
import { Schema } from "effect";

/** Who measured a metric. */
export const UsageSource = Schema.Literals(["w7s", "cloudflare", "cloudflare_estimated"]);
export type UsageSource = typeof UsageSource.Type;

/** Totals of one metric in one rollup. */
export const UsageMetricTotals = Schema.Struct({
  count: Schema.Number,
  units: Schema.Number,
  success: Schema.Number,
  error: Schema.Number,
  lastAt: Schema.String,
  source: Schema.optionalKey(UsageSource),
});
export type UsageMetricTotals = typeof UsageMetricTotals.Type;

/**
 * A daily rollup at repo, owner (`repoSlug` `*`) or global (`orgSlug` and `repoSlug` `*`) scope.
 * `updatedAt` is null only in the empty rollup the usage API answers for a day with no events.
 */
export const UsageRollup = Schema.Struct({
  version: Schema.Literal(1),
  date: Schema.String,
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  environment: Schema.String,
  repository: Schema.String,
  metrics: Schema.Record(Schema.String, UsageMetricTotals),
  updatedAt: Schema.NullOr(Schema.String),
  cloudflareSyncedAt: Schema.optionalKey(Schema.String),
  cloudflareHours: Schema.optionalKey(Schema.Array(Schema.String)),
});
export type UsageRollup = typeof UsageRollup.Type;

/** One counted event, already normalized by the core; the store adds it to the repo, owner and global rollups. */
export const UsageIncrement = Schema.Struct({
  date: Schema.String,
  environment: Schema.String,
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  repository: Schema.String,
  metric: Schema.String,
  count: Schema.Number,
  units: Schema.Number,
  outcome: Schema.Literals(["success", "error"]),
  at: Schema.String,
  source: Schema.optionalKey(UsageSource),
});
export type UsageIncrement = typeof UsageIncrement.Type;

/** A metric that reached its warning threshold or its limit. */
export const UsageLimitWarning = Schema.Struct({
  metric: Schema.String,
  status: Schema.Literals(["warning", "exceeded"]),
  used: Schema.Number,
  limit: Schema.Number,
  remaining: Schema.Number,
  message: Schema.String,
});
export type UsageLimitWarning = typeof UsageLimitWarning.Type;

/**
 * `app_limit_state:v1:<env>:<org>:<repo>`. `suspendedBy` says who may lift it (DECISIONS 8): a limit
 * suspension ends at `resumeAfter`; an operator's has no `resumeAfter` and ends when the operator lifts it.
 */
export const SuspensionState = Schema.Struct({
  version: Schema.Literal(1),
  status: Schema.Literal("suspended"),
  environment: Schema.String,
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  reason: Schema.String,
  metrics: Schema.Array(UsageLimitWarning),
  updatedAt: Schema.String,
  resumeAfter: Schema.optionalKey(Schema.String),
  suspendedBy: Schema.Literals(["limit", "operator"]),
});
export type SuspensionState = typeof SuspensionState.Type;
