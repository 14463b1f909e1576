/**
 * The workflow engine's table on both databases: one row per instance, its status, how many attempts its
 * step has had, and when it may run next (`visible_at`, ms; pushed to the lease's end while it runs).
 */

const columns = (big: string) => `(
    id text primary key,
    environment text not null,
    org_slug text not null,
    repo_slug text not null,
    workflow text not null,
    instance text not null,
    status text not null,
    attempts integer not null default 0,
    visible_at ${big} not null,
    lease_token text,
    output text,
    error text,
    created_at ${big} not null,
    updated_at ${big} not null
  )`;

/** SQLite (`<dataDir>/w7s.db`). */
export const WORKFLOW_SCHEMA_STATEMENTS: readonly string[] = [
  `create table if not exists workflow_instances ${columns("integer")}`,
  "create index if not exists workflow_instances_due on workflow_instances (visible_at) where status in ('queued', 'running')",
  "create index if not exists workflow_instances_active on workflow_instances (environment, org_slug, repo_slug) where status in ('queued', 'running')",
];

/** Postgres (`w7s_`-prefixed, in the configured schema). */
export const PG_WORKFLOW_SCHEMA_STATEMENTS: readonly string[] = [
  `create table if not exists w7s_workflow_instances ${columns("bigint")}`,
  "create index if not exists w7s_workflow_instances_due on w7s_workflow_instances (visible_at) where status in ('queued', 'running')",
  "create index if not exists w7s_workflow_instances_active on w7s_workflow_instances (environment, org_slug, repo_slug) where status in ('queued', 'running')",
];
