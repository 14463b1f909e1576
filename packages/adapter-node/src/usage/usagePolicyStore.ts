/**
 * UsagePolicyStore on the control-plane database (SQLite or Postgres): the operator's override records by
 * key, as JSON text. Records are read on every limit check, so each is cached for a few seconds (D.9 allows
 * 5 s); writes through this store drop the cached copy at once.
 */
import { StoreError, UsagePolicyStore } from "@w7s/core";
import { type AnyColumn, asc, eq, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Effect, Layer, Option } from "effect";
import type postgres from "postgres";
import { pgUsagePolicies } from "../store/pgSchema.js";
import { openPostgresPool } from "../store/postgresPool.js";
import { usagePolicies } from "../store/schema.js";
import { acquireEmbeddedDatabase, type EmbeddedDatabase } from "../store/sqlite.js";

export interface UsagePolicyStoreOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
}

/** The primitive reads and writes of one dialect. */
interface PolicyRows {
  readonly get: (key: string) => Promise<string | undefined>;
  readonly put: (key: string, record: string) => Promise<void>;
  readonly delete: (key: string) => Promise<boolean>;
  readonly list: (prefix: string) => Promise<Array<{ key: string; record: string }>>;
}

const CACHE_MS = 5_000;

const failure = (operation: string) => (cause: unknown) =>
  new StoreError({
    reason: "Unavailable",
    operation,
    description: cause instanceof Error ? cause.message : String(cause),
    cause,
  });

/** `column` starts with `prefix`, compared exactly (LIKE would fold case on SQLite and treat `_` as a wildcard). */
const startsWith = (column: AnyColumn, prefix: string): SQL =>
  sql`substr(${column}, 1, ${prefix.length}) = ${prefix}`;

export const makePolicyStore = (rows: PolicyRows): UsagePolicyStore["Service"] => {
  const cache = new Map<string, { readonly record: unknown; readonly expires: number }>();
  const parse = (text: string | undefined): unknown => {
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      // An unreadable record applies nothing (F.3 judges records on read); it still counts as found.
      return null;
    }
  };
  return {
    get: (key) =>
      Effect.tryPromise({
        try: async () => {
          const cached = cache.get(key);
          if (cached !== undefined && cached.expires > Date.now()) return cached.record;
          const record = parse(await rows.get(key));
          cache.set(key, { record, expires: Date.now() + CACHE_MS });
          if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
          return record;
        },
        catch: failure("UsagePolicyStore.get"),
      }).pipe(Effect.map(Option.fromUndefinedOr)),
    put: (key, record) =>
      Effect.tryPromise({
        try: async () => {
          await rows.put(key, JSON.stringify(record));
          cache.delete(key);
        },
        catch: failure("UsagePolicyStore.put"),
      }),
    delete: (key) =>
      Effect.tryPromise({
        try: async () => {
          cache.delete(key);
          return await rows.delete(key);
        },
        catch: failure("UsagePolicyStore.delete"),
      }),
    list: (prefix) =>
      Effect.tryPromise({
        try: async () =>
          (await rows.list(prefix)).map((row) => ({ key: row.key, record: parse(row.record) })),
        catch: failure("UsagePolicyStore.list"),
      }),
  };
};

export const embeddedRows = (db: EmbeddedDatabase): PolicyRows => {
  const q = db.builder;
  return {
    get: async (key) =>
      db.all<{ record: string }>(
        q.select({ record: usagePolicies.record }).from(usagePolicies).where(eq(usagePolicies.key, key)),
      )[0]?.record,
    put: async (key, record) =>
      db.run(
        q
          .insert(usagePolicies)
          .values({ key, record })
          .onConflictDoUpdate({ target: usagePolicies.key, set: { record } }),
      ),
    delete: async (key) =>
      db.all<{ key: string }>(
        q.delete(usagePolicies).where(eq(usagePolicies.key, key)).returning({ key: usagePolicies.key }),
      ).length > 0,
    list: async (prefix) =>
      db.all<{ key: string; record: string }>(
        q
          .select({ key: usagePolicies.key, record: usagePolicies.record })
          .from(usagePolicies)
          .where(startsWith(usagePolicies.key, prefix))
          .orderBy(asc(usagePolicies.key)),
      ),
  };
};

const postgresRows = (client: postgres.Sql): PolicyRows => {
  const q = drizzle.mock();
  const run = async <Row>(query: { toSQL(): { sql: string; params: unknown[] } }) => {
    const { sql, params } = query.toSQL();
    return (await client.unsafe(sql, params as postgres.ParameterOrJSON<never>[])) as unknown as Row[];
  };
  return {
    get: async (key) =>
      (
        await run<{ record: string }>(
          q
            .select({ record: pgUsagePolicies.record })
            .from(pgUsagePolicies)
            .where(eq(pgUsagePolicies.key, key)),
        )
      )[0]?.record,
    put: async (key, record) => {
      await run(
        q
          .insert(pgUsagePolicies)
          .values({ key, record })
          .onConflictDoUpdate({ target: pgUsagePolicies.key, set: { record } }),
      );
    },
    delete: async (key) =>
      (
        await run<{ key: string }>(
          q
            .delete(pgUsagePolicies)
            .where(eq(pgUsagePolicies.key, key))
            .returning({ key: pgUsagePolicies.key }),
        )
      ).length > 0,
    list: (prefix) =>
      run<{ key: string; record: string }>(
        q
          .select({ key: pgUsagePolicies.key, record: pgUsagePolicies.record })
          .from(pgUsagePolicies)
          .where(startsWith(pgUsagePolicies.key, prefix))
          .orderBy(asc(pgUsagePolicies.key)),
      ),
  };
};

/** The policy store in Postgres when `databaseUrl` is set, else in `<dataDir>/w7s.db`. */
export const usagePolicyStoreLayer = (
  options: UsagePolicyStoreOptions,
): Layer.Layer<UsagePolicyStore, StoreError> =>
  Layer.effect(
    UsagePolicyStore,
    options.databaseUrl !== undefined && options.databaseUrl !== ""
      ? Effect.acquireRelease(
          Effect.tryPromise({
            try: () =>
              openPostgresPool({ databaseUrl: options.databaseUrl!, schema: options.databaseSchema, max: 2 }),
            catch: failure("UsagePolicyStore.open"),
          }),
          (client) => Effect.promise(() => client.end({ timeout: 5 })),
        ).pipe(Effect.map((client) => makePolicyStore(postgresRows(client))))
      : Effect.acquireRelease(
          Effect.try({
            try: () => acquireEmbeddedDatabase(options.dataDir),
            catch: failure("UsagePolicyStore.open"),
          }),
          (handle) => Effect.sync(handle.release),
        ).pipe(Effect.map((handle) => makePolicyStore(embeddedRows(handle.database)))),
  );
