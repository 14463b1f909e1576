/** The daily usage report: each metric's standing against the effective policy and the warnings to show (F.5). */
import { METRICS, type Metric } from "./metrics.js";
import type { PolicySource, UsagePolicy } from "./policy.js";
import { type UsageRollup, unitsUsed } from "./rollup.js";
import { round4, type UsageStatus, usageStatus } from "./status.js";

/** One metric's standing for the day. */
export interface MetricEvaluation {
  readonly metric: Metric;
  readonly used: number;
  readonly limit: number;
  readonly remaining: number;
  readonly usageRatio: number;
  readonly status: UsageStatus;
  readonly source: PolicySource;
}

/** A metric at `warning` or `exceeded`, with the sentence dashboards and the action print. */
export interface UsageLimitWarning {
  readonly metric: string;
  readonly status: UsageStatus;
  readonly used: number;
  readonly limit: number;
  readonly remaining: number;
  readonly message: string;
}

/** The `limits` part of the usage API answer. */
export interface UsageLimitEvaluation {
  readonly version: 1;
  readonly period: "daily";
  readonly mode: "enforce";
  readonly metrics: Readonly<Record<Metric, MetricEvaluation>>;
  readonly warnings: readonly UsageLimitWarning[];
}

/** The sentence of a warning: `exceeded the daily limit` or `is approaching the daily limit`. */
export const usageWarningMessage = (
  metric: string,
  status: UsageStatus,
  used: number,
  limit: number,
): string =>
  status === "exceeded"
    ? `${metric} exceeded the daily limit (${used}/${limit}).`
    : `${metric} is approaching the daily limit (${used}/${limit}).`;

/** Every metric of the policy evaluated against a day's rollup (absent rollup = nothing used), in metric order. */
export const evaluateUsageLimits = (
  policy: UsagePolicy,
  rollup: UsageRollup | null | undefined,
): UsageLimitEvaluation => {
  const metrics = {} as Record<Metric, MetricEvaluation>;
  const warnings: UsageLimitWarning[] = [];
  for (const metric of METRICS) {
    const { dailyUnits: limit, warningThreshold, source } = policy[metric];
    const used = unitsUsed(rollup, metric);
    const status = usageStatus(used, limit, warningThreshold);
    const remaining = Math.max(0, limit - used);
    metrics[metric] = { metric, used, limit, remaining, usageRatio: round4(used / limit), status, source };
    if (status !== "ok") {
      warnings.push({
        metric,
        status,
        used,
        limit,
        remaining,
        message: usageWarningMessage(metric, status, used, limit),
      });
    }
  }
  return { version: 1, period: "daily", mode: "enforce", metrics, warnings };
};
