/**
 * Runtime accounting (D.8) kept off the request path: a served response is handed to the accountant,
 * which only notes it in memory; a background flush then counts `runtime.request` (and `static.r2_class_b`
 * for static misses), writes the `runtime_request` analytics event, and runs the combined daily + burst
 * check once per app for everything noted since the last flush, suspending the app when a request would
 * have been over a limit. The same accountant answers the suspension lookup of D.2 step 6.3 from a cache
 * (D.9: app-limit states 5 s), so a request never waits for the database to learn it may run.
 */
import {
  type AppLimitState,
  checkUsageLimit,
  dailyLimitRejection,
  decideBurst,
  rateLimitRejection,
  burstCounters as scopeCounters,
  suspendsOnBurst,
} from "@w7s/usage-policy";
import { Cause, Clock, Effect, Exit, type Scope, Semaphore } from "effect";
import {
  type NotificationServices,
  notifyAppSuspended,
  notifyUsageCollectionFailure,
} from "../notifications/notify.js";
import type { PlatformConfig } from "../platformConfig.js";
import { AnalyticsSink } from "../ports/AnalyticsSink.js";
import type { AnalyticsEvent } from "../ports/records/AnalyticsEvent.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type { UsageIncrement } from "../ports/records/UsageRollup.js";
import type { UsagePolicyStore } from "../ports/UsagePolicyStore.js";
import { UsageStore } from "../ports/UsageStore.js";
import { accountingSource, type RuntimeSource, type ServedApp } from "../routing/routeModel.js";
import {
  activeSuspension,
  suspendForBlock,
  type UsageBlock,
  usagePolicies,
  usedToday,
} from "./usageLimits.js";

/** One response of D.2 steps 6.4-6.9, as the request path saw it. */
export interface AccountedResponse {
  readonly served: ServedApp;
  readonly source: RuntimeSource;
  readonly status: number;
  /** The `x-w7s-static-cache` header of a static answer (`memory`, `hit`, `miss`), else null. */
  readonly staticCache: string | null;
  readonly method: string;
  readonly host: string;
  /** The request pathname (no query string: queries often carry tokens). */
  readonly path: string;
  readonly userAgent: string;
  readonly durationMs: number;
}

/** A D.6 showcase page, which only writes a `runtime_showcase` event. */
export interface ShowcaseRequest {
  readonly host: string;
  readonly path: string;
  readonly method: string;
  readonly userAgent: string;
  readonly status: number;
}

/** What the request path needs from accounting; every member returns at once. */
export interface RequestAccounting {
  /** The app's active suspension (D.2 step 6.3). */
  readonly suspension: (app: AppRef) => Effect.Effect<AppLimitState | undefined>;
  /** Notes an accounted response; the work happens later (D.8: after the response, asynchronously). */
  readonly account: (response: AccountedResponse) => void;
  readonly showcase?: (request: ShowcaseRequest) => void;
}

const describeCause = (cause: unknown): string => {
  const error = Cause.isCause(cause) ? Cause.squash(cause) : cause;
  return error instanceof Error ? error.message : String(error);
};

/** `outcome` of usage and analytics: success for 200-399 (D.8, G.3). */
export const outcomeOfStatus = (status: number): "success" | "error" =>
  status >= 200 && status <= 399 ? "success" : "error";

/** A static answer read from the object store (D.8): it also counts `static.r2_class_b`. */
const isStaticMiss = (response: AccountedResponse): boolean =>
  response.source.startsWith("static_") &&
  response.status >= 200 &&
  response.status <= 299 &&
  response.staticCache === "miss";

/** The usage one accounted response adds (D.8): `runtime.request`, and `static.r2_class_b` for a static miss. */
export const runtimeUsageOf = (
  response: AccountedResponse,
): ReadonlyArray<{ readonly metric: string; readonly outcome: "success" | "error" }> => {
  const usage = [{ metric: "runtime.request", outcome: outcomeOfStatus(response.status) }];
  if (isStaticMiss(response)) usage.push({ metric: "static.r2_class_b", outcome: "success" });
  return usage;
};

/** The `runtime_request` event of one accounted response (G.3). */
export const runtimeRequestEvent = (response: AccountedResponse, timestamp: string): AnalyticsEvent => {
  const { served } = response;
  return {
    event: "runtime_request",
    timestamp,
    repository: `${served.orgSlug}/${served.repoSlug}`,
    environment: served.environment,
    orgSlug: served.orgSlug,
    repoSlug: served.repoSlug,
    outcome: outcomeOfStatus(response.status),
    source: accountingSource(response.source, served),
    method: response.method,
    host: response.host,
    path: response.path,
    userAgent: response.userAgent,
    count: 1,
    status: response.status,
    durationMs: Math.max(0, Math.round(response.durationMs)),
  };
};

