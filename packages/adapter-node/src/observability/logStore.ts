/**
 * LogStore on the control-plane database (SQLite or Postgres): one row per record, keyed by app, time and
 * id so the newest come first, with the time its retention ends. A page is read with a keyset on
 * `(ts, id)`: the cursor names the last record returned, so every record is listed once however records
 * arrive between pages.
 */
import { type LogQuery, type LogRecord, LogStore, StoreError } from "@w7s/core";
import { and, type Column, desc, eq, gte, lt, lte, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Clock, Effect, Layer } from "effect";
import {
  type ControlPlaneDatabase,
  type ControlPlaneOptions,
  openControlPlaneDatabase,
  runPostgres,
} from "../store/controlPlaneDatabase.js";
import { rowInsertText } from "../store/sqlite.js";
import { usageFailure } from "../usage/usageRecords.js";
import { appLogs, OBSERVABILITY_DDL, pgAppLogs } from "./schema.js";

interface LogRow {
  readonly environment: string;
  readonly org_slug: string;
  readonly repo_slug: string;
  readonly ts: number;
  readonly id: string;
  readonly kind: string;
  readonly level: string | null;
  readonly record: string;
  readonly expires_at: number;
}

interface PageQuery {
  readonly query: LogQuery;
  readonly fromMs: number;
  readonly toMs: number;
  readonly nowMs: number;
  readonly after: readonly [number, string] | null;
  readonly take: number;
}

/** The statements of one dialect. */
interface LogRows {
  readonly insert: (rows: ReadonlyArray<LogRow>) => Promise<void>;
  readonly page: (page: PageQuery) => Promise<Array<{ record: string }>>;
  readonly purge: (nowMs: number) => Promise<number>;
}

const encodeCursor = (ts: number, id: string) => Buffer.from(JSON.stringify([ts, id])).toString("base64url");

const decodeCursor = (
  cursor: string | undefined,
): Effect.Effect<readonly [number, string] | null, StoreError> => {
  if (cursor === undefined) return Effect.succeed(null);
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === "string"
    )
      return Effect.succeed([value[0] as number, value[1] as string]);
  } catch {
    // Not ours; answered below.
  }
  return Effect.fail(
    new StoreError({
      reason: "NotFound",
      operation: "LogStore.query",
      description: "cursor was not issued by this store",
    }),
  );
};

const BATCH = 200;

const LOG_COLUMNS = [
  "environment",
  "org_slug",
  "repo_slug",
  "ts",
  "id",
  "kind",
  "level",
  "record",
  "expires_at",
] as const satisfies ReadonlyArray<keyof LogRow>;
const SQLITE_INSERT = rowInsertText("app_logs", LOG_COLUMNS, "on conflict do nothing");

export const makeLogStore = (rows: LogRows): LogStore["Service"] => {
  const attempt = <A>(operation: string, body: () => Promise<A>) =>
    Effect.tryPromise({ try: body, catch: usageFailure(operation) });
  return {
    append: (records, retentionSeconds) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const expires_at = now + retentionSeconds * 1000;
        const toRow = (record: LogRecord): LogRow => ({
          environment: record.environment,
          org_slug: record.orgSlug,
          repo_slug: record.repoSlug,
          ts: Date.parse(record.timestamp),
          id: record.id,
          kind: record.kind,
          level: record.level ?? null,
          record: JSON.stringify(record),
          expires_at,
        });
        return attempt("LogStore.append", async () => {
          for (let start = 0; start < records.length; start += BATCH)
            await rows.insert(records.slice(start, start + BATCH).map(toRow));
        });
      }),
    query: (query) =>
      Effect.gen(function* () {
        const after = yield* decodeCursor(query.cursor);
        const nowMs = yield* Clock.currentTimeMillis;
        const found = yield* attempt("LogStore.query", () =>
          rows.page({
            query,
            fromMs: Date.parse(query.from),
            toMs: Date.parse(query.to),
            nowMs,
            after,
            take: query.limit + 1,
          }),
        );
        const items = yield* Effect.try({
          try: () => found.slice(0, query.limit).map((row) => JSON.parse(row.record) as LogRecord),
          catch: (cause) =>
            new StoreError({
              reason: "Corrupt",
              operation: "LogStore.query",
              description: "stored record is not JSON",
              cause,
            }),
        });
        const last = items.at(-1);
        return {
          items,
          cursor:
            found.length > query.limit && last !== undefined
              ? encodeCursor(Date.parse(last.timestamp), last.id)
              : null,
        };
      }),
    purgeExpired: () =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        attempt("LogStore.purgeExpired", () => rows.purge(now)),
      ),
  };
};

