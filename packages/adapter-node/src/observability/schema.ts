/** The LogStore's and AnalyticsSink's tables, in drizzle's SQLite and Postgres dialects, with their DDL. */
import {
  bigint,
  doublePrecision,
  index as pgIndex,
  primaryKey as pgPrimaryKey,
  pgTable,
  text as pgText,
} from "drizzle-orm/pg-core";
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One captured log record per row, keyed so that the app's newest records come first in key order
 * (`ts` descending, then `id`); `record` is the whole G.1 record as JSON, `expires_at` its retention end.
 */
export const appLogs = sqliteTable(
  "app_logs",
  {
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    ts: integer("ts").notNull(),
    id: text("id").notNull(),
    kind: text("kind").notNull(),
    level: text("level"),
    record: text("record").notNull(),
    expires_at: integer("expires_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.environment, table.org_slug, table.repo_slug, table.ts, table.id] }),
    index("app_logs_expiry").on(table.expires_at),
  ],
);

export const pgAppLogs = pgTable(
  "w7s_app_logs",
  {
    environment: pgText("environment").notNull(),
    org_slug: pgText("org_slug").notNull(),
    repo_slug: pgText("repo_slug").notNull(),
    ts: bigint("ts", { mode: "number" }).notNull(),
    id: pgText("id").notNull(),
    kind: pgText("kind").notNull(),
    level: pgText("level"),
    record: pgText("record").notNull(),
    expires_at: bigint("expires_at", { mode: "number" }).notNull(),
  },
  (table) => [
    pgPrimaryKey({ columns: [table.environment, table.org_slug, table.repo_slug, table.ts, table.id] }),
    pgIndex("w7s_app_logs_expiry").on(table.expires_at),
  ],
);

/** One platform event per row with G.3's low-cardinality fields (blobs) and its three numbers (doubles). */
export const analyticsEvents = sqliteTable(
  "analytics_events",
  {
    ts: integer("ts").notNull(),
    event: text("event").notNull(),
    repository: text("repository").notNull(),
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    outcome: text("outcome").notNull(),
    source: text("source").notNull(),
    target: text("target").notNull(),
    method: text("method").notNull(),
    host: text("host").notNull(),
    path: text("path").notNull(),
    user_agent: text("user_agent").notNull(),
    colo: text("colo").notNull(),
    count: real("count").notNull(),
    status: real("status").notNull(),
    duration_ms: real("duration_ms").notNull(),
  },
  (table) => [index("analytics_events_app").on(table.repository, table.environment, table.ts)],
);

export const pgAnalyticsEvents = pgTable(
  "w7s_analytics_events",
  {
    ts: bigint("ts", { mode: "number" }).notNull(),
    event: pgText("event").notNull(),
    repository: pgText("repository").notNull(),
    environment: pgText("environment").notNull(),
    org_slug: pgText("org_slug").notNull(),
    repo_slug: pgText("repo_slug").notNull(),
    outcome: pgText("outcome").notNull(),
    source: pgText("source").notNull(),
    target: pgText("target").notNull(),
    method: pgText("method").notNull(),
    host: pgText("host").notNull(),
    path: pgText("path").notNull(),
    user_agent: pgText("user_agent").notNull(),
    colo: pgText("colo").notNull(),
    count: doublePrecision("count").notNull(),
    status: doublePrecision("status").notNull(),
    duration_ms: doublePrecision("duration_ms").notNull(),
  },
  (table) => [pgIndex("w7s_analytics_events_app").on(table.repository, table.environment, table.ts)],
);

const eventColumns = `ts {int} not null, event text not null, repository text not null,
    environment text not null, org_slug text not null, repo_slug text not null, outcome text not null,
    source text not null, target text not null, method text not null, host text not null, path text not null,
    user_agent text not null, colo text not null, count {real} not null, status {real} not null,
    duration_ms {real} not null`;

/** DDL applied when the stores open. */
export const OBSERVABILITY_DDL = {
  sqlite: [
    `create table if not exists app_logs (environment text not null, org_slug text not null,
      repo_slug text not null, ts integer not null, id text not null, kind text not null, level text,
      record text not null, expires_at integer not null,
      primary key (environment, org_slug, repo_slug, ts, id))`,
    "create index if not exists app_logs_expiry on app_logs (expires_at)",
    `create table if not exists analytics_events (${eventColumns.replace("{int}", "integer").replaceAll("{real}", "real")})`,
    "create index if not exists analytics_events_app on analytics_events (repository, environment, ts)",
  ],
  postgres: [
    `create table if not exists w7s_app_logs (environment text not null, org_slug text not null,
      repo_slug text not null, ts bigint not null, id text not null, kind text not null, level text,
      record text not null, expires_at bigint not null,
      primary key (environment, org_slug, repo_slug, ts, id))`,
    "create index if not exists w7s_app_logs_expiry on w7s_app_logs (expires_at)",
    `create table if not exists w7s_analytics_events (${eventColumns.replace("{int}", "bigint").replaceAll("{real}", "double precision")})`,
    "create index if not exists w7s_analytics_events_app on w7s_analytics_events (repository, environment, ts)",
  ],
} as const;