/** Responses of one app noted since the last flush, split by whether a burst block may suspend it. */
export interface RuntimeRequestBatch {
  readonly app: AppRef;
  /** How many responses; they are already counted in today's rollups. */
  readonly count: number;
  /** False for `static_fallback` and `not_found` sources, whose burst-only blocks never suspend (D.8). */
  readonly suspendOnBurst: boolean;
}

/**
 * D.8's combined check for a batch of responses that were each counted before: what checking them one by
 * one would have found. The daily check asks for one unit beyond the counted total (each request checks
 * after counting itself). The burst windows take the whole batch when it fits; otherwise they take what
 * fits and the next request is the one that blocks. `undefined` when none would have blocked.
 */
export const checkRuntimeRequests = (batch: RuntimeRequestBatch, config: PlatformConfig) =>
  Effect.gen(function* () {
    const metric = "runtime.request";
    const now = yield* Clock.currentTimeMillis;
    const date = new Date(now).toISOString().slice(0, 10);
    const target = {
      environment: batch.app.environment,
      orgSlug: batch.app.orgSlug,
      repoSlug: batch.app.repoSlug,
    };
    const exemptOrgs = new Set(config.limitExemptOwners);
    const daily = checkUsageLimit({
      ...target,
      metric,
      date,
      units: 1,
      policies: yield* usagePolicies(batch.app),
      used: yield* usedToday(batch.app, metric, date),
      exemptOrgs,
    });
    if (daily?.wouldBlock === true) {
      return { check: daily, rejection: dailyLimitRejection(daily, now) } satisfies UsageBlock;
    }
    const burstRequest = { ...target, metric, now, exemptOrgs };
    const counters = scopeCounters(burstRequest);
    if (counters === null) return undefined;
    const store = yield* UsageStore;
    const wanted = counters.map(({ key, limit, ttlSeconds }) => ({ key, limit, ttlSeconds }));
    const reserve = (units: number) =>
      store
        .reserveBurst(wanted, units)
        .pipe(Effect.orElseSucceed(() => ({ applied: true, used: [] as ReadonlyArray<number> })));
    const whole = yield* reserve(batch.count);
    if (whole.applied) return undefined;
    let used = whole.used;
    const room = Math.min(...counters.map((counter, index) => counter.limit - (used[index] ?? 0)));
    if (room > 0) {
      const part = yield* reserve(room);
      used = part.applied ? used.map((value) => value + room) : part.used;
    }
    const decision = decideBurst({
      ...burstRequest,
      counters: Object.fromEntries(counters.map((counter, index) => [counter.scope, used[index] ?? 0])),
    });
    return decision !== null && "blocked" in decision
      ? ({ check: decision.blocked, rejection: rateLimitRejection(decision.blocked) } satisfies UsageBlock)
      : undefined;
  });

/** The accountant: `RequestAccounting` plus what servers and tests need to drive it. */
export interface RuntimeAccountant extends RequestAccounting {
  /** The cached suspension without waiting: `undefined` when not in memory, `null` when not suspended. */
  readonly peekSuspension: (app: AppRef) => AppLimitState | null | undefined;
  /** Does now what the background flush does every interval. */
  readonly flush: Effect.Effect<void>;
  /** Responses noted and not flushed yet. */
  readonly pending: () => number;
}

export interface RuntimeAccountantOptions {
  /** Time between background flushes (default 100 ms). */
  readonly flushIntervalMs?: number;
  /** How long a suspension lookup is trusted before it is refreshed (default 5 s, D.9). */
  readonly suspensionTtlMs?: number;
  /** Analytics events held at most between flushes; more are dropped (default 100,000). */
  readonly maxPendingEvents?: number;
  /**
   * `runtime_request` events kept per app, outcome and source in one flush (default 20). Past that a
   * request only adds to the group's count, which the kept events carry as their `count` weights (the way
   * Analytics Engine samples), so totals stay exact while a busy app builds a bounded number of events.
   */
  readonly eventSamplesPerFlush?: number;
  /** Told when accounting suspends an app (operator metrics). */
  readonly onSuspended?: (state: AppLimitState) => void;
  /** Told when a flush could not write something (it is retried with the next flush). */
  readonly onFlushFailure?: (cause: unknown) => void;
}

