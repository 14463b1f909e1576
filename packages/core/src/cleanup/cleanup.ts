/**
 * The hourly cleanup (F.11), run by whichever server takes the hour's lock: static sites and backends no
 * live deployment points to once they are older than their retention (so the deployment just replaced can
 * still finish its requests and be switched back to), usage rollups past retention, logs and analytics
 * events past theirs, and limit suspensions that have ended. Each part runs on its own; one that fails is
 * reported and does not stop the others.
 */
import { Effect } from "effect";
import { AnalyticsSink } from "../ports/AnalyticsSink.js";
import { AssetStore } from "../ports/AssetStore.js";
import { BackendRuntime } from "../ports/BackendRuntime.js";
import { DeploymentStore } from "../ports/DeploymentStore.js";
import { LogStore } from "../ports/LogStore.js";
import { SchedulerLock } from "../ports/SchedulerLock.js";
import { UsageStore } from "../ports/UsageStore.js";

/** Retention settings; the defaults are the reference's (`W7S_*_RETENTION_DAYS`). */
export interface CleanupOptions {
  /** Unreferenced static sites older than this go (default 7). */
  readonly staticRetentionDays?: number;
  /** Unreferenced backends older than this go (default 7). */
  readonly backendRetentionDays?: number;
  /** Usage rollups dated more than this many days back go (default 14). */
  readonly usageRetentionDays?: number;
  /** Analytics events older than this go (default 7, the analytics API's widest window). */
  readonly analyticsRetentionDays?: number;
}

/** What one run removed; `cleaned: false` when another server holds this hour's lock. */
export type CleanupReport =
  | {
      readonly cleaned: true;
      readonly staticManifests: number;
      readonly staticObjects: number;
      readonly workerScripts: number;
      readonly appLimits: number;
      readonly usageRollups: number;
      readonly logs: number;
      readonly analyticsEvents: number;
      /** Parts that failed, as `<part>: <message>`. */
      readonly failures: ReadonlyArray<string>;
    }
  | { readonly cleaned: false; readonly reason: string };

const DAY_MS = 86_400_000;
const OBJECT_CHUNK = 1000;
const PAGE = 500;

/** `cleanup_lock:v1:<YYYY-MM-DDTHH>` of the hour `now` falls in. */
export const cleanupLockKey = (nowMs: number): string =>
  `cleanup_lock:v1:${new Date(nowMs).toISOString().slice(0, 13)}`;

/** Everything a retained deployment (live, or kept for a rollback) points to. */
const liveReferences = Effect.gen(function* () {
  const store = yield* DeploymentStore;
  const manifests = new Set<string>();
  const deployments = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = yield* store.listRetained({ limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });
    for (const { deploymentId, record } of page.items) {
      deployments.add(deploymentId);
      if (record.targets.static !== undefined) manifests.add(record.targets.static.manifestKey);
    }
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  return { manifests, deployments };
});

const staticSites = (referenced: ReadonlySet<string>, cutoffMs: number) =>
  Effect.gen(function* () {
    const assets = yield* AssetStore;
    let manifests = 0;
    let objects = 0;
    const stale: string[] = [];
    let cursor: string | undefined;
    do {
      const page = yield* assets.listManifests({ limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });
      stale.push(...page.items.filter((key) => !referenced.has(key)));
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);
    for (const key of stale) {
      const manifest = yield* assets.getManifest(key);
      if (manifest._tag === "None") continue;
      const deployedAt = Date.parse(manifest.value.deployedAt);
      if (!(deployedAt < cutoffMs)) continue;
      const keys = Object.values(manifest.value.files).map((file) => file.r2Key);
      for (let start = 0; start < keys.length; start += OBJECT_CHUNK) {
        yield* assets.deleteObjects(keys.slice(start, start + OBJECT_CHUNK));
      }
      // The manifest goes last: a run cut short finds it again next hour.
      yield* assets.deleteManifest(key);
      manifests += 1;
      objects += keys.length;
    }
    return { manifests, objects };
  });

const backends = (referenced: ReadonlySet<string>, cutoffMs: number) =>
  Effect.gen(function* () {
    const runtime = yield* BackendRuntime;
    let retired = 0;
    for (const backend of yield* runtime.listPublished()) {
      if (referenced.has(backend.deploymentId) || !(Date.parse(backend.publishedAt) < cutoffMs)) continue;
      yield* runtime.retire(backend.deploymentId);
      retired += 1;
    }
    return retired;
  });

/** One hourly run; `nowMs` is read from the clock. */
export const runCleanup = (options: CleanupOptions = {}) =>
  Effect.gen(function* () {
    const nowMs = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
    const lock = yield* SchedulerLock;
    const acquired = yield* lock
      .tryAcquire(cleanupLockKey(nowMs), 7200)
      .pipe(Effect.orElseSucceed(() => false));
    if (!acquired) return { cleaned: false, reason: "already cleaned this hour" } satisfies CleanupReport;

    const failures: string[] = [];
    const part = <A, R>(
      name: string,
      fallback: A,
      effect: Effect.Effect<A, { readonly message: string }, R>,
    ) =>
      effect.pipe(
        Effect.catch((error) =>
          Effect.sync(() => failures.push(`${name}: ${error.message}`)).pipe(Effect.as(fallback)),
        ),
      );
    const days = (value: number | undefined, fallback: number) => (value ?? fallback) * DAY_MS;

    const references = yield* part("deployments", undefined, liveReferences);
    // Without the list of live deployments nothing unreferenced can be told apart: skip those parts.
    const sites =
      references === undefined
        ? { manifests: 0, objects: 0 }
        : yield* part(
            "static",
            { manifests: 0, objects: 0 },
            staticSites(references.manifests, nowMs - days(options.staticRetentionDays, 7)),
          );
    const workerScripts =
      references === undefined
        ? 0
        : yield* part(
            "backends",
            0,
            backends(references.deployments, nowMs - days(options.backendRetentionDays, 7)),
          );
    const usage = yield* UsageStore;
    const appLimits = yield* part(
      "suspensions",
      0,
      usage.deleteExpiredSuspensions(new Date(nowMs).toISOString()),
    );
    const usageRollups = yield* part(
      "usage",
      0,
      usage.deleteRollupsBefore(
        new Date(nowMs - days(options.usageRetentionDays, 14)).toISOString().slice(0, 10),
      ),
    );
    const logStore = yield* LogStore;
    const sink = yield* AnalyticsSink;
    const logs = yield* part("logs", 0, logStore.purgeExpired());
    const analyticsEvents = yield* part(
      "analytics",
      0,
      sink.purgeBefore(new Date(nowMs - days(options.analyticsRetentionDays, 7)).toISOString()),
    );
    return {
      cleaned: true,
      staticManifests: sites.manifests,
      staticObjects: sites.objects,
      workerScripts,
      appLimits,
      usageRollups,
      logs,
      analyticsEvents,
      failures,
    } satisfies CleanupReport;
  });
