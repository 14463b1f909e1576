/**
 * Usage limits over the ports (F.3-F.8, DECISIONS 7-8): effective policies from the operator's override
 * records, the daily check against today's exact rollups, then the burst window reserved all or nothing,
 * suspensions and their expiry, and counting. The rules themselves live in `@w7s/usage-policy`; this module
 * reads and writes what they decide about.
 */
import {
  type AppLimitState,
  checkUsageLimit,
  dailyLimitRejection,
  decideBurst,
  isExempt,
  type LimitRejection,
  type LimitScope,
  limitSuspension,
  mergePolicy,
  operatorSuspension,
  type PolicyFamily,
  type PolicyRecords,
  policyLookups,
  type RateLimitCheck,
  rateLimitRejection,
  burstCounters as scopeCounters,
  suspensionForBlock,
  suspensionRejection,
  type UsageLimitCheck,
  type UsagePolicy,
  unitsUsed,
} from "@w7s/usage-policy";
import { Effect, Option } from "effect";
import { TooManyRequests } from "../errors/httpErrors.js";
import type { PlatformConfig } from "../platformConfig.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type { SuspensionState, UsageRollup } from "../ports/records/UsageRollup.js";
import { UsagePolicyStore } from "../ports/UsagePolicyStore.js";
import { UsageStore } from "../ports/UsageStore.js";

/** One counted operation to check. */
export interface UsageCheckRequest {
  readonly metric: string;
  readonly app: AppRef;
  readonly units?: number;
}

/** Why an operation may not run: the daily or the burst check that blocked it, and the 429 to answer. */
export interface UsageBlock {
  readonly check: UsageLimitCheck | RateLimitCheck;
  readonly rejection: LimitRejection<unknown>;
}

const nowMillis = Effect.clockWith((clock) => clock.currentTimeMillis);

const targetOf = (app: AppRef) => ({
  environment: app.environment,
  orgSlug: app.orgSlug,
  repoSlug: app.repoSlug,
});

/** The override records of one policy family for `app`, by scope. */
export const familyRecords = (family: PolicyFamily, app: AppRef) =>
  Effect.gen(function* () {
    const store = yield* UsagePolicyStore;
    const records: Record<string, unknown> = {};
    for (const lookup of policyLookups(family, targetOf(app))) {
      const found = yield* store.get(lookup.key).pipe(Effect.orElseSucceed(() => Option.none()));
      if (Option.isSome(found)) records[lookup.scope] = found.value;
    }
    return records as PolicyRecords;
  });

/** The effective repo, owner and global policies of `app` (F.3). */
export const usagePolicies = (app: AppRef) =>
  Effect.gen(function* () {
    const policies: Partial<Record<LimitScope, UsagePolicy>> = {};
    for (const family of ["repo", "owner", "global"] as const) {
      policies[family] = mergePolicy(family, yield* familyRecords(family, app));
    }
    return policies as Readonly<Record<LimitScope, UsagePolicy>>;
  });

const rollupUnits = (rollup: Option.Option<UsageRollup>, metric: string): number =>
  Option.isNone(rollup) ? 0 : unitsUsed(rollup.value as never, metric);

/** Units of `metric` used on `date` at each scope. */
export const usedToday = (app: AppRef, metric: string, date: string) =>
  Effect.gen(function* () {
    const store = yield* UsageStore;
    const read = (key: Parameters<UsageStore["Service"]["rollup"]>[0]) =>
      store.rollup(key).pipe(Effect.orElseSucceed(() => Option.none<UsageRollup>()));
    const { environment, orgSlug, repoSlug } = app;
    return {
      repo: rollupUnits(yield* read({ scope: "repo", date, environment, orgSlug, repoSlug }), metric),
      owner: rollupUnits(yield* read({ scope: "owner", date, environment, orgSlug }), metric),
      global: rollupUnits(yield* read({ scope: "global", date, environment }), metric),
    };
  });

/**
 * The daily check, then (when it passes) the burst reservation, which also counts the operation in the
 * burst windows. `undefined` when the operation may run. Store failures never block (a limit that cannot
 * be read is not enforced), so an outage of the usage store degrades to "no limits", never to an outage.
 */
export const checkBlockedUsageLimit = (request: UsageCheckRequest, config: PlatformConfig) =>
  Effect.gen(function* () {
    const exemptOrgs = new Set(config.limitExemptOwners);
    // Exempt owners skip both checks (F.7); deciding that first saves the policy and rollup reads.
    if (isExempt(exemptOrgs, request.app.orgSlug)) return undefined;
    const now = yield* nowMillis;
    const date = new Date(now).toISOString().slice(0, 10);
    const target = targetOf(request.app);
    const daily = checkUsageLimit({
      ...target,
      metric: request.metric,
      date,
      ...(request.units === undefined ? {} : { units: request.units }),
      policies: yield* usagePolicies(request.app),
      used: yield* usedToday(request.app, request.metric, date),
      exemptOrgs,
    });
    if (daily?.wouldBlock === true) {
      return { check: daily, rejection: dailyLimitRejection(daily, now) } satisfies UsageBlock;
    }
    const burstRequest = {
      ...target,
      metric: request.metric,
      now,
      exemptOrgs,
      ...(request.units === undefined ? {} : { units: request.units }),
    };
    const counters = scopeCounters(burstRequest);
    if (counters === null) return undefined;
    const store = yield* UsageStore;
    const requested = Math.max(1, Math.floor(request.units ?? 1));
    const reservation = yield* store
      .reserveBurst(
        counters.map((counter) => ({
          key: counter.key,
          limit: counter.limit,
          ttlSeconds: counter.ttlSeconds,
        })),
        requested,
      )
      .pipe(Effect.orElseSucceed(() => ({ applied: true, used: [] as number[] })));
    if (reservation.applied) return undefined;
    const decision = decideBurst({
      ...burstRequest,
      counters: Object.fromEntries(
        counters.map((counter, index) => [counter.scope, reservation.used[index] ?? 0]),
      ),
    });
    return decision !== null && "blocked" in decision
      ? ({ check: decision.blocked, rejection: rateLimitRejection(decision.blocked) } satisfies UsageBlock)
      : undefined;
  });

