/** The UsageStore's tables in the embedded SQLite database, created at the store's start. */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One row per metric of one daily rollup: `scope` is `repo`, `owner` (`repo_slug` `*`) or `global`
 * (`org_slug` and `repo_slug` `*`). Counters only ever change by `+=` in one upsert, so concurrent writers
 * never lose each other's increments.
 */
export const usageMetrics = sqliteTable(
  "usage_metrics",
  {
    date: text("date").notNull(),
    scope: text("scope").notNull(),
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    metric: text("metric").notNull(),
    repository: text("repository").notNull(),
    count: real("count").notNull(),
    units: real("units").notNull(),
    success: real("success").notNull(),
    error: real("error").notNull(),
    last_at: text("last_at").notNull(),
    source: text("source"),
    updated_at: text("updated_at").notNull(),
  },
  (table) => [
    primaryKey({
      columns: [table.date, table.scope, table.environment, table.org_slug, table.repo_slug, table.metric],
    }),
  ],
);

/** Short-window counters (F.6), keyed by the core's counter key; rows past `expires_at` count as 0. */
export const usageBurstCounters = sqliteTable(
  "usage_burst_counters",
  {
    key: text("key").primaryKey(),
    used: real("used").notNull(),
    expires_at: integer("expires_at").notNull(),
  },
  (table) => [index("usage_burst_counters_expiry").on(table.expires_at)],
);

/** At most one suspension per app and party (`limit` or `operator`), the state as JSON. */
export const usageSuspensions = sqliteTable(
  "usage_suspensions",
  {
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    suspended_by: text("suspended_by").notNull(),
    state: text("state").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.environment, table.org_slug, table.repo_slug, table.suspended_by] }),
  ],
);

/** DDL for the tables above, applied idempotently when a UsageStore opens the database. */
export const USAGE_SCHEMA_STATEMENTS: readonly string[] = [
  `create table if not exists usage_metrics (date text not null, scope text not null, environment text not null,
    org_slug text not null, repo_slug text not null, metric text not null, repository text not null,
    count real not null, units real not null, success real not null, error real not null, last_at text not null,
    source text, updated_at text not null,
    primary key (date, scope, environment, org_slug, repo_slug, metric))`,
  `create table if not exists usage_burst_counters (key text primary key, used real not null,
    expires_at integer not null)`,
  "create index if not exists usage_burst_counters_expiry on usage_burst_counters (expires_at)",
  `create table if not exists usage_suspensions (environment text not null, org_slug text not null,
    repo_slug text not null, suspended_by text not null, state text not null,
    primary key (environment, org_slug, repo_slug, suspended_by))`,
];
