/**
 * UsageStore on Postgres (`DATABASE_URL`), for several servers sharing one control plane (DECISIONS 7).
 * An increment is one `INSERT ... ON CONFLICT DO UPDATE` adding to its three rollup rows; a burst
 * reservation is one transaction that first locks every counter row it checks, so two servers cannot
 * both take the last unit of a window.
 */
import { type BurstReservation, type StoreError, UsageStore } from "@w7s/core";
import { and, asc, eq, inArray, lt, lte, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Clock, Effect, Layer } from "effect";
import postgres from "postgres";
import {
  PG_USAGE_SCHEMA_STATEMENTS,
  pgUsageBurstCounters,
  pgUsageMetrics,
  pgUsageSuspensions,
} from "./pgSchema.js";
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

export interface PostgresUsageStoreOptions {
  readonly databaseUrl: string;
  /** The Postgres schema holding our tables (created when missing); `public` by default. */
  readonly schema?: string;
}

type Sql = postgres.Sql | postgres.TransactionSql;
interface Built {
  toSQL(): { sql: string; params: unknown[] };
}

/** Thrown inside a reservation that does not fit, so the transaction rolls back and changes nothing. */
class BurstRefused extends Error {
  readonly used: ReadonlyArray<number>;
  constructor(used: ReadonlyArray<number>) {
    super("burst reservation refused");
    this.used = used;
  }
}

