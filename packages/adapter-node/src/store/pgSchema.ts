/** The control-plane tables on Postgres: the same tables as `schema.ts`, in drizzle's pg dialect. */
import { bigint, pgTable, primaryKey, text } from "drizzle-orm/pg-core";

export const pgDeployments = pgTable("w7s_deployments", {
  deployment_id: text("deployment_id").primaryKey(),
  environment: text("environment").notNull(),
  org_slug: text("org_slug").notNull(),
  repo_slug: text("repo_slug").notNull(),
  record: text("record").notNull(),
  created_at: bigint("created_at", { mode: "number" }).notNull(),
});

export const pgCurrentDeployments = pgTable(
  "w7s_current_deployments",
  {
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    deployment_id: text("deployment_id").notNull(),
  },
  (table) => [primaryKey({ columns: [table.environment, table.org_slug, table.repo_slug] })],
);

export const pgBindingTokens = pgTable(
  "w7s_binding_tokens",
  { kind: text("kind").notNull(), token_hash: text("token_hash").notNull(), entry: text("entry").notNull() },
  (table) => [primaryKey({ columns: [table.kind, table.token_hash] })],
);

export const pgSchedules = pgTable("w7s_schedules", {
  id: text("id").primaryKey(),
  environment: text("environment").notNull(),
  org_slug: text("org_slug").notNull(),
  repo_slug: text("repo_slug").notNull(),
  mapping: text("mapping").notNull(),
});

export const pgQueues = pgTable("w7s_queues", {
  queue_name: text("queue_name").primaryKey(),
  environment: text("environment").notNull(),
  org_slug: text("org_slug").notNull(),
  repo_slug: text("repo_slug").notNull(),
  mapping: text("mapping").notNull(),
});

export const pgEventSubscriptions = pgTable(
  "w7s_event_subscriptions",
  {
    environment: text("environment").notNull(),
    subject: text("subject").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    queue: text("queue").notNull(),
    mapping: text("mapping").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.environment, table.subject, table.org_slug, table.repo_slug, table.queue] }),
  ],
);

export const pgDomainRoutes = pgTable(
  "w7s_domain_routes",
  {
    hostname: text("hostname").notNull(),
    path_prefix: text("path_prefix").notNull(),
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    mapping: text("mapping").notNull(),
  },
  (table) => [primaryKey({ columns: [table.hostname, table.path_prefix] })],
);

/** DDL for the tables above, applied idempotently at start. */
export const pgManagedResources = pgTable(
  "w7s_managed_resources",
  {
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    kind: text("kind").notNull(),
    binding: text("binding").notNull(),
    resource: text("resource").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.environment, table.org_slug, table.repo_slug, table.kind, table.binding] }),
  ],
);

export const pgUsagePolicies = pgTable("w7s_usage_policies", {
  key: text("key").primaryKey(),
  record: text("record").notNull(),
});

export const PG_SCHEMA_STATEMENTS: readonly string[] = [
  `create table if not exists w7s_deployments (deployment_id text primary key, environment text not null,
    org_slug text not null, repo_slug text not null, record text not null, created_at bigint not null)`,
  `create index if not exists w7s_deployments_app on w7s_deployments
    (environment, org_slug, repo_slug, created_at)`,
  `create table if not exists w7s_current_deployments (environment text not null, org_slug text not null,
    repo_slug text not null, deployment_id text not null, primary key (environment, org_slug, repo_slug))`,
  `create table if not exists w7s_binding_tokens (kind text not null, token_hash text not null, entry text not null,
    primary key (kind, token_hash))`,
  `create table if not exists w7s_schedules (id text primary key, environment text not null, org_slug text not null,
    repo_slug text not null, mapping text not null)`,
  `create table if not exists w7s_queues (queue_name text primary key, environment text not null,
    org_slug text not null, repo_slug text not null, mapping text not null)`,
  `create table if not exists w7s_event_subscriptions (environment text not null, subject text not null,
    org_slug text not null, repo_slug text not null, queue text not null, mapping text not null,
    primary key (environment, subject, org_slug, repo_slug, queue))`,
  `create index if not exists w7s_event_subscriptions_app on w7s_event_subscriptions (environment, org_slug, repo_slug)`,
  `create table if not exists w7s_domain_routes (hostname text not null, path_prefix text not null,
    environment text not null, org_slug text not null, repo_slug text not null, mapping text not null,
    primary key (hostname, path_prefix))`,
  `create index if not exists w7s_domain_routes_app on w7s_domain_routes (environment, org_slug, repo_slug)`,
  `create table if not exists w7s_managed_resources (environment text not null, org_slug text not null,
    repo_slug text not null, kind text not null, binding text not null, resource text not null,
    primary key (environment, org_slug, repo_slug, kind, binding))`,
  "create table if not exists w7s_usage_policies (key text primary key, record text not null)",
];
