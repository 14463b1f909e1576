/**
 * The notification tables in drizzle's SQLite and Postgres dialects, with their DDL: chats linked per app
 * (one row per app and chat, the link as JSON) and the outbox, where a message is claimable once
 * `visible_at` (ms) has passed; a claim pushes it to the end of the lease, a failed attempt to its retry time.
 */
import {
  bigint,
  integer as pgInteger,
  primaryKey as pgPrimaryKey,
  pgTable,
  text as pgText,
} from "drizzle-orm/pg-core";
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const chatLinks = sqliteTable(
  "notification_chat_links",
  {
    environment: text("environment").notNull(),
    org_slug: text("org_slug").notNull(),
    repo_slug: text("repo_slug").notNull(),
    chat_id: text("chat_id").notNull(),
    link: text("link").notNull(),
  },
  (table) => [primaryKey({ columns: [table.environment, table.org_slug, table.repo_slug, table.chat_id] })],
);

export const pgChatLinks = pgTable(
  "w7s_notification_chat_links",
  {
    environment: pgText("environment").notNull(),
    org_slug: pgText("org_slug").notNull(),
    repo_slug: pgText("repo_slug").notNull(),
    chat_id: pgText("chat_id").notNull(),
    link: pgText("link").notNull(),
  },
  (table) => [pgPrimaryKey({ columns: [table.environment, table.org_slug, table.repo_slug, table.chat_id] })],
);

export const outbox = sqliteTable("notification_outbox", {
  id: text("id").primaryKey(),
  event: text("event").notNull(),
  message: text("message").notNull(),
  created_at: integer("created_at").notNull(),
  visible_at: integer("visible_at").notNull(),
  attempts: integer("attempts").notNull(),
  lease_token: text("lease_token"),
  last_error: text("last_error"),
});

export const pgOutbox = pgTable("w7s_notification_outbox", {
  id: pgText("id").primaryKey(),
  event: pgText("event").notNull(),
  message: pgText("message").notNull(),
  created_at: bigint("created_at", { mode: "number" }).notNull(),
  visible_at: bigint("visible_at", { mode: "number" }).notNull(),
  attempts: pgInteger("attempts").notNull(),
  lease_token: pgText("lease_token"),
  last_error: pgText("last_error"),
});

const linkColumns = `environment text not null, org_slug text not null, repo_slug text not null,
  chat_id text not null, link text not null, primary key (environment, org_slug, repo_slug, chat_id)`;

const outboxColumns = (int: string) => `id text primary key, event text not null, message text not null,
  created_at ${int} not null, visible_at ${int} not null, attempts integer not null, lease_token text,
  last_error text`;

/** DDL applied when the store opens. */
export const NOTIFICATION_DDL = {
  sqlite: [
    `create table if not exists notification_chat_links (${linkColumns})`,
    `create table if not exists notification_outbox (${outboxColumns("integer")})`,
    "create index if not exists notification_outbox_visible on notification_outbox (visible_at)",
  ],
  postgres: [
    `create table if not exists w7s_notification_chat_links (${linkColumns})`,
    `create table if not exists w7s_notification_outbox (${outboxColumns("bigint")})`,
    "create index if not exists w7s_notification_outbox_visible on w7s_notification_outbox (visible_at)",
  ],
} as const;
