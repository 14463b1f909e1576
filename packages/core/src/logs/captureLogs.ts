/**
 * Storing captured logs (G.2 [NEWEST]): the records of each batch of tail events are checked against the
 * app's `log.write` daily and burst limits first; a batch that would go over is dropped whole (and a
 * warning says how many records went), otherwise it is stored with its retention and counted. Batches that
 * arrive together are decided together, exactly as one-by-one checks in arrival order would decide them,
 * with one read of the app's limits and one write of its records instead of one per batch.
 */
import {
  burstCounters,
  checkUsageLimit,
  dailyLimitMessage,
  decideBurst,
  isExempt,
  type LimitScope,
  rateLimitMessage,
} from "@w7s/usage-policy";
import { Effect } from "effect";
import type { PlatformConfig } from "../platformConfig.js";
import { Ids } from "../ports/Ids.js";
import { LogStore } from "../ports/LogStore.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type { LogRecord } from "../ports/records/LogRecord.js";
import type { UsagePolicyStore } from "../ports/UsagePolicyStore.js";
import { UsageStore } from "../ports/UsageStore.js";
import { recordUsage, usagePolicies, usedToday } from "../usage/usageLimits.js";
import { type ObjectUsage, type TailTrace, tailRecords } from "./tailRecords.js";

/** `W7S_LOG_RETENTION_SECONDS`: seven days by default, clamped to 60 s … 30 days. */
export const LOG_RETENTION = {
  defaultSeconds: 604_800,
  minSeconds: 60,
  maxSeconds: 2_592_000,
} as const;

/** A retention setting brought into the allowed range; anything unreadable is the default. */
export const clampLogRetention = (seconds: number | undefined): number =>
  seconds === undefined || !Number.isFinite(seconds)
    ? LOG_RETENTION.defaultSeconds
    : Math.min(LOG_RETENTION.maxSeconds, Math.max(LOG_RETENTION.minSeconds, Math.floor(seconds)));

/** The tail events one backend invocation (or a few) delivered, with who the platform knows sent them. */
export interface CapturedBatch {
  readonly app: AppRef;
  readonly scriptName: string;
  /** The deployment's secret values, replaced in everything kept. */
  readonly secrets: ReadonlyArray<string>;
  readonly traces: ReadonlyArray<TailTrace>;
}

/** What happened to a batch. */
export interface CaptureOutcome {
  readonly stored: number;
  /** Records dropped because `log.write` was over its limit. */
  readonly dropped: number;
  readonly records: ReadonlyArray<LogRecord>;
}

type Services = LogStore | UsageStore | UsagePolicyStore | Ids;

/** The warning a dropped batch logs: how many records of which app, and the limit's message. */
export const warnDropped = (app: AppRef, dropped: number, reason: string): Effect.Effect<void> =>
  Effect.logWarning(
    `Dropped ${dropped} log record(s) of ${app.orgSlug}/${app.repoSlug} (${app.environment}): ${reason}`,
  );

export interface CaptureOptions {
  readonly retentionSeconds?: number;
  /** Replaces `warnDropped` (servers that throttle the warnings of a runaway app). */
  readonly warnDropped?: (app: AppRef, dropped: number, reason: string) => Effect.Effect<void>;
}

const appKey = (app: AppRef) => `${app.environment}\u0000${app.orgSlug}\u0000${app.repoSlug}`;

/**
 * Which of one app's batches (with their record counts, in arrival order) `log.write` lets through; the
 * others are dropped whole. The daily limits are read once and advanced in memory by each batch let through;
 * the burst windows take every such batch at once when they fit, else batch by batch, as far as they fit.
 */
