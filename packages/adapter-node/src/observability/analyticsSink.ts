/**
 * AnalyticsSink on the control-plane database (SQLite or Postgres). Writes are best effort and never wait:
 * events are held in memory and written together every `flushIntervalMs` (and before every query, so a
 * reader sees what was written before it asked). The report is three SQL aggregates over the app's rows:
 * counts by event and outcome, a series by hour or day, and the latest events (G.3).
 */
import {
  type AnalyticsEvent,
  type AnalyticsQuery,
  type AnalyticsReport,
  AnalyticsSink,
  type StoreError,
} from "@w7s/core";
import { and, desc, eq, gte, lt, lte, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Clock, Effect, Layer, Option, Semaphore } from "effect";
import {
  type ControlPlaneDatabase,
  type ControlPlaneOptions,
  openControlPlaneDatabase,
  runPostgres,
} from "../store/controlPlaneDatabase.js";
import { rowInsertText } from "../store/sqlite.js";
import { usageFailure } from "../usage/usageRecords.js";
import { analyticsEvents, OBSERVABILITY_DDL, pgAnalyticsEvents } from "./schema.js";

export interface AnalyticsSinkOptions extends ControlPlaneOptions {
  /** Time between writes of held events (default 250 ms). */
  readonly flushIntervalMs?: number;
  /**
   * Rows kept per app, event, outcome and source in one write (default 20); beyond that the events are
   * sampled, each kept row carrying the weight of those it stands for in `count` (as Analytics Engine
   * samples), so counts stay exact while a busy app costs a bounded number of rows.
   */
  readonly samplesPerWrite?: number;
  /** Events held at most; more are dropped until the next write (default 100,000). */
  readonly maxPending?: number;
}

/** What the analytics API reports as `dataset`. */
export const ANALYTICS_DATASET = "w7s_analytics_events";

type EventRow = typeof analyticsEvents.$inferInsert;

const EVENT_COLUMNS = [
  "ts",
  "event",
  "repository",
  "environment",
  "org_slug",
  "repo_slug",
  "outcome",
  "source",
  "target",
  "method",
  "host",
  "path",
  "user_agent",
  "colo",
  "count",
  "status",
  "duration_ms",
] as const satisfies ReadonlyArray<keyof EventRow>;

const SQLITE_INSERT = rowInsertText("analytics_events", EVENT_COLUMNS);

/** G.3 limits: the index (repository) up to 96 characters, every other text field up to 1024. */
const blob = (value: string | undefined, max = 1024) => (value ?? "").slice(0, max);
const finite = (value: number | undefined, fallback: number) =>
  value !== undefined && Number.isFinite(value) ? value : fallback;

/**
 * At most `limit` rows per app, event, outcome and source, evenly spread over the group, their counts
 * adding up to the group's total.
 */