interface CachedSuspension {
  state: AppLimitState | undefined;
  fetchedAt: number;
  refreshing: boolean;
}

const appKeyOf = (app: AppRef) => `${app.environment}\u0000${app.orgSlug}\u0000${app.repoSlug}`;
const SUSPENSION_CACHE_CAPACITY = 10_000;
const DAY_MS = 86_400_000;

/** The responses of one source and status that an app gave since its tally was last settled. */
interface ResponseGroup {
  readonly status: number;
  count: number;
  staticMisses: number;
  lastAt: number;
  /** The sampled events, and how many responses they stand for. */
  readonly kept: AnalyticsEvent[];
  sampled: number;
}

/**
 * One app's responses on one UTC day since the last flush, grouped by source and status. Noting a response
 * is a few lookups and additions; the flush turns tallies into increments, batches and events.
 */
interface AppTally {
  readonly app: AppRef;
  readonly key: string;
  day: number;
  count: number;
  readonly groups: Map<RuntimeSource, Map<number, ResponseGroup>>;
  /** Dropped after a flush with nothing noted; whoever held it looks the app up again. */
  retired: boolean;
}

/**
 * The accountant over the usage and analytics ports. Its flush runs every `flushIntervalMs` until the
 * scope closes, which flushes once more. Counting is exact: every noted response is one increment in the
 * store (merged per app and outcome), and a failed increment stays pending for the next flush.
 */
export const makeRuntimeAccountant = (
  config: PlatformConfig,
  options: RuntimeAccountantOptions = {},
): Effect.Effect<
  RuntimeAccountant,
  never,
  Scope.Scope | UsageStore | UsagePolicyStore | AnalyticsSink | NotificationServices