/** A limit rejection as the platform's 429 error (the JSON envelope with its details and `retry-after`). */
export const tooManyRequests = (rejection: LimitRejection<unknown>): TooManyRequests =>
  rejection.format === "json"
    ? new TooManyRequests({
        message: rejection.body.error,
        details: rejection.body.details as Record<string, unknown>,
        retryAfterSeconds: rejection.retryAfterSeconds,
      })
    : new TooManyRequests({ message: "Too many requests.", retryAfterSeconds: rejection.retryAfterSeconds });

/** `checkBlockedUsageLimit` as an effect that fails with the 429 (`enforceUsageLimit` of F.6). */
export const enforceUsageLimit = (request: UsageCheckRequest, config: PlatformConfig) =>
  Effect.flatMap(checkBlockedUsageLimit(request, config), (block) =>
    block === undefined ? Effect.void : Effect.fail(tooManyRequests(block.rejection)),
  );

/** One operation that happened, for `recordUsage`. */
export interface UsageRecord {
  readonly metric: string;
  readonly app: AppRef;
  readonly count?: number;
  readonly units?: number;
  readonly outcome: "success" | "error";
}

/** Counts an operation at repo, owner and global scope; a store failure is not the caller's problem. */
export const recordUsage = (usage: UsageRecord) =>
  Effect.gen(function* () {
    const store = yield* UsageStore;
    const at = new Date(yield* nowMillis).toISOString();
    const count = Math.max(1, Math.floor(usage.count ?? 1));
    yield* store
      .increment({
        date: at.slice(0, 10),
        environment: usage.app.environment,
        orgSlug: usage.app.orgSlug,
        repoSlug: usage.app.repoSlug,
        repository: `${usage.app.orgSlug}/${usage.app.repoSlug}`,
        metric: usage.metric,
        count,
        units: usage.units ?? count,
        outcome: usage.outcome,
        at,
        source: "w7s",
      })
      .pipe(Effect.ignore);
  });

const toPolicyState = (state: SuspensionState): AppLimitState => {
  const { suspendedBy, ...rest } = state;
  return { ...rest, kind: suspendedBy };
};

const toStoredState = (state: AppLimitState): SuspensionState => {
  const { kind, metrics, ...rest } = state;
  return {
    ...rest,
    metrics: metrics.flatMap((warning) =>
      warning.status === "ok" ? [] : [{ ...warning, status: warning.status }],
    ),
    suspendedBy: kind,
  };
};

/**
 * The app's suspension if it still holds (F.8): a limit suspension whose `resumeAfter` has passed is lifted
 * and treated as absent; an operator suspension holds until the operator lifts it.
 */
export const activeSuspension = (app: AppRef) =>
  Effect.gen(function* () {
    const store = yield* UsageStore;
    const stored = yield* store
      .suspension(app)
      .pipe(Effect.orElseSucceed(() => Option.none<SuspensionState>()));
    if (Option.isNone(stored)) return undefined;
    const state = stored.value;
    const now = yield* nowMillis;
    if (state.resumeAfter !== undefined && Date.parse(state.resumeAfter) <= now) {
      yield* store.lift(app, state.suspendedBy).pipe(Effect.ignore);
      return undefined;
    }
    return toPolicyState(state);
  });

/** The 429 of a suspended app, HTML when the client accepts it. */
export const suspensionAnswer = (state: AppLimitState, accept: string | null | undefined) =>
  Effect.map(nowMillis, (now) => suspensionRejection(state, { now, accept: accept ?? null }));

/** Fails with the suspension's 429 (JSON) while `app` is suspended (deploys, RPC, queue sends, AI, ...). */
export const enforceNotSuspended = (app: AppRef) =>
  Effect.gen(function* () {
    const state = yield* activeSuspension(app);
    if (state === undefined) return;
    return yield* Effect.fail(tooManyRequests(yield* suspensionAnswer(state, undefined)));
  });

/** Suspends the app for a blocked check (D.8, F.8): until the next UTC day, or the end of the burst window. */
export const suspendForBlock = (block: UsageBlock) =>
  Effect.gen(function* () {
    const store = yield* UsageStore;
    const state = suspensionForBlock(block.check, yield* nowMillis);
    yield* store.suspend(toStoredState(state)).pipe(Effect.ignore);
    return state;
  });

/** The operator's suspension (`w7s-server suspend`), held until `liftOperatorSuspension`. */
export const suspendByOperator = (app: AppRef, reason: string) =>
  Effect.gen(function* () {
    const store = yield* UsageStore;
    const state = operatorSuspension({ ...targetOf(app), now: yield* nowMillis, reason });
    yield* store.suspend(toStoredState(state));
    return state;
  });

export const liftOperatorSuspension = (app: AppRef) =>
  Effect.gen(function* () {
    const store = yield* UsageStore;
    yield* store.lift(app, "operator");
  });

/** A limit suspension with the given metrics (the hourly usage evaluation, F.9). */
export const suspendForLimits = (app: AppRef, metrics: AppLimitState["metrics"]) =>
  Effect.gen(function* () {
    const store = yield* UsageStore;
    const state = limitSuspension({ ...targetOf(app), now: yield* nowMillis, metrics });
    yield* store.suspend(toStoredState(state)).pipe(Effect.ignore);
    return state;
  });