const makeStore = (client: postgres.Sql): UsageStore["Service"] => {
  const q = drizzle.mock();
  const run = <Row>(connection: Sql, query: Built): Promise<Row[]> => {
    const { sql: text, params } = query.toSQL();
    return connection.unsafe(text, params as postgres.ParameterOrJSON<never>[]) as unknown as Promise<Row[]>;
  };
  const attempt = <A>(operation: string, body: () => Promise<A>) =>
    Effect.tryPromise({ try: body, catch: usageFailure(operation) });
  const metrics = pgUsageMetrics;
  const counters = pgUsageBurstCounters;
  const suspensions = pgUsageSuspensions;
  let nextBurstCleanup = 0;

  const appIs = (app: { environment: string; orgSlug: string; repoSlug: string }) => {
    const columns = appColumns(app);
    return and(
      eq(suspensions.environment, columns.environment),
      eq(suspensions.org_slug, columns.org_slug),
      eq(suspensions.repo_slug, columns.repo_slug),
    );
  };

  // The pool commits asynchronously (see the Layer); a suspension or a lift is rare and must outlive a
  // database crash, so it waits for its commit to reach the disk.
  const durably = (statement: Built): Promise<void> =>
    client
      .begin(async (tx) => {
        await tx`set local synchronous_commit = on`;
        await run(tx, statement);
      })
      .then(() => undefined);

  const cleanExpiredCounters = (now: number) =>
    now < nextBurstCleanup
      ? Effect.void
      : Effect.suspend(() => {
          nextBurstCleanup = now + BURST_CLEANUP_INTERVAL_MS;
          // Readers ignore expired rows anyway; a failed cleanup is retried a minute later.
          return attempt("UsageStore.reserveBurst", () =>
            run(client, q.delete(counters).where(lte(counters.expires_at, now))),
          ).pipe(Effect.ignore);
        });

  return {
    increment: (event) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        attempt("UsageStore.increment", () =>
          run(
            client,
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
                  last_at: sql`greatest(${metrics.last_at}, excluded.last_at)`,
                  source: sql`coalesce(excluded.source, ${metrics.source})`,
                  updated_at: sql`greatest(${metrics.updated_at}, excluded.updated_at)`,
                },
              }),
          ),
        ),
      ).pipe(Effect.asVoid),

    rollup: (key) => {
      const columns = rollupColumns(key);
      return attempt("UsageStore.rollup", () =>
        run<RollupMetricRow>(
          client,
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
        // Rows are locked in key order, whatever order the caller lists them in, so reservations that
        // share counters wait for each other instead of deadlocking.
        const inKeyOrder = [...wanted].sort((left, right) => (left.key < right.key ? -1 : 1));
        const keys = inKeyOrder.map((counter) => counter.key);
        const reservation = yield* attempt(
          "UsageStore.reserveBurst",
          (): Promise<BurstReservation> =>
            client
              .begin(async (tx) => {
                // Creates missing counters at 0 and resets expired ones, returning each locked row's value.
                const locked = await run<{ key: string; used: number }>(
                  tx,
                  q
                    .insert(counters)
                    .values(
                      inKeyOrder.map((counter) => ({
                        key: counter.key,
                        used: 0,
                        expires_at: now + counter.ttlSeconds * 1000,
                      })),
                    )
                    .onConflictDoUpdate({
                      target: counters.key,
                      set: {
                        used: sql`case when ${counters.expires_at} <= ${now} then 0 else ${counters.used} end`,
                        expires_at: sql`greatest(${counters.expires_at}, excluded.expires_at)`,
                      },
                    })
                    .returning({ key: counters.key, used: counters.used }),
                );
                const usedByKey = new Map(locked.map((row) => [row.key, row.used]));
                const used = wanted.map((counter) => usedByKey.get(counter.key) ?? 0);
                if (!burstFits(wanted, used, requested)) throw new BurstRefused(used);
                await run(
                  tx,
                  q
                    .update(counters)
                    .set({ used: sql`${counters.used} + ${requested}` })
                    .where(inArray(counters.key, keys)),
                );
                return { applied: true, used };
              })
              .catch((error: unknown) => {
                if (error instanceof BurstRefused) return { applied: false, used: error.used };
                throw error;
              }),
        );
        yield* cleanExpiredCounters(now);
        return reservation;
      }),

    suspension: (app) =>
      attempt("UsageStore.suspension", () =>
        run<{ suspended_by: string; state: string }>(
          client,
          q
            .select({ suspended_by: suspensions.suspended_by, state: suspensions.state })
            .from(suspensions)
            .where(appIs(app)),
        ),
      ).pipe(Effect.flatMap(effectiveSuspension)),

    suspend: (state) => {
      const row = suspensionRow(state);
      return attempt("UsageStore.suspend", () =>
        durably(
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
        durably(q.delete(suspensions).where(and(appIs(app), eq(suspensions.suspended_by, suspendedBy)))),
      ),

    deleteExpiredSuspensions: (now) =>
      attempt("UsageStore.deleteExpiredSuspensions", () =>
        run<{ state: string }>(
          client,
          q
            .delete(suspensions)
            .where(
              and(
                eq(suspensions.suspended_by, "limit"),
                sql`(${suspensions.state}::jsonb ->> 'resumeAfter') <= ${now}`,
              ),
            )
            .returning({ state: suspensions.state }),
        ),
      ).pipe(Effect.map((gone) => gone.length)),

    deleteRollupsBefore: (date) =>
      attempt("UsageStore.deleteRollupsBefore", () =>
        run<RollupColumns>(
          client,
          q.delete(metrics).where(lt(metrics.date, date)).returning({
            date: metrics.date,
            scope: metrics.scope,
            environment: metrics.environment,
            org_slug: metrics.org_slug,
            repo_slug: metrics.repo_slug,
          }),
        ),
      ).pipe(Effect.map((gone) => rollupCount(gone))),
  };
};

/** Opens a pool, creates the schema and tables when missing, and closes the pool with the Layer's scope. */
export const postgresUsageStoreLayer = (
  options: PostgresUsageStoreOptions,
): Layer.Layer<UsageStore, StoreError> =>
  Layer.effect(
    UsageStore,
    Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const schema = options.schema ?? "public";
          if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
          const client = postgres(options.databaseUrl, {
            // Every increment of an app updates the same owner and global rows, so writers queue on those
            // row locks; more connections would only wait longer.
            max: 5,
            onnotice: () => {},
            // A commit returns before its WAL reaches the disk, so a row lock is held for microseconds
            // instead of a disk flush: about 3x the increments per second on one hot row. A Postgres crash
            // (not a W7S one) can lose the last fraction of a second of counts, as SQLite's
            // `synchronous = normal` can on power loss; counts never tear or double.
            connection: { search_path: schema, application_name: "w7s", synchronous_commit: "off" },
          });
          try {
            // Servers starting together must not race on the DDL (the DeploymentStore takes the same lock).
            await client.begin(async (tx) => {
              await tx`select pg_advisory_xact_lock(hashtext('w7s-schema'))`;
              await tx.unsafe(`create schema if not exists "${schema}"`);
              for (const statement of PG_USAGE_SCHEMA_STATEMENTS) await tx.unsafe(statement);
            });
          } catch (error) {
            await client.end({ timeout: 1 });
            throw error;
          }
          return client;
        },
        catch: usageFailure("UsageStore.open"),
      }),
      (client) => Effect.promise(() => client.end({ timeout: 5 })),
    ).pipe(Effect.map(makeStore)),
  );
