/**
 * SchedulerLock on the control-plane database: one row per claimed key with its expiry. A claim is a single
 * insert-if-absent (or take over an expired row) statement, so two servers on one Postgres, or two
 * processes on one SQLite file, can never both take the same minute of a schedule.
 */
import { SchedulerLock, type StoreError } from "@w7s/core";
import { Clock, Effect, Layer } from "effect";
import type postgres from "postgres";
import { openPostgresPool } from "../store/postgresPool.js";
import { acquireEmbeddedDatabase, type EmbeddedDatabase } from "../store/sqlite.js";
import { usageFailure } from "../usage/usageRecords.js";

export const LOCK_SCHEMA_STATEMENTS: readonly string[] = [
  "create table if not exists scheduler_locks (key text primary key, expires_at integer not null)",
  "create index if not exists scheduler_locks_expiry on scheduler_locks (expires_at)",
];
export const PG_LOCK_SCHEMA_STATEMENTS: readonly string[] = [
  "create table if not exists w7s_scheduler_locks (key text primary key, expires_at bigint not null)",
  "create index if not exists w7s_scheduler_locks_expiry on w7s_scheduler_locks (expires_at)",
];

/** Expired claims are deleted at most this often (they are ignored by claims anyway). */
const CLEANUP_INTERVAL_MS = 10 * 60_000;

/** `tryAcquire` at an explicit time, for both databases. */
export interface LockStore {
  readonly tryAcquire: (key: string, ttlMs: number, now: number) => Promise<boolean>;
  readonly close: () => Promise<void>;
}

export const sqliteLocks = (db: EmbeddedDatabase, release: () => void): LockStore => {
  let nextCleanup = 0;
  return {
    tryAcquire: async (key, ttlMs, now) => {
      if (now >= nextCleanup) {
        nextCleanup = now + CLEANUP_INTERVAL_MS;
        db.query("delete from scheduler_locks where expires_at <= ?", [now]);
      }
      return (
        db.query(
          "insert into scheduler_locks (key, expires_at) values (?, ?) on conflict (key) do update set expires_at = excluded.expires_at where scheduler_locks.expires_at <= ? returning key",
          [key, now + ttlMs, now],
        ).length > 0
      );
    },
    close: async () => release(),
  };
};

const postgresLocks = (sql: postgres.Sql): LockStore => {
  let nextCleanup = 0;
  return {
    tryAcquire: async (key, ttlMs, now) => {
      if (now >= nextCleanup) {
        nextCleanup = now + CLEANUP_INTERVAL_MS;
        await sql`delete from w7s_scheduler_locks where expires_at <= ${now}`.catch(() => undefined);
      }
      const rows = await sql`
        insert into w7s_scheduler_locks (key, expires_at) values (${key}, ${now + ttlMs})
        on conflict (key) do update set expires_at = excluded.expires_at
        where w7s_scheduler_locks.expires_at <= ${now}
        returning key`;
      return rows.length > 0;
    },
    close: () => sql.end({ timeout: 5 }),
  };
};

export interface SchedulerLockOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
}

export const openLockStore = async (options: SchedulerLockOptions): Promise<LockStore> => {
  if (options.databaseUrl !== undefined && options.databaseUrl !== "") {
    const sql = await openPostgresPool({
      databaseUrl: options.databaseUrl,
      schema: options.databaseSchema,
      max: 2,
    });
    try {
      await sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(hashtext('w7s-lock-schema'))`;
        for (const statement of PG_LOCK_SCHEMA_STATEMENTS) await tx.unsafe(statement);
      });
    } catch (error) {
      await sql.end({ timeout: 1 });
      throw error;
    }
    return postgresLocks(sql);
  }
  const handle = acquireEmbeddedDatabase(options.dataDir);
  try {
    handle.database.transaction(() => {
      for (const statement of LOCK_SCHEMA_STATEMENTS) handle.database.exec(statement);
    });
  } catch (error) {
    handle.release();
    throw error;
  }
  return sqliteLocks(handle.database, handle.release);
};

/** SchedulerLock in Postgres when `databaseUrl` is set, else in `<dataDir>/w7s.db`; time from Effect's Clock. */
export const schedulerLockLayer = (options: SchedulerLockOptions): Layer.Layer<SchedulerLock, StoreError> =>
  Layer.effect(
    SchedulerLock,
    Effect.gen(function* () {
      const locks = yield* Effect.acquireRelease(
        Effect.tryPromise({ try: () => openLockStore(options), catch: usageFailure("SchedulerLock.open") }),
        (opened) => Effect.promise(() => opened.close()),
      );
      return SchedulerLock.of({
        tryAcquire: (key, ttlSeconds) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.tryPromise({
              try: () => locks.tryAcquire(key, ttlSeconds * 1000, now),
              catch: usageFailure("SchedulerLock.tryAcquire"),
            }),
          ),
      });
    }),
  );
