/** The UsageStore's tables on Postgres: the same tables as `schema.ts`, in drizzle's pg dialect. */
import { bigint, doublePrecision, index, pgTable, primaryKey, text } from "drizzle-orm/pg-core";

export const pgUsageMetrics = pgTable(
  "w7s_usage_metrics",
  {
    date: text("date").notNull(),
    scope: text("scope").notNull(),
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    metric: text("metric").notNull(),
    repository: text("repository").notNull(),
    count: doublePrecision("count").notNull(),
    units: doublePrecision("units").notNull(),
    success: doublePrecision("success").notNull(),
    error: doublePrecision("error").notNull(),
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

export const pgUsageBurstCounters = pgTable(
  "w7s_usage_burst_counters",
  {
    key: text("key").primaryKey(),
    used: doublePrecision("used").notNull(),
    expires_at: bigint("expires_at", { mode: "number" }).notNull(),
  },
  (table) => [index("w7s_usage_burst_counters_expiry").on(table.expires_at)],
);

export const pgUsageSuspensions = pgTable(
  "w7s_usage_suspensions",
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

/** DDL for the tables above, applied idempotently at start (under the same advisory lock as the other DDL). */
export const PG_USAGE_SCHEMA_STATEMENTS: readonly string[] = [
  `create table if not exists w7s_usage_metrics (date text not null, scope text not null,
    environment text not null, org_slug text not null, repo_slug text not null, metric text not null,
    repository text not null, count double precision not null, units double precision not null,
    success double precision not null, error double precision not null, last_at text not null, source text,
    updated_at text not null, primary key (date, scope, environment, org_slug, repo_slug, metric))`,
  `create table if not exists w7s_usage_burst_counters (key text primary key, used double precision not null,
    expires_at bigint not null)`,
  "create index if not exists w7s_usage_burst_counters_expiry on w7s_usage_burst_counters (expires_at)",
  `create table if not exists w7s_usage_suspensions (environment text not null, org_slug text not null,
    repo_slug text not null, suspended_by text not null, state text not null,
    primary key (environment, org_slug, repo_slug, suspended_by))`,
];