> =>
  Effect.gen(function* () {
    const context = yield* Effect.context<
      UsageStore | UsagePolicyStore | AnalyticsSink | NotificationServices
    >();
    const clock = yield* Clock.Clock;
    const flushIntervalMs = options.flushIntervalMs ?? 100;
    const ttlMs = options.suspensionTtlMs ?? 5_000;
    const maxEvents = options.maxPendingEvents ?? 100_000;
    const store = yield* UsageStore;
    const sink = yield* AnalyticsSink;
    const oneFlushAtATime = yield* Semaphore.make(1);

    let increments = new Map<string, UsageIncrement>();
    let batches = new Map<string, { app: AppRef; count: number; suspendOnBurst: boolean }>();
    let events: AnalyticsEvent[] = [];
    const samplesPerFlush = Math.max(1, options.eventSamplesPerFlush ?? 20);
    let requestSamples = new Map<string, { kept: AnalyticsEvent[]; total: number }>();
    let keptSamples = 0;
    let noted = 0;
    const suspensions = new Map<string, CachedSuspension>();
    // What went wrong during the current flush, for the managers' "usage collection failures" message.
    let flushFailures: string[] = [];
    const flushFailed = (cause: unknown) => {
      flushFailures.push(describeCause(cause));
      options.onFlushFailure?.(cause);
    };

    const addIncrement = (into: Map<string, UsageIncrement>, increment: UsageIncrement) => {
      const key = [
        increment.date,
        increment.environment,
        increment.orgSlug,
        increment.repoSlug,
        increment.metric,
        increment.outcome,
      ].join("\u0000");
      const held = into.get(key);
      into.set(
        key,
        held === undefined
          ? increment
          : {
              ...held,
              count: held.count + increment.count,
              units: held.units + increment.units,
              // biome-ignore lint/complexity/useMathMinMax: ISO timestamps compare as strings
              at: increment.at > held.at ? increment.at : held.at,
            },
      );
    };

    // Request paths hand in the same `served` and app objects again and again: their keys are kept by identity.
    const keys = new WeakMap<AppRef, string>();
    const keyOf = (app: AppRef) => {
      let key = keys.get(app);
      if (key === undefined) {
        key = appKeyOf(app);
        keys.set(app, key);
      }
      return key;
    };
    const remember = (app: AppRef, state: AppLimitState | undefined) => {
      const key = keyOf(app);
      suspensions.delete(key);
      suspensions.set(key, { state, fetchedAt: clock.currentTimeMillisUnsafe(), refreshing: false });
      if (suspensions.size > SUSPENSION_CACHE_CAPACITY) suspensions.delete(suspensions.keys().next().value!);
    };

    const stillActive = (state: AppLimitState | undefined, now: number) =>
      state?.resumeAfter !== undefined && Date.parse(state.resumeAfter) <= now ? undefined : state;

    const load = (app: AppRef) =>
      activeSuspension(app).pipe(
        Effect.tap((state) => Effect.sync(() => remember(app, state))),
        Effect.provideContext(context),
      );

    const tallies = new Map<string, AppTally>();
    const tallyByServed = new WeakMap<ServedApp, AppTally>();
    const tallyOf = (served: ServedApp): AppTally => {
      const known = tallyByServed.get(served);
      if (known !== undefined && !known.retired) return known;
      const key = keyOf(served);
      let tally = tallies.get(key);
      if (tally === undefined) {
        const app = { environment: served.environment, orgSlug: served.orgSlug, repoSlug: served.repoSlug };
        tally = { app, key, day: 0, count: 0, groups: new Map(), retired: false };
        tallies.set(key, tally);
      }
      tallyByServed.set(served, tally);
      return tally;
    };

    /** Moves a tally's responses into the flush's increments, batches and samples. */
    const settle = (tally: AppTally) => {
      const { app } = tally;
      const date = new Date(tally.day * DAY_MS).toISOString().slice(0, 10);
      const increment = (metric: string, outcome: "success" | "error", count: number, lastAt: number) =>
        addIncrement(increments, {
          date,
          environment: app.environment,
          orgSlug: app.orgSlug,
          repoSlug: app.repoSlug,
          repository: `${app.orgSlug}/${app.repoSlug}`,
          metric,
          count,
          units: count,
          outcome,
          at: new Date(lastAt).toISOString(),
          source: "w7s",
        });
      for (const [source, byStatus] of tally.groups) {
        const suspendOnBurst = suspendsOnBurst(source);
        const batchKey = `${tally.key}\u0000${suspendOnBurst}`;
        for (const group of byStatus.values()) {
          increment("runtime.request", outcomeOfStatus(group.status), group.count, group.lastAt);
          if (group.staticMisses > 0)
            increment("static.r2_class_b", "success", group.staticMisses, group.lastAt);
          const batch = batches.get(batchKey);
          if (batch === undefined) batches.set(batchKey, { app, count: group.count, suspendOnBurst });
          else batch.count += group.count;
          // A group whose every event was dropped (the cap) has nothing to carry its count: it is dropped too.
          if (group.kept.length === 0) continue;
          const sampleKey = `${batchKey}\u0000${group.status}\u0000${source}`;
          const samples = requestSamples.get(sampleKey);
          if (samples === undefined)
            requestSamples.set(sampleKey, { kept: group.kept, total: group.sampled });
          else {
            samples.kept.push(...group.kept);
            samples.total += group.sampled;
          }
        }
      }
      tally.groups.clear();
      tally.count = 0;
    };
    const settleTallies = Effect.sync(() => {
      for (const tally of tallies.values()) {
        if (tally.count > 0) settle(tally);
        else {
          tally.retired = true;
          tallies.delete(tally.key);
        }
      }
    });

    const account = (response: AccountedResponse) => {
      const now = clock.currentTimeMillisUnsafe();
      const day = Math.floor(now / DAY_MS);
      const tally = tallyOf(response.served);
      if (tally.day !== day) {
        if (tally.count > 0) settle(tally);
        tally.day = day;
      }
      let byStatus = tally.groups.get(response.source);
      if (byStatus === undefined) {
        byStatus = new Map();
        tally.groups.set(response.source, byStatus);
      }
      let group = byStatus.get(response.status);
      if (group === undefined) {
        group = {
          status: response.status,
          count: 0,
          staticMisses: 0,
          lastAt: now,
          kept: [],
          sampled: 0,
        };
        byStatus.set(response.status, group);
      }
      group.count += 1;
      group.lastAt = now;
      if (isStaticMiss(response)) group.staticMisses += 1;
      if (group.kept.length < samplesPerFlush && keptSamples + events.length < maxEvents) {
        group.kept.push(runtimeRequestEvent(response, new Date(now).toISOString()));
        keptSamples += 1;
      }
      if (group.kept.length > 0) group.sampled += 1;
      tally.count += 1;
      noted += 1;
    };

    const showcase = (request: ShowcaseRequest) => {
      if (keptSamples + events.length >= maxEvents) return;
      events.push({
        event: "runtime_showcase",
        timestamp: new Date(clock.currentTimeMillisUnsafe()).toISOString(),
        outcome: outcomeOfStatus(request.status),
        method: request.method,
        host: request.host,
        path: request.path,
        userAgent: request.userAgent,
        count: 1,
        status: request.status,
      });
    };

    const writeIncrements = Effect.suspend(() => {
      const taken = [...increments.values()];
      increments = new Map();
      const writes = taken.map((increment) => Effect.exit(store.increment(increment)));
      return Effect.all(writes, { concurrency: 4 }).pipe(
        Effect.flatMap((exits) =>
          Effect.sync(() => {
            for (const [index, exit] of exits.entries()) {
              if (Exit.isSuccess(exit)) continue;
              addIncrement(increments, taken[index]!);
              flushFailed(exit.cause);
            }
          }),
        ),
      );
    });

    const writeEvents = Effect.suspend(() => {
      const taken = events;
      events = [];
      for (const { kept, total } of requestSamples.values()) {
        // The group's count spread over its kept events, whole numbers adding up to the total.
        const each = Math.floor(total / kept.length);
        const extra = total % kept.length;
        for (const [index, event] of kept.entries())
          taken.push({ ...event, count: each + (index < extra ? 1 : 0) });
      }
      requestSamples = new Map();
      keptSamples = 0;
      // Analytics is best effort (G.3): a failed write is dropped, never retried into a backlog.
      return Effect.forEach(taken, (event) => Effect.ignore(sink.write(event)), { discard: true });
    });

    const checkBatches = Effect.suspend(() => {
      const taken = [...batches.values()];
      batches = new Map();
      noted = 0;
      return Effect.forEach(
        taken,
        (batch) =>
          checkRuntimeRequests(batch, config).pipe(
            Effect.flatMap((block) =>
              block === undefined || (block.check.enforcement === "rate" && !batch.suspendOnBurst)
                ? Effect.void
                : suspendForBlock(block).pipe(
                    Effect.tap((state) =>
                      Effect.sync(() => {
                        remember(batch.app, state);
                        options.onSuspended?.(state);
                      }),
                    ),
                    Effect.tap((state) => notifyAppSuspended(state, config)),
                  ),
            ),
            Effect.catchCause((cause) => Effect.sync(() => flushFailed(cause))),
          ),
        { concurrency: 4, discard: true },
      );
    });

    const reportFailures = Effect.suspend(() => {
      const failures = flushFailures;
      flushFailures = [];
      return failures.length === 0
        ? Effect.void
        : notifyUsageCollectionFailure({ failures: failures.length, firstFailure: failures[0]! }, config);
    });

    // Increments first: the checks read the rollups they add to.
    const flush = oneFlushAtATime.withPermit(
      Effect.uninterruptible(
        settleTallies.pipe(
          Effect.andThen(writeIncrements),
          Effect.andThen(checkBatches),
          Effect.andThen(writeEvents),
          Effect.andThen(reportFailures),
          Effect.provideContext(context),
        ),
      ),
    );

    yield* Effect.addFinalizer(() => flush);
    yield* Effect.forkScoped(Effect.forever(Effect.sleep(flushIntervalMs).pipe(Effect.andThen(flush))));

    /** The cached entry, refreshed behind the caller once older than the TTL; `undefined` when unknown. */
    const cached = (app: AppRef): { state: AppLimitState | undefined } | undefined => {
      const entry = suspensions.get(keyOf(app));
      if (entry === undefined) return undefined;
      const now = clock.currentTimeMillisUnsafe();
      if (now - entry.fetchedAt >= ttlMs && !entry.refreshing) {
        entry.refreshing = true;
        // A stale answer is served while a fresh one is read, so no request waits on the store.
        Effect.runForkWith(context)(
          load(app).pipe(Effect.ensuring(Effect.sync(() => (entry.refreshing = false))), Effect.ignore),
        );
      }
      return { state: stillActive(entry.state, now) };
    };

    return {
      account,
      showcase,
      suspension: (app) =>
        Effect.suspend(() => {
          const entry = cached(app);
          return entry === undefined ? load(app) : Effect.succeed(entry.state);
        }),
      peekSuspension: (app) => {
        const entry = cached(app);
        return entry === undefined ? undefined : (entry.state ?? null);
      },
      flush,
      pending: () => noted,
    } satisfies RuntimeAccountant;
  });
