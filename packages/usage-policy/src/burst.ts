/** Short-window (burst) limits: fixed windows per metric and scope, counter keys, and the allow-or-block decision (F.6). */
import { sanitizeScriptPart } from "@w7s/env-naming";
import { type ExemptOrgs, isExempt } from "./exemptions.js";
import { canonicalMetric, type Metric } from "./metrics.js";
import { jsonRejection, type LimitRejection } from "./rejection.js";
import { LIMIT_SCOPES, type LimitScope, requestedUnitsOf, type UsageTarget, usedUnitsOf } from "./target.js";
import { epochMillis, type Instant, isoString } from "./time.js";

/** Units allowed per window at each scope, and the window length. */
export interface BurstLimit {
  readonly repo: number;
  readonly owner: number;
  readonly global: number;
  readonly windowSeconds: number;
}

/** The burst limits of the code (L.31: these, not the docs' table); metrics not listed have none. */
export const BURST_LIMITS: Readonly<Partial<Record<Metric, BurstLimit>>> = {
  deploy: { repo: 10, owner: 50, global: 500, windowSeconds: 600 },
  "runtime.request": { repo: 300, owner: 2000, global: 10000, windowSeconds: 60 },
  "rpc.dispatch": { repo: 120, owner: 600, global: 5000, windowSeconds: 60 },
  "queue.send": { repo: 120, owner: 600, global: 5000, windowSeconds: 60 },
  "queue.delivery": { repo: 300, owner: 1500, global: 10000, windowSeconds: 60 },
  "schedule.delivery": { repo: 120, owner: 600, global: 5000, windowSeconds: 60 },
  "workflow.create": { repo: 60, owner: 300, global: 2000, windowSeconds: 60 },
  "workflow.delivery": { repo: 120, owner: 600, global: 5000, windowSeconds: 60 },
  "ai.run": { repo: 30, owner: 150, global: 1000, windowSeconds: 60 },
  "log.write": { repo: 500, owner: 2000, global: 10000, windowSeconds: 60 },
  "event.publish": { repo: 120, owner: 600, global: 5000, windowSeconds: 60 },
  "event.delivery": { repo: 300, owner: 1500, global: 10000, windowSeconds: 60 },
};

/**
 * An operator's replacement of one burst limit (DECISIONS 11: none is built in). Fields left out match
 * anything; when several match, the last one wins. Entries whose limit or window is below 1 are ignored.
 */
export interface BurstLimitOverride {
  readonly metric: string;
  readonly scope: LimitScope;
  readonly environment?: string;
  readonly orgSlug?: string;
  readonly repoSlug?: string;
  readonly limit: number;
  readonly windowSeconds?: number;
}

/** Start (epoch ms) of the fixed window that contains `now`. */
export const windowStart = (now: Instant, windowSeconds: number): number => {
  const windowMillis = windowSeconds * 1000;
  return Math.floor(epochMillis(now) / windowMillis) * windowMillis;
};

/** Whole seconds until the window containing `now` ends, at least 1. */
export const retryAfterSeconds = (now: Instant, windowSeconds: number): number => {
  const millis = epochMillis(now);
  const seconds = Math.ceil((windowStart(millis, windowSeconds) + windowSeconds * 1000 - millis) / 1000);
  return Number.isFinite(seconds) ? Math.max(1, seconds) : 1;
};

/** The KV key of one scope's counter for one window; global keys name the environment, owner keys add the org, repo keys the repo. */
export const burstCounterKey = (
  input: UsageTarget & {
    readonly metric: string;
    readonly scope: LimitScope;
    readonly windowSeconds: number;
    readonly windowStart: number;
  },
): string => {
  const names = [sanitizeScriptPart(input.environment)];
  if (input.scope !== "global") names.push(sanitizeScriptPart(input.orgSlug));
  if (input.scope === "repo") names.push(sanitizeScriptPart(input.repoSlug));
  const start = sanitizeScriptPart(isoString(input.windowStart));
  return `usage_rate:v1:${start}:${input.windowSeconds}:${input.scope}:${sanitizeScriptPart(input.metric)}:${names.join(":")}`;
};

/** A burst-limited request: which metric, for whom, how many units, and when. */
export interface BurstRequest extends UsageTarget {
  readonly metric: string;
  readonly now: Instant;
  readonly units?: number;
  readonly exemptOrgs?: ExemptOrgs;
  readonly overrides?: readonly BurstLimitOverride[];
}

/** One scope's counter for the current window: where it lives, its limit, and how long to keep it. */
export interface BurstCounter {
  readonly scope: LimitScope;
  readonly key: string;
  readonly limit: number;
  readonly windowSeconds: number;
  /** Epoch milliseconds the window started. */
  readonly windowStartMs: number;
  readonly retryAfterSeconds: number;
  /** How long a written counter must live: twice the window, or until the window ends if that is later. */
  readonly ttlSeconds: number;
}

const wholeAtLeastOne = (value: number | undefined): number | undefined => {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  const whole = Math.floor(value);
  return whole >= 1 ? whole : undefined;
};

const sameName = (wanted: string | undefined, actual: string): boolean =>
  wanted === undefined || sanitizeScriptPart(wanted) === sanitizeScriptPart(actual);

