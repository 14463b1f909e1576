/** Daily usage rollups: their keys at repo, owner and global scope, and how one usage event updates them (F.2). */
import { sanitizeScriptPart } from "@w7s/env-naming";
import { Result } from "effect";
import { InvalidUsageEvent } from "./errors.js";
import { canonicalMetric, isValidMetricName } from "./metrics.js";
import type { LimitScope, UsageTarget } from "./target.js";
import { epochMillis, type Instant, isoString, usageDate } from "./time.js";

/** Who measured a figure: W7S itself, or the platform's telemetry (exactly or estimated). */
export type UsageSource = "w7s" | "cloudflare" | "cloudflare_estimated";

/** One metric's counters for one day. */
export interface MetricUsage {
  readonly count: number;
  readonly units: number;
  readonly success: number;
  readonly error: number;
  readonly lastAt: string;
  readonly source?: UsageSource;
}

/** One day of usage at one scope (`repoSlug` is `*` at owner scope, both slugs are `*` at global scope). */
export interface UsageRollup extends UsageTarget {
  readonly version: 1;
  readonly date: string;
  readonly repository: string;
  readonly metrics: Readonly<Record<string, MetricUsage>>;
  readonly updatedAt: string | null;
  readonly cloudflareSyncedAt?: string;
  readonly cloudflareHours?: readonly string[];
}

/** Something that happened and costs usage; `at` is when, read from the caller's clock. */
export interface UsageEvent {
  readonly metric: string;
  readonly at: Instant;
  readonly count?: number;
  readonly units?: number;
  readonly outcome?: "success" | "error";
  readonly source?: UsageSource;
}

/** The KV key of a day's rollup at one scope; names go through `sanitizeScriptPart`. */
export const usageRollupKey = (
  scope: LimitScope,
  target: UsageTarget & { readonly date: string },
): string => {
  const env = sanitizeScriptPart(target.environment);
  switch (scope) {
    case "repo":
      return `usage_daily:v1:${target.date}:${env}:${sanitizeScriptPart(target.orgSlug)}:${sanitizeScriptPart(target.repoSlug)}`;
    case "owner":
      return `usage_owner_daily:v1:${target.date}:${env}:${sanitizeScriptPart(target.orgSlug)}`;
    case "global":
      return `usage_global_daily:v1:${target.date}:${env}`;
  }
};

/** A day's rollup with nothing counted yet; the identity fields follow the scope's wildcards. */
export const emptyRollup = (
  scope: LimitScope,
  target: UsageTarget & { readonly date: string; readonly repository?: string },
): UsageRollup => {
  const orgSlug = scope === "global" ? "*" : target.orgSlug;
  const repoSlug = scope === "repo" ? target.repoSlug : "*";
  const repository =
    scope === "repo" ? (target.repository ?? `${orgSlug}/${repoSlug}`) : `${orgSlug}/${repoSlug}`;
  return {
    version: 1,
    date: target.date,
    orgSlug,
    repoSlug,
    environment: target.environment,
    repository,
    metrics: {},
    updatedAt: null,
  };
};

/** Units of a metric a rollup holds (0 when the rollup or the metric is absent); aliases are accepted. */
export const unitsUsed = (rollup: UsageRollup | null | undefined, metric: string): number => {
  const name = canonicalMetric(metric) ?? metric.trim().toLowerCase();
  const units =
    rollup !== null && rollup !== undefined && Object.hasOwn(rollup.metrics, name)
      ? rollup.metrics[name]?.units
      : undefined;
  return typeof units === "number" && Number.isFinite(units) ? units : 0;
};

const positiveOr = (value: number | undefined, fallback: number): number =>
  value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;

/**
 * The rollup after one event: `count` defaults to 1, `units` to `count`, the count goes to `success` or
 * `error`, `lastAt` is the event time and `source` changes only when the event names one. Docs aliases are
 * stored under the code's metric name. Fails for a name outside `/^[a-z][a-z0-9_.:-]{0,63}$/` (which the
 * recorder ignores), an invalid time, or an event on another day than the rollup.
 */
export const applyUsageEvent = (
  rollup: UsageRollup,
  event: UsageEvent,
): Result.Result<UsageRollup, InvalidUsageEvent> => {
  const name = event.metric.trim().toLowerCase();
  if (!isValidMetricName(name)) {
    return Result.fail(new InvalidUsageEvent({ path: "metric", message: "Usage metric name is not valid." }));
  }
  const atMillis = epochMillis(event.at);
  if (!Number.isFinite(atMillis)) {
    return Result.fail(
      new InvalidUsageEvent({ path: "at", message: "Usage event time is not a valid instant." }),
    );
  }
  if (usageDate(atMillis) !== rollup.date) {
    return Result.fail(
      new InvalidUsageEvent({ path: "at", message: "Usage event does not fall on the rollup's date." }),
    );
  }
  const metric = canonicalMetric(name) ?? name;
  const count = positiveOr(event.count, 1);
  const units =
    event.units !== undefined && Number.isFinite(event.units) && event.units >= 0 ? event.units : count;
  const lastAt = isoString(atMillis);
  const previous = Object.hasOwn(rollup.metrics, metric) ? rollup.metrics[metric] : undefined;
  const failed = event.outcome === "error";
  const source = event.source ?? previous?.source;
  const updated: MetricUsage = {
    count: (previous?.count ?? 0) + count,
    units: (previous?.units ?? 0) + units,
    success: (previous?.success ?? 0) + (failed ? 0 : count),
    error: (previous?.error ?? 0) + (failed ? count : 0),
    lastAt,
    ...(source === undefined ? {} : { source }),
  };
  return Result.succeed({ ...rollup, metrics: { ...rollup.metrics, [metric]: updated }, updatedAt: lastAt });
};
