/** The control-plane tables, one drizzle schema; records are stored as JSON validated on read. */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const deployments = sqliteTable(
  "deployments",
  {
    deployment_id: text("deployment_id").primaryKey(),
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    record: text("record").notNull(),
    created_at: integer("created_at").notNull(),
  },
  (table) => [
    index("deployments_app").on(table.environment, table.org_slug, table.repo_slug, table.created_at),
  ],
);

export const currentDeployments = sqliteTable(
  "current_deployments",
  {
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    deployment_id: text("deployment_id").notNull(),
  },
  (table) => [primaryKey({ columns: [table.environment, table.org_slug, table.repo_slug] })],
);

export const bindingTokens = sqliteTable(
  "binding_tokens",
  { kind: text("kind").notNull(), token_hash: text("token_hash").notNull(), entry: text("entry").notNull() },
  (table) => [primaryKey({ columns: [table.kind, table.token_hash] })],
);

export const schedules = sqliteTable(
  "schedules",
  {
    id: text("id").primaryKey(),
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    mapping: text("mapping").notNull(),
  },
  (table) => [index("schedules_app").on(table.environment, table.org_slug, table.repo_slug)],
);

export const queues = sqliteTable(
  "queues",
  {
    queue_name: text("queue_name").primaryKey(),
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    mapping: text("mapping").notNull(),
  },
  (table) => [index("queues_app").on(table.environment, table.org_slug, table.repo_slug)],
);

/** One row per subscription of a live deployment, found by (environment, subject) on every publish. */
export const eventSubscriptions = sqliteTable(
  "event_subscriptions",
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
    index("event_subscriptions_app").on(table.environment, table.org_slug, table.repo_slug),
  ],
);

export const domainRoutes = sqliteTable(
  "domain_routes",
  {
    hostname: text("hostname").notNull(),
    path_prefix: text("path_prefix").notNull(),
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    mapping: text("mapping").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.hostname, table.path_prefix] }),
    index("domain_routes_app").on(table.environment, table.org_slug, table.repo_slug),
  ],
);

export const assetObjects = sqliteTable("asset_objects", {
  key: text("key").primaryKey(),
  blob: text("blob").notNull(),
  content_type: text("content_type").notNull(),
  etag: text("etag").notNull(),
  size: integer("size").notNull(),
});

export const assetManifests = sqliteTable("asset_manifests", {
  key: text("key").primaryKey(),
  manifest: text("manifest").notNull(),
});

/** Storage resources provisioned per (environment, owner, repo, kind, binding) (E.1); `resource` is the JSON record. */
export const managedResources = sqliteTable(
  "managed_resources",
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

/** The operator's usage-limit override records (F.3) by key, the record as JSON. */
export const usagePolicies = sqliteTable("usage_policies", {
  key: text("key").primaryKey(),
  record: text("record").notNull(),
});

/** DDL for the tables above, applied idempotently at start (version 1 of our schema). */
export const SCHEMA_STATEMENTS: readonly string[] = [
  `create table if not exists deployments (deployment_id text primary key, environment text not null,
    org_slug text not null, repo_slug text not null, record text not null, created_at integer not null)`,
  "create index if not exists deployments_app on deployments (environment, org_slug, repo_slug, created_at)",
  `create table if not exists current_deployments (environment text not null, org_slug text not null,
    repo_slug text not null, deployment_id text not null, primary key (environment, org_slug, repo_slug))`,
  `create table if not exists binding_tokens (kind text not null, token_hash text not null, entry text not null,
    primary key (kind, token_hash))`,
  `create table if not exists schedules (id text primary key, environment text not null, org_slug text not null,
    repo_slug text not null, mapping text not null)`,
  "create index if not exists schedules_app on schedules (environment, org_slug, repo_slug)",
  `create table if not exists queues (queue_name text primary key, environment text not null,
    org_slug text not null, repo_slug text not null, mapping text not null)`,
  "create index if not exists queues_app on queues (environment, org_slug, repo_slug)",
  `create table if not exists event_subscriptions (environment text not null, subject text not null,
    org_slug text not null, repo_slug text not null, queue text not null, mapping text not null,
    primary key (environment, subject, org_slug, repo_slug, queue))`,
  "create index if not exists event_subscriptions_app on event_subscriptions (environment, org_slug, repo_slug)",
  `create table if not exists domain_routes (hostname text not null, path_prefix text not null,
    environment text not null, org_slug text not null, repo_slug text not null, mapping text not null,
    primary key (hostname, path_prefix))`,
  "create index if not exists domain_routes_app on domain_routes (environment, org_slug, repo_slug)",
  `create table if not exists asset_objects (key text primary key, blob text not null, content_type text not null,
    etag text not null, size integer not null)`,
  "create table if not exists asset_manifests (key text primary key, manifest text not null)",
  `create table if not exists managed_resources (environment text not null, org_slug text not null,
    repo_slug text not null, kind text not null, binding text not null, resource text not null,
    primary key (environment, org_slug, repo_slug, kind, binding))`,
  "create table if not exists usage_policies (key text primary key, record text not null)",
];
