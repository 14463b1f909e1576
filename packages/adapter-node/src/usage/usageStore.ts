/**
 * UsageStore on the embedded SQLite database (DECISIONS 7): an increment is one upsert statement that adds
 * to its three rollup rows, and a burst reservation is one `BEGIN IMMEDIATE` transaction, so concurrent
 * writers, in this process or in others on the same data directory, never lose or double an increment.
 */
import { type StoreError, UsageStore } from "@w7s/core";
import { and, asc, eq, gt, inArray, lt, lte, sql } from "drizzle-orm";
import { Clock, Effect, Layer } from "effect";
import { acquireEmbeddedDatabase, type EmbeddedDatabase } from "../store/sqlite.js";
import { postgresUsageStoreLayer } from "./postgresUsageStore.js";
import { USAGE_SCHEMA_STATEMENTS, usageBurstCounters, usageMetrics, usageSuspensions } from "./schema.js";
import {
  appColumns,
  BURST_CLEANUP_INTERVAL_MS,
  burstFits,
  checkRequested,
  effectiveSuspension,
  incrementRows,
  type RollupColumns,
  type RollupMetricRow,
  rollupColumns,
  rollupCount,
  rollupFromRows,
  suspensionRow,
  usageFailure,
} from "./usageRecords.js";

/** Where usage is kept: `<dataDir>/w7s.db`, or Postgres when `databaseUrl` is set. */
export interface UsageStoreOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  /** Postgres schema for our tables (default `public`). */
  readonly databaseSchema?: string | undefined;
}

const attempt = <A>(operation: string, body: () => A): Effect.Effect<A, StoreError> =>
  Effect.try({ try: body, catch: usageFailure(operation) });