const admitted = (app: AppRef, sizes: ReadonlyArray<number>, config: PlatformConfig) =>
  Effect.gen(function* () {
    const metric = "log.write";
    const exemptOrgs = new Set(config.limitExemptOwners);
    const verdicts: Array<string | undefined> = sizes.map(() => undefined);
    if (isExempt(exemptOrgs, app.orgSlug)) return verdicts;
    const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
    const date = new Date(now).toISOString().slice(0, 10);
    const target = { environment: app.environment, orgSlug: app.orgSlug, repoSlug: app.repoSlug };
    const policies = yield* usagePolicies(app);
    const used: Record<LimitScope, number> = { ...(yield* usedToday(app, metric, date)) };
    const passedDaily: number[] = [];
    for (const [index, units] of sizes.entries()) {
      const daily = checkUsageLimit({ ...target, metric, date, units, policies, used, exemptOrgs });
      if (daily?.wouldBlock === true) {
        verdicts[index] = dailyLimitMessage(daily);
        continue;
      }
      for (const scope of ["repo", "owner", "global"] as const) used[scope] += units;
      passedDaily.push(index);
    }
    const counters = burstCounters({ ...target, metric, now, exemptOrgs });
    if (counters === null || passedDaily.length === 0) return verdicts;
    const store = yield* UsageStore;
    const wanted = counters.map(({ key, limit, ttlSeconds }) => ({ key, limit, ttlSeconds }));
    const reserve = (units: number) =>
      store
        .reserveBurst(wanted, units)
        .pipe(Effect.orElseSucceed(() => ({ applied: true, used: [] as ReadonlyArray<number> })));
    const total = passedDaily.reduce((sum, index) => sum + sizes[index]!, 0);
    const whole = yield* reserve(total);
    if (whole.applied) return verdicts;
    // Over the window: one batch at a time, skipping the store for batches that cannot fit any more.
    let counted = whole.used;
    for (const index of passedDaily) {
      const units = sizes[index]!;
      const room = Math.min(...counters.map((counter, at) => counter.limit - (counted[at] ?? 0)));
      if (units <= room) {
        const one = yield* reserve(units);
        if (one.applied) {
          counted = one.used.map((value) => value + units);
          continue;
        }
        counted = one.used;
      }
      const blocked = decideBurst({
        ...target,
        metric,
        now,
        exemptOrgs,
        units,
        counters: Object.fromEntries(counters.map((counter, at) => [counter.scope, counted[at] ?? 0])),
      });
      verdicts[index] =
        blocked !== null && "blocked" in blocked
          ? rateLimitMessage(blocked.blocked)
          : "log.write limit reached";
    }
    return verdicts;
  });

/** The F.1 metric each `ObjectUsage` count is recorded as (requests and errors are `durable_object.request`). */
const OBJECT_METRICS = [
  ["durationMs", "durable_object.duration_ms"],
  ["rowsRead", "durable_object.rows_read"],
  ["rowsWritten", "durable_object.rows_written"],
  ["readUnits", "durable_object.storage_read_units"],
  ["writeUnits", "durable_object.storage_write_units"],
  ["deletes", "durable_object.storage_deletes"],
] as const satisfies ReadonlyArray<readonly [keyof ObjectUsage, string]>;

/** A count from app-side code: a non-negative integer, anything else 0. */
const countOf = (value: unknown): number =>
  typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.min(Math.floor(value), 1e12) : 0;

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

type ObjectTotals = { -readonly [K in keyof ObjectUsage]: number };

/**
 * Stateful-object usage (F.1), recorded once per app and group: a trace with `objectUsage` carries what the
 * runtime counted for several invocations (requests, wall time, storage units, rows); a stateful-object
 * trace without it stands for one invocation (`durable_object.request` only), as a tail worker sees them.
 */
