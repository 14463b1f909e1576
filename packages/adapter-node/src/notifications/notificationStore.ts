/**
 * NotificationStore on the control-plane database (SQLite or Postgres). A SQLite claim runs in one
 * `BEGIN IMMEDIATE` transaction; a Postgres claim is one statement over rows locked `FOR UPDATE SKIP
 * LOCKED`; so two servers never lease the same message, and only the lease holder settles it.
 */
import {
  ChatLink,
  ChatMessage,
  type ClaimedOutboxMessage,
  NotificationStore,
  type OutboxMessage,
  StoreError,
} from "@w7s/core";
import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Clock, Effect, Layer, Schema } from "effect";
import {
  type ControlPlaneDatabase,
  type ControlPlaneOptions,
  openControlPlaneDatabase,
  runPostgres,
} from "../store/controlPlaneDatabase.js";
import { chatLinks, NOTIFICATION_DDL, outbox, pgChatLinks, pgOutbox } from "./schema.js";

interface LinkRow {
  readonly environment: string;
  readonly org_slug: string;
  readonly repo_slug: string;
  readonly chat_id: string;
  readonly link: string;
}

interface OutboxRow {
  readonly id: string;
  readonly event: string;
  readonly message: string;
  readonly created_at: number;
  readonly visible_at: number;
  readonly attempts: number;
  readonly lease_token: string | null;
  readonly last_error: string | null;
}

interface ClaimQuery {
  readonly now: number;
  readonly limit: number;
  readonly leaseMs: number;
  readonly leaseToken: string;
}

/** The statements of one dialect. */
interface NotificationRows {
  readonly upsertLink: (row: LinkRow) => Promise<void>;
  readonly links: (
    environment: string,
    orgSlug: string,
    repoSlug: string,
  ) => Promise<Array<{ link: string }>>;
  readonly insert: (rows: ReadonlyArray<OutboxRow>) => Promise<void>;
  readonly claim: (query: ClaimQuery) => Promise<OutboxRow[]>;
  readonly remove: (id: string, leaseToken: string) => Promise<void>;
  readonly retry: (id: string, leaseToken: string, visibleAt: number, error: string) => Promise<void>;
  readonly pending: () => Promise<number>;
}

const failure = (operation: string) => (cause: unknown) =>
  new StoreError({
    reason: "Unavailable",
    operation,
    description: cause instanceof Error ? cause.message : String(cause),
    cause,
  });

const decodeLink = Schema.decodeUnknownOption(Schema.fromJsonString(ChatLink));
const decodeMessage = Schema.decodeUnknownOption(Schema.fromJsonString(ChatMessage));

export const makeStore = (rows: NotificationRows): NotificationStore["Service"] => {
  const attempt = <A>(operation: string, body: () => Promise<A>) =>
    Effect.tryPromise({ try: body, catch: failure(`NotificationStore.${operation}`) });
  return {
    linkChat: (link) =>
      attempt("linkChat", () =>
        rows.upsertLink({
          environment: link.environment,
          org_slug: link.orgSlug,
          repo_slug: link.repoSlug,
          chat_id: link.chatId,
          link: JSON.stringify(link),
        }),
      ),
    linkedChats: (app) =>
      attempt("linkedChats", async () =>
        // A row that no longer reads as a link links nothing.
        (await rows.links(app.environment, app.orgSlug, app.repoSlug)).flatMap((row) => {
          const decoded = decodeLink(row.link);
          return decoded._tag === "Some" ? [decoded.value] : [];
        }),
      ),
    enqueue: (messages) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        attempt("enqueue", () =>
          rows.insert(
            messages.map((message: OutboxMessage) => ({
              id: message.id,
              event: message.event,
              message: JSON.stringify(message.message),
              created_at: Date.parse(message.createdAt),
              visible_at: now,
              attempts: 0,
              lease_token: null,
              last_error: null,
            })),
          ),
        ),
      ),
    claim: ({ limit, leaseMs, leaseToken }) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        attempt("claim", async () => {
          const claimed: ClaimedOutboxMessage[] = [];
          for (const row of await rows.claim({ now, limit, leaseMs, leaseToken })) {
            const message = decodeMessage(row.message);
            // An unreadable message can never be sent; dropping it keeps it from coming back forever.
            if (message._tag === "None") await rows.remove(row.id, leaseToken);
            else
              claimed.push({
                id: row.id,
                event: row.event,
                message: message.value,
                createdAt: new Date(Number(row.created_at)).toISOString(),
                attempts: Number(row.attempts),
                leaseToken,
              });
          }
          return claimed;
        }),
      ),
    remove: (message) => attempt("remove", () => rows.remove(message.id, message.leaseToken)),
    retryLater: (message, retryAt, error) =>
      attempt("retryLater", () =>
        rows.retry(message.id, message.leaseToken, Date.parse(retryAt), error.slice(0, 1000)),
      ),
    pending: () => attempt("pending", () => rows.pending()),
  };
};