export const makeStore = (db: EmbeddedDatabase): UsageStore["Service"] => {
  const q = db.builder;
  const metrics = usageMetrics;
  const counters = usageBurstCounters;
  const suspensions = usageSuspensions;
  let nextBurstCleanup = 0;

  const appIs = (app: { environment: string; orgSlug: string; repoSlug: string }) => {
    const columns = appColumns(app);
    return and(
      eq(suspensions.environment, columns.environment),
      eq(suspensions.org_slug, columns.org_slug),
      eq(suspensions.repo_slug, columns.repo_slug),
    );
  };

  return {
    increment: (event) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        attempt("UsageStore.increment", () =>
          db.run(
            q
              .insert(metrics)
              .values(incrementRows(event, new Date(now).toISOString()))
              .onConflictDoUpdate({
                target: [
                  metrics.date,
                  metrics.scope,
                  metrics.environment,
                  metrics.org_slug,
                  metrics.repo_slug,
                  metrics.metric,
                ],
                set: {
                  repository: sql`excluded.repository`,
                  count: sql`${metrics.count} + excluded.count`,
                  units: sql`${metrics.units} + excluded.units`,
                  success: sql`${metrics.success} + excluded.success`,
                  error: sql`${metrics.error} + excluded.error`,
                  last_at: sql`max(${metrics.last_at}, excluded.last_at)`,
                  source: sql`coalesce(excluded.source, ${metrics.source})`,
                  updated_at: sql`max(${metrics.updated_at}, excluded.updated_at)`,
                },
              }),
          ),
        ),
      ),

    rollup: (key) => {
      const columns = rollupColumns(key);
      return attempt("UsageStore.rollup", () =>
        db.all<RollupMetricRow>(
          q
            .select({
              metric: metrics.metric,
              repository: metrics.repository,
              count: metrics.count,
              units: metrics.units,
              success: metrics.success,
              error: metrics.error,
              last_at: metrics.last_at,
              source: metrics.source,
              updated_at: metrics.updated_at,
            })
            .from(metrics)
            .where(
              and(
                eq(metrics.date, columns.date),
                eq(metrics.scope, columns.scope),
                eq(metrics.environment, columns.environment),
                eq(metrics.org_slug, columns.org_slug),
                eq(metrics.repo_slug, columns.repo_slug),
              ),
            )
            .orderBy(asc(metrics.metric)),
        ),
      ).pipe(Effect.flatMap((rows) => rollupFromRows(key, rows)));
    },

    reserveBurst: (wanted, requested) =>
      Effect.gen(function* () {
        yield* checkRequested(requested);
        if (wanted.length === 0) return { applied: true, used: [] };
        const now = yield* Clock.currentTimeMillis;
        return yield* attempt("UsageStore.reserveBurst", () =>
          db.transaction(() => {
            const live = db.all<{ key: string; used: number }>(
              q
                .select({ key: counters.key, used: counters.used })
                .from(counters)
                .where(
                  and(
                    inArray(
                      counters.key,
                      wanted.map((counter) => counter.key),
                    ),
                    gt(counters.expires_at, now),
                  ),
                ),
            );
            const usedByKey = new Map(live.map((row) => [row.key, row.used]));
            const used = wanted.map((counter) => usedByKey.get(counter.key) ?? 0);
            if (!burstFits(wanted, used, requested)) return { applied: false, used };
            for (const [index, counter] of wanted.entries()) {
              db.run(
                q
                  .insert(counters)
                  .values({
                    key: counter.key,
                    used: used[index]! + requested,
                    expires_at: now + counter.ttlSeconds * 1000,
                  })
                  .onConflictDoUpdate({
                    target: counters.key,
                    set: {
                      used: sql`excluded.used`,
                      expires_at: sql`max(${counters.expires_at}, excluded.expires_at)`,
                    },
                  }),
              );
            }
            if (now >= nextBurstCleanup) {
              nextBurstCleanup = now + BURST_CLEANUP_INTERVAL_MS;
              db.run(q.delete(counters).where(lte(counters.expires_at, now)));
            }
            return { applied: true, used };
          }),
        );
      }),

    suspension: (app) =>
      attempt("UsageStore.suspension", () =>
        db.all<{ suspended_by: string; state: string }>(
          q
            .select({ suspended_by: suspensions.suspended_by, state: suspensions.state })
            .from(suspensions)
            .where(appIs(app)),
        ),
      ).pipe(Effect.flatMap(effectiveSuspension)),

    suspend: (state) => {
      const row = suspensionRow(state);
      return attempt("UsageStore.suspend", () =>
        db.run(
          q
            .insert(suspensions)
            .values(row)
            .onConflictDoUpdate({
              target: [
                suspensions.environment,
                suspensions.org_slug,
                suspensions.repo_slug,
                suspensions.suspended_by,
              ],
              set: { state: row.state },
            }),
        ),
      );
    },

    lift: (app, suspendedBy) =>
      attempt("UsageStore.lift", () =>
        db.run(q.delete(suspensions).where(and(appIs(app), eq(suspensions.suspended_by, suspendedBy)))),
      ),

    deleteExpiredSuspensions: (now) =>
      attempt(
        "UsageStore.deleteExpiredSuspensions",
        () =>
          db.all<{ state: string }>(
            q
              .delete(suspensions)
              .where(
                and(
                  eq(suspensions.suspended_by, "limit"),
                  sql`json_extract(${suspensions.state}, '$.resumeAfter') <= ${now}`,
                ),
              )
              .returning({ state: suspensions.state }),
          ).length,
      ),

    deleteRollupsBefore: (date) =>
      attempt("UsageStore.deleteRollupsBefore", () => {
        const gone = db.all<RollupColumns>(
          q.delete(metrics).where(lt(metrics.date, date)).returning({
            date: metrics.date,
            scope: metrics.scope,
            environment: metrics.environment,
            org_slug: metrics.org_slug,
            repo_slug: metrics.repo_slug,
          }),
        );
        return rollupCount(gone);
      }),
  };
};

/** UsageStore in Postgres when `databaseUrl` is set, else in `<dataDir>/w7s.db`. */
export const usageStoreLayer = (options: UsageStoreOptions): Layer.Layer<UsageStore, StoreError> =>
  options.databaseUrl !== undefined && options.databaseUrl !== ""
    ? postgresUsageStoreLayer({
        databaseUrl: options.databaseUrl,
        ...(options.databaseSchema === undefined ? {} : { schema: options.databaseSchema }),
      })
    : embeddedUsageStoreLayer(options);

/** UsageStore in `<dataDir>/w7s.db` (its tables created when missing); the connection closes with the scope. */
export const embeddedUsageStoreLayer = (options: {
  readonly dataDir: string;
}): Layer.Layer<UsageStore, StoreError> =>
  Layer.effect(
    UsageStore,
    Effect.acquireRelease(
      attempt("UsageStore.open", () => {
        const handle = acquireEmbeddedDatabase(options.dataDir);
        try {
          handle.database.transaction(() => {
            for (const statement of USAGE_SCHEMA_STATEMENTS) handle.database.exec(statement);
          });
        } catch (error) {
          handle.release();
          throw error;
        }
        return handle;
      }),
      (handle) => Effect.sync(handle.release),
    ).pipe(Effect.map((handle) => makeStore(handle.database))),
  );