/** The columns a page is filtered on, the same in both dialects' tables. */
type LogColumns = Record<
  "environment" | "org_slug" | "repo_slug" | "ts" | "expires_at" | "kind" | "level" | "id",
  Column
>;

/** One page's rows: the app, the time range, still retained, the filters, and after the cursor's `(ts, id)`. */
const pageFilter = (t: LogColumns, page: PageQuery): SQL | undefined =>
  and(
    eq(t.environment, page.query.app.environment),
    eq(t.org_slug, page.query.app.orgSlug),
    eq(t.repo_slug, page.query.app.repoSlug),
    gte(t.ts, page.fromMs),
    lte(t.ts, page.toMs),
    gte(t.expires_at, page.nowMs + 1),
    page.query.kind === undefined ? undefined : eq(t.kind, page.query.kind),
    page.query.level === undefined ? undefined : eq(t.level, page.query.level),
    page.after === null
      ? undefined
      : or(lt(t.ts, page.after[0]), and(eq(t.ts, page.after[0]), lt(t.id, page.after[1]))),
  );

export const embeddedRows = (database: Extract<ControlPlaneDatabase, { dialect: "sqlite" }>): LogRows => {
  const { db } = database;
  const q = db.builder;
  const t = appLogs;
  return {
    // Every captured console line passes here: one prepared statement run per row, never a query built
    // per batch.
    insert: async (batch) =>
      db.transaction(() => {
        for (const row of batch)
          db.query(
            SQLITE_INSERT,
            LOG_COLUMNS.map((column) => row[column]),
          );
      }),
    page: async (page) =>
      db.all<{ record: string }>(
        q
          .select({ record: t.record })
          .from(t)
          .where(pageFilter(t, page))
          .orderBy(desc(t.ts), desc(t.id))
          .limit(page.take),
      ),
    purge: async (now) =>
      db.all<{ id: string }>(q.delete(t).where(lte(t.expires_at, now)).returning({ id: t.id })).length,
  };
};

const postgresRows = (database: Extract<ControlPlaneDatabase, { dialect: "postgres" }>): LogRows => {
  const { client } = database;
  const q = drizzle.mock();
  const t = pgAppLogs;
  return {
    insert: async (batch) => {
      await client`insert into w7s_app_logs ${client(batch as never, ...LOG_COLUMNS)} on conflict do nothing`;
    },
    page: (page) =>
      runPostgres<{ record: string }>(
        client,
        q
          .select({ record: t.record })
          .from(t)
          .where(pageFilter(t, page))
          .orderBy(desc(t.ts), desc(t.id))
          .limit(page.take),
      ),
    purge: async (now) =>
      (await runPostgres(client, q.delete(t).where(lte(t.expires_at, now)).returning({ id: t.id }))).length,
  };
};

/** LogStore in Postgres when `databaseUrl` is set, else in `<dataDir>/w7s.db`. */
export const logStoreLayer = (options: ControlPlaneOptions): Layer.Layer<LogStore, StoreError> =>
  Layer.effect(
    LogStore,
    openControlPlaneDatabase(options, OBSERVABILITY_DDL, "LogStore.open").pipe(
      Effect.map((database) =>
        makeLogStore(database.dialect === "sqlite" ? embeddedRows(database) : postgresRows(database)),
      ),
    ),
  );