export const sampleRows = (rows: ReadonlyArray<EventRow>, limit: number): EventRow[] => {
  const groups = new Map<string, EventRow[]>();
  for (const row of rows) {
    const key = `${row.repository}\u0000${row.environment}\u0000${row.event}\u0000${row.outcome}\u0000${row.source}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [row]);
    else group.push(row);
  }
  const kept: EventRow[] = [];
  for (const group of groups.values()) {
    if (group.length <= limit) {
      kept.push(...group);
      continue;
    }
    const total = group.reduce((sum, row) => sum + row.count, 0);
    const step = group.length / limit;
    let assigned = 0;
    for (let index = 0; index < limit; index += 1) {
      const row = group[Math.floor(index * step)]!;
      // Whole weights where possible; the last row takes what is left so the total is exact.
      const count = index === limit - 1 ? total - assigned : Math.round(total / limit);
      assigned += count;
      kept.push({ ...row, count });
    }
  }
  return kept;
};

const rowOf = (event: AnalyticsEvent, now: number): EventRow => {
  const stamped = event.timestamp === undefined ? Number.NaN : Date.parse(event.timestamp);
  return {
    ts: Number.isFinite(stamped) ? stamped : now,
    event: event.event,
    repository: blob(event.repository ?? "w7s-core", 96),
    environment: blob(event.environment),
    org_slug: blob(event.orgSlug),
    repo_slug: blob(event.repoSlug),
    outcome: blob(event.outcome),
    source: blob(event.source),
    target: blob(event.target),
    method: blob(event.method),
    // Host fields belong to runtime requests only (G.3).
    host: event.event === "runtime_request" ? blob(event.host) : "",
    path: event.event === "runtime_request" ? blob(event.path) : "",
    user_agent: event.event === "runtime_request" ? blob(event.userAgent) : "",
    colo: event.event === "runtime_request" ? blob(event.colo) : "",
    count: finite(event.count, 1),
    status: finite(event.status, 0),
    duration_ms: finite(event.durationMs, 0),
  };
};

interface ReportRows {
  readonly insert: (rows: ReadonlyArray<EventRow>) => Promise<void>;
  readonly summary: (query: AnalyticsQuery) => Promise<Array<Record<string, unknown>>>;
  readonly series: (query: AnalyticsQuery, bucketMs: number) => Promise<Array<Record<string, unknown>>>;
  readonly recent: (query: AnalyticsQuery) => Promise<EventRow[]>;
  readonly purge: (beforeMs: number) => Promise<number>;
}

const number = (value: unknown): number => {
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : 0;
};

const rows = (database: ControlPlaneDatabase): ReportRows => {
  const sqlite = database.dialect === "sqlite";
  // The two tables have the same columns; only their column types differ.
  const t = (sqlite ? analyticsEvents : pgAnalyticsEvents) as typeof analyticsEvents;
  // biome-ignore lint/suspicious/noExplicitAny: one builder for both dialects; the statements use only shared SQL
  const q: any = sqlite ? database.db.builder : drizzle.mock();
  const all = async <Row>(query: { toSQL(): { sql: string; params: unknown[] } }): Promise<Row[]> =>
    database.dialect === "sqlite" ? database.db.all<Row>(query) : runPostgres<Row>(database.client, query);
  const inRange = (query: AnalyticsQuery): SQL | undefined =>
    and(
      eq(t.repository, query.repository),
      eq(t.environment, query.environment),
      gte(t.ts, Date.parse(query.from)),
      lte(t.ts, Date.parse(query.to)),
    );
  return {
    // Inserts are on the write path of every event: one prepared statement per row (SQLite) or one bulk
    // statement (Postgres), never a query built per batch.
    insert: async (batch) => {
      if (database.dialect === "sqlite") {
        const { db } = database;
        db.transaction(() => {
          for (const row of batch)
            db.query(
              SQLITE_INSERT,
              EVENT_COLUMNS.map((column) => row[column] as string | number),
            );
        });
        return;
      }
      const { client } = database;
      for (let start = 0; start < batch.length; start += 1000)
        await client`insert into w7s_analytics_events ${client(batch.slice(start, start + 1000) as never, ...EVENT_COLUMNS)}`;
    },
    summary: (query) =>
      all(
        q
          .select({
            event: t.event,
            outcome: t.outcome,
            count: sql`sum(${t.count})`.as("count"),
            samples: sql`count(*)`.as("samples"),
            // Sampled rows stand for `count` events each: the average is weighted by them.
            avgDurationMs: sql`sum(${t.count} * ${t.duration_ms}) / sum(${t.count})`.as("avg_duration_ms"),
          })
          .from(t)
          .where(inRange(query))
          .groupBy(t.event, t.outcome)
          .orderBy(sql`sum(${t.count}) desc`, t.event, t.outcome)
          .limit(200),
      ).then((found) =>
        found.map((row) => ({
          ...(row as Record<string, unknown>),
          avgDurationMs: (row as Record<string, unknown>)["avg_duration_ms"],
        })),
      ),
    series: (query, bucketMs) => {
      const bucket = sql`(${t.ts} / ${sql.raw(String(bucketMs))}) * ${sql.raw(String(bucketMs))}`;
      return all(
        q
          .select({ bucket: bucket.as("bucket"), event: t.event, count: sql`sum(${t.count})`.as("count") })
          .from(t)
          .where(inRange(query))
          .groupBy(bucket, t.event)
          .orderBy(bucket, t.event)
          .limit(1000),
      );
    },
    recent: (query) => all(q.select().from(t).where(inRange(query)).orderBy(desc(t.ts)).limit(query.limit)),
    purge: async (beforeMs) =>
      (await all<{ ts: number }>(q.delete(t).where(lt(t.ts, beforeMs)).returning({ ts: t.ts }))).length,
  };
};

export const makeSink = (database: ControlPlaneDatabase, options: AnalyticsSinkOptions) =>
  Effect.gen(function* () {
    const statements = rows(database);
    const maxPending = options.maxPending ?? 100_000;
    const samplesPerWrite = Math.max(1, options.samplesPerWrite ?? 20);
    let pending: EventRow[] = [];
    const oneWriteAtATime = yield* Semaphore.make(1);
    const attempt = <A>(operation: string, body: () => Promise<A>) =>
      Effect.tryPromise({ try: body, catch: usageFailure(operation) });

    const writePending = oneWriteAtATime.withPermit(
      Effect.suspend(() => {
        if (pending.length === 0) return Effect.void;
        const taken = sampleRows(pending, samplesPerWrite);
        pending = [];
        return attempt("AnalyticsSink.write", () => statements.insert(taken));
      }),
    );
    yield* Effect.addFinalizer(() => Effect.ignore(writePending));
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.sleep(options.flushIntervalMs ?? 250).pipe(Effect.andThen(Effect.ignore(writePending))),
      ),
    );

    const query = (query: AnalyticsQuery) =>
      Effect.gen(function* () {
        yield* Effect.ignore(writePending);
        const bucketMs = query.bucket === "day" ? 86_400_000 : 3_600_000;
        const [summary, series, recent] = yield* attempt("AnalyticsSink.query", () =>
          Promise.all([
            statements.summary(query),
            statements.series(query, bucketMs),
            statements.recent(query),
          ]),
        );
        const report: AnalyticsReport = {
          dataset: ANALYTICS_DATASET,
          summary: summary.map((row) => ({
            event: String(row["event"] ?? ""),
            outcome: String(row["outcome"] ?? ""),
            count: number(row["count"]),
            samples: number(row["samples"]),
            avgDurationMs: Math.round(number(row["avgDurationMs"]) * 100) / 100,
          })),
          timeseries: series.map((row) => ({
            bucket: new Date(number(row["bucket"])).toISOString(),
            event: String(row["event"] ?? ""),
            count: number(row["count"]),
          })),
          events: recent.map((row) => ({
            timestamp: new Date(number(row.ts)).toISOString(),
            event: row.event,
            outcome: row.outcome,
            source: row.source,
            target: row.target,
            method: row.method,
            host: row.host,
            path: row.path,
            userAgent: row.user_agent,
            colo: row.colo,
            count: number(row.count),
            status: number(row.status),
            durationMs: number(row.duration_ms),
          })),
        };
        return Option.some(report);
      });

    return {
      write: (event) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.sync(() => {
            if (pending.length < maxPending) pending.push(rowOf(event, now));
          }),
        ),
      query,
      purgeBefore: (before) =>
        writePending.pipe(
          Effect.andThen(attempt("AnalyticsSink.purgeBefore", () => statements.purge(Date.parse(before)))),
        ),
    } satisfies AnalyticsSink["Service"];
  });

/** AnalyticsSink in Postgres when `databaseUrl` is set, else in `<dataDir>/w7s.db`; held events are written on close. */
export const analyticsSinkLayer = (options: AnalyticsSinkOptions): Layer.Layer<AnalyticsSink, StoreError> =>
  Layer.effect(
    AnalyticsSink,
    openControlPlaneDatabase(options, OBSERVABILITY_DDL, "AnalyticsSink.open").pipe(
      Effect.flatMap((database) => makeSink(database, options)),
    ),
  );
