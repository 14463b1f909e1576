/**
 * The durable queue's tables on both databases. A message is visible to claimers once `visible_at` (ms) has
 * passed: a send sets it to the send time plus the delay, a claim pushes it to the end of the lease, a
 * failed delivery to the retry time. A lease that was never settled (the server died) simply runs out.
 */

/** SQLite (`<dataDir>/w7s.db`). */
export const QUEUE_SCHEMA_STATEMENTS: readonly string[] = [
  `create table if not exists queue_messages (
    seq integer primary key autoincrement,
    id text not null unique,
    queue_name text not null,
    body text not null,
    enqueued_at integer not null,
    visible_at integer not null,
    attempts integer not null default 0,
    lease_token text,
    last_error text
  )`,
  "create index if not exists queue_messages_visible on queue_messages (visible_at, seq)",
  "create index if not exists queue_messages_queue on queue_messages (queue_name, seq)",
  `create table if not exists queue_dead_letters (
    seq integer primary key autoincrement,
    id text not null unique,
    queue_name text not null,
    body text not null,
    attempts integer not null,
    enqueued_at integer not null,
    failed_at integer not null,
    error text not null
  )`,
  "create index if not exists queue_dead_letters_queue on queue_dead_letters (queue_name, seq)",
];

/** Postgres (`w7s_`-prefixed, in the configured schema). */
export const PG_QUEUE_SCHEMA_STATEMENTS: readonly string[] = [
  `create table if not exists w7s_queue_messages (
    seq bigserial primary key,
    id text not null unique,
    queue_name text not null,
    body text not null,
    enqueued_at bigint not null,
    visible_at bigint not null,
    attempts integer not null default 0,
    lease_token text,
    last_error text
  )`,
  "create index if not exists w7s_queue_messages_visible on w7s_queue_messages (visible_at, seq)",
  "create index if not exists w7s_queue_messages_queue on w7s_queue_messages (queue_name, seq)",
  `create table if not exists w7s_queue_dead_letters (
    seq bigserial primary key,
    id text not null unique,
    queue_name text not null,
    body text not null,
    attempts integer not null,
    enqueued_at bigint not null,
    failed_at bigint not null,
    error text not null
  )`,
  "create index if not exists w7s_queue_dead_letters_queue on w7s_queue_dead_letters (queue_name, seq)",
];