const countObjectUsage = (batches: ReadonlyArray<CapturedBatch>) =>
  Effect.gen(function* () {
    const counts = new Map<string, { app: AppRef; totals: ObjectTotals }>();
    for (const batch of batches) {
      for (const trace of batch.traces) {
        if (trace.executionModel !== "durableObject") continue;
        const key = appKey(batch.app);
        const entry = counts.get(key) ?? {
          app: batch.app,
          totals: {
            requests: 0,
            errors: 0,
            durationMs: 0,
            rowsRead: 0,
            rowsWritten: 0,
            readUnits: 0,
            writeUnits: 0,
            deletes: 0,
          },
        };
        counts.set(key, entry);
        const usage = trace.objectUsage;
        if (!isRecord(usage)) {
          if (trace.outcome === "ok") entry.totals.requests += 1;
          else entry.totals.errors += 1;
          continue;
        }
        for (const field of Object.keys(entry.totals) as Array<keyof ObjectTotals>)
          entry.totals[field] += countOf(usage[field]);
      }
    }
    for (const { app, totals } of counts.values()) {
      if (totals.requests > 0)
        yield* recordUsage({
          metric: "durable_object.request",
          app,
          count: totals.requests,
          outcome: "success",
        });
      if (totals.errors > 0)
        yield* recordUsage({ metric: "durable_object.request", app, count: totals.errors, outcome: "error" });
      const invocations = Math.max(1, totals.requests + totals.errors);
      for (const [field, metric] of OBJECT_METRICS) {
        const units = totals[field];
        if (units === 0) continue;
        // Wall time is counted per invocation; rows and storage units are their own count.
        const count = field === "durationMs" ? invocations : units;
        yield* recordUsage({ metric, app, count, units, outcome: "success" });
      }
    }
  });

/**
 * Builds, checks, stores and counts the records of several batches; outcomes in the batches' order. A store
 * failure drops the batches it concerned (logged); it never fails the caller.
 */
export const captureLogBatches = (
  batches: ReadonlyArray<CapturedBatch>,
  config: PlatformConfig,
  options: CaptureOptions = {},
): Effect.Effect<ReadonlyArray<CaptureOutcome>, never, Services> =>
  Effect.gen(function* () {
    const ids = yield* Ids;
    const store = yield* LogStore;
    const observedAtMs = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
    const built: LogRecord[][] = [];
    for (const batch of batches) {
      const context = {
        ...batch.app,
        scriptName: batch.scriptName,
        secrets: batch.secrets,
        observedAtMs,
        newId: () => "",
      };
      const records: LogRecord[] = [];
      for (const record of batch.traces.flatMap((trace) => tailRecords(trace, context))) {
        records.push({ ...record, id: (yield* ids.randomUuid()).replaceAll("-", "") });
      }
      built.push(records);
    }
    yield* countObjectUsage(batches);
    const outcomes: CaptureOutcome[] = built.map(() => ({ stored: 0, dropped: 0, records: [] }));
    const byApp = new Map<string, { app: AppRef; indexes: number[] }>();
    for (const [index, batch] of batches.entries()) {
      if (built[index]!.length === 0) continue;
      const key = appKey(batch.app);
      const group = byApp.get(key) ?? { app: batch.app, indexes: [] };
      group.indexes.push(index);
      byApp.set(key, group);
    }
    for (const { app, indexes } of byApp.values()) {
      const verdicts = yield* admitted(
        app,
        indexes.map((index) => built[index]!.length),
        config,
      );
      const accepted: number[] = [];
      let dropped = 0;
      let reason = "";
      for (const [position, index] of indexes.entries()) {
        const verdict = verdicts[position];
        if (verdict === undefined) accepted.push(index);
        else {
          dropped += built[index]!.length;
          reason = verdict;
          outcomes[index] = { stored: 0, dropped: built[index]!.length, records: [] };
        }
      }
      if (dropped > 0) yield* (options.warnDropped ?? warnDropped)(app, dropped, reason);
      const records = accepted.flatMap((index) => built[index]!);
      if (records.length === 0) continue;
      const stored = yield* store.append(records, clampLogRetention(options.retentionSeconds)).pipe(
        Effect.as(true),
        Effect.catch((error) =>
          Effect.logWarning(`Could not store ${records.length} log record(s): ${error.message}`).pipe(
            Effect.as(false),
          ),
        ),
      );
      if (!stored) continue;
      yield* recordUsage({
        metric: "log.write",
        app,
        count: records.length,
        units: records.length,
        outcome: "success",
      });
      for (const index of accepted)
        outcomes[index] = { stored: built[index]!.length, dropped: 0, records: built[index]! };
    }
    return outcomes;
  });

/** One batch on its own (see `captureLogBatches`). */
export const captureLogs = (
  batch: CapturedBatch,
  config: PlatformConfig,
  options: CaptureOptions = {},
): Effect.Effect<CaptureOutcome, never, Services> =>
  Effect.map(captureLogBatches([batch], config, options), (outcomes) => outcomes[0]!);