const limitFor = (
  request: BurstRequest,
  metric: Metric,
  scope: LimitScope,
  table: BurstLimit,
): { readonly limit: number; readonly windowSeconds: number } => {
  let chosen = { limit: table[scope], windowSeconds: table.windowSeconds };
  for (const override of request.overrides ?? []) {
    const limit = wholeAtLeastOne(override.limit);
    const windowSeconds =
      override.windowSeconds === undefined ? table.windowSeconds : wholeAtLeastOne(override.windowSeconds);
    const matches =
      override.scope === scope &&
      canonicalMetric(override.metric) === metric &&
      sameName(override.environment, request.environment) &&
      sameName(override.orgSlug, request.orgSlug) &&
      sameName(override.repoSlug, request.repoSlug);
    if (matches && limit !== undefined && windowSeconds !== undefined) chosen = { limit, windowSeconds };
  }
  return chosen;
};

/** The three counters (repo, owner, global) a request is measured against; `null` when no burst limit applies. */
export const burstCounters = (request: BurstRequest): readonly BurstCounter[] | null => {
  const metric = canonicalMetric(request.metric);
  const table = metric === undefined ? undefined : BURST_LIMITS[metric];
  if (metric === undefined || table === undefined || isExempt(request.exemptOrgs, request.orgSlug))
    return null;
  return LIMIT_SCOPES.map((scope) => {
    const { limit, windowSeconds } = limitFor(request, metric, scope, table);
    const start = windowStart(request.now, windowSeconds);
    const retryAfter = retryAfterSeconds(request.now, windowSeconds);
    return {
      scope,
      key: burstCounterKey({ ...request, metric, scope, windowSeconds, windowStart: start }),
      limit,
      windowSeconds,
      windowStartMs: start,
      retryAfterSeconds: retryAfter,
      ttlSeconds: Math.max(2 * windowSeconds, retryAfter),
    };
  });
};

/** The verdict of a burst check at one scope. */
export interface RateLimitCheck extends UsageTarget {
  readonly version: 1;
  readonly mode: "enforce";
  readonly enforcement: "rate";
  readonly metric: Metric;
  readonly scope: LimitScope;
  readonly windowSeconds: number;
  /** ISO time the window started. */
  readonly windowStart: string;
  readonly used: number;
  readonly requestedUnits: number;
  readonly projectedUnits: number;
  readonly limit: number;
  readonly remaining: number;
  readonly retryAfterSeconds: number;
  readonly wouldBlock: boolean;
}

/** A counter value to write after an allowed request. */
export interface BurstIncrement {
  readonly key: string;
  readonly scope: LimitScope;
  readonly newValue: number;
  readonly ttlSeconds: number;
}

/** Either the first blocking check (and nothing to count), or the repo check and the counter writes to make. */
export type BurstDecision =
  | { readonly blocked: RateLimitCheck }
  | { readonly allowed: RateLimitCheck; readonly increments: readonly BurstIncrement[] };

/**
 * Decides a burst-limited request from the current value of each scope's counter (missing = 0). When any
 * scope would go over its limit nothing is incremented; otherwise every scope is. `null` when no burst limit
 * applies (unlisted metric or exempt owner).
 */
export const decideBurst = (
  input: BurstRequest & { readonly counters: Readonly<Partial<Record<LimitScope, number>>> },
): BurstDecision | null => {
  const counters = burstCounters(input);
  const metric = canonicalMetric(input.metric);
  if (counters === null || metric === undefined) return null;
  const requestedUnits = requestedUnitsOf(input.units);
  const checks = counters.map((counter): RateLimitCheck => {
    const used = usedUnitsOf(input.counters[counter.scope]);
    const projectedUnits = used + requestedUnits;
    return {
      version: 1,
      mode: "enforce",
      enforcement: "rate",
      metric,
      scope: counter.scope,
      environment: input.environment,
      orgSlug: input.orgSlug,
      repoSlug: input.repoSlug,
      windowSeconds: counter.windowSeconds,
      windowStart: isoString(counter.windowStartMs),
      used,
      requestedUnits,
      projectedUnits,
      limit: counter.limit,
      remaining: Math.max(0, counter.limit - used),
      retryAfterSeconds: counter.retryAfterSeconds,
      wouldBlock: projectedUnits > counter.limit,
    };
  });
  const blocking = checks.find((check) => check.wouldBlock);
  if (blocking !== undefined) return { blocked: blocking };
  const [repoCheck] = checks;
  if (repoCheck === undefined) return null;
  const increments = counters.map((counter, index) => ({
    key: counter.key,
    scope: counter.scope,
    newValue: checks[index]?.projectedUnits ?? requestedUnits,
    ttlSeconds: counter.ttlSeconds,
  }));
  return { allowed: repoCheck, increments };
};

/** The user-facing text of a blocked burst check. */
export const rateLimitMessage = (check: RateLimitCheck): string =>
  `Short-window usage limit exceeded for ${check.metric} at ${check.scope} scope (${check.used}/${check.limit} used, requested ${check.requestedUnits}).`;

/** The 429 for a blocked burst check; clients may retry when the window ends. */
export const rateLimitRejection = (
  check: RateLimitCheck,
): LimitRejection<{ readonly rateLimit: RateLimitCheck }> =>
  jsonRejection(rateLimitMessage(check), { rateLimit: check }, check.retryAfterSeconds);