export const embeddedRows = (
  database: Extract<ControlPlaneDatabase, { dialect: "sqlite" }>,
): NotificationRows => {
  const { db } = database;
  const q = db.builder;
  return {
    upsertLink: async (row) =>
      db.run(
        q
          .insert(chatLinks)
          .values(row)
          .onConflictDoUpdate({
            target: [chatLinks.environment, chatLinks.org_slug, chatLinks.repo_slug, chatLinks.chat_id],
            set: { link: row.link },
          }),
      ),
    links: async (environment, orgSlug, repoSlug) =>
      db.all(
        q
          .select({ link: chatLinks.link })
          .from(chatLinks)
          .where(
            and(
              eq(chatLinks.environment, environment),
              eq(chatLinks.org_slug, orgSlug),
              eq(chatLinks.repo_slug, repoSlug),
            ),
          )
          .orderBy(asc(chatLinks.chat_id)),
      ),
    insert: async (rows) => {
      if (rows.length === 0) return;
      db.transaction(() =>
        db.run(
          q
            .insert(outbox)
            .values([...rows])
            .onConflictDoNothing(),
        ),
      );
    },
    claim: async ({ now, limit, leaseMs, leaseToken }) => {
      // Idle loops ask often: a plain read first, so they take the file's write lock only when there is work.
      const due = q.select({ id: outbox.id }).from(outbox).where(lte(outbox.visible_at, now));
      if (db.all(due.limit(1)).length === 0) return [];
      return db.transaction(() => {
        const ids = db
          .all<{ id: string }>(due.orderBy(asc(outbox.visible_at), asc(outbox.created_at)).limit(limit))
          .map((row) => row.id);
        if (ids.length === 0) return [];
        return db.all<OutboxRow>(
          q
            .update(outbox)
            .set({
              attempts: sql`${outbox.attempts} + 1`,
              lease_token: leaseToken,
              visible_at: now + leaseMs,
            })
            .where(inArray(outbox.id, ids))
            .returning(),
        );
      });
    },
    remove: async (id, leaseToken) =>
      db.run(q.delete(outbox).where(and(eq(outbox.id, id), eq(outbox.lease_token, leaseToken)))),
    retry: async (id, leaseToken, visibleAt, error) =>
      db.run(
        q
          .update(outbox)
          .set({ visible_at: visibleAt, lease_token: null, last_error: error })
          .where(and(eq(outbox.id, id), eq(outbox.lease_token, leaseToken))),
      ),
    pending: async () =>
      Number(db.all<{ n: number }>(q.select({ n: sql<number>`count(*)`.as("n") }).from(outbox))[0]?.n ?? 0),
  };
};

const postgresRows = (database: Extract<ControlPlaneDatabase, { dialect: "postgres" }>): NotificationRows => {
  const { client } = database;
  const q = drizzle.mock();
  return {
    upsertLink: async (row) => {
      await runPostgres(
        client,
        q
          .insert(pgChatLinks)
          .values(row)
          .onConflictDoUpdate({
            target: [
              pgChatLinks.environment,
              pgChatLinks.org_slug,
              pgChatLinks.repo_slug,
              pgChatLinks.chat_id,
            ],
            set: { link: row.link },
          }),
      );
    },
    links: (environment, orgSlug, repoSlug) =>
      runPostgres(
        client,
        q
          .select({ link: pgChatLinks.link })
          .from(pgChatLinks)
          .where(
            and(
              eq(pgChatLinks.environment, environment),
              eq(pgChatLinks.org_slug, orgSlug),
              eq(pgChatLinks.repo_slug, repoSlug),
            ),
          )
          .orderBy(asc(pgChatLinks.chat_id)),
      ),
    insert: async (rows) => {
      if (rows.length === 0) return;
      await runPostgres(
        client,
        q
          .insert(pgOutbox)
          .values([...rows])
          .onConflictDoNothing(),
      );
    },
    claim: ({ now, limit, leaseMs, leaseToken }) =>
      runPostgres<OutboxRow>(
        client,
        q
          .update(pgOutbox)
          .set({
            attempts: sql`${pgOutbox.attempts} + 1`,
            lease_token: leaseToken,
            visible_at: now + leaseMs,
          })
          .where(
            inArray(
              pgOutbox.id,
              q
                .select({ id: pgOutbox.id })
                .from(pgOutbox)
                .where(lte(pgOutbox.visible_at, now))
                .orderBy(asc(pgOutbox.visible_at), asc(pgOutbox.created_at))
                .limit(limit)
                .for("update", { skipLocked: true }),
            ),
          )
          .returning(),
      ),
    remove: async (id, leaseToken) => {
      await runPostgres(
        client,
        q.delete(pgOutbox).where(and(eq(pgOutbox.id, id), eq(pgOutbox.lease_token, leaseToken))),
      );
    },
    retry: async (id, leaseToken, visibleAt, error) => {
      await runPostgres(
        client,
        q
          .update(pgOutbox)
          .set({ visible_at: visibleAt, lease_token: null, last_error: error })
          .where(and(eq(pgOutbox.id, id), eq(pgOutbox.lease_token, leaseToken))),
      );
    },
    pending: async () =>
      Number(
        (
          await runPostgres<{ n: string }>(
            client,
            q.select({ n: sql<string>`count(*)`.as("n") }).from(pgOutbox),
          )
        )[0]?.n ?? 0,
      ),
  };
};

/** The NotificationStore in Postgres when `databaseUrl` is set, else in `<dataDir>/w7s.db`. */
export const notificationStoreLayer = (
  options: ControlPlaneOptions,
): Layer.Layer<NotificationStore, StoreError> =>
  Layer.effect(
    NotificationStore,
    openControlPlaneDatabase(options, NOTIFICATION_DDL, "NotificationStore.open").pipe(
      Effect.map((database) =>
        makeStore(database.dialect === "sqlite" ? embeddedRows(database) : postgresRows(database)),
      ),
    ),
  );
