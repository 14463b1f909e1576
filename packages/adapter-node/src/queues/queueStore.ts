/**
 * The durable queue on the embedded SQLite database: messages, leases and dead letters in `<dataDir>/w7s.db`.
 * Every claim runs in one `BEGIN IMMEDIATE` transaction, which every process on the file takes in turn, so
 * no two claimers ever lease the same message.
 */
import type { DeadLetter, Page } from "@w7s/core";
import type { EmbeddedDatabase } from "../store/sqlite.js";

/** One message to enqueue. */
export interface QueuedMessage {
  readonly id: string;
  readonly queueName: string;
  /** The envelope as JSON text. */
  readonly body: string;
  readonly enqueuedAt: number;
  readonly visibleAt: number;
}

/** A message under this claimer's lease; `attempts` already counts this delivery (1 the first time). */
export interface LeasedMessage {
  readonly seq: number;
  readonly id: string;
  readonly queueName: string;
  readonly body: string;
  readonly enqueuedAt: number;
  readonly attempts: number;
}

/** Messages of one queue leased together under `leaseToken`, settled together. */
export interface LeasedBatch {
  readonly queueName: string;
  readonly leaseToken: string;
  readonly messages: ReadonlyArray<LeasedMessage>;
}

export interface ClaimRequest {
  readonly now: number;
  readonly leaseMs: number;
  readonly batchSize: number;
  readonly leaseToken: string;
}

/** What both databases implement; every operation is atomic on its own. */
export interface DurableQueueStore {
  /** Inserts messages (one transaction, so a burst of sends costs one commit). */
  readonly send: (messages: ReadonlyArray<QueuedMessage>) => Promise<void>;
  /** Leases up to `batchSize` visible messages of the queue whose oldest message is visible longest. */
  readonly claim: (request: ClaimRequest) => Promise<LeasedBatch | undefined>;
  /** Deletes the batch; false when the lease was lost (another claimer holds it now). */
  readonly ack: (batch: LeasedBatch) => Promise<boolean>;
  /** Makes the batch visible again at `visibleAt` with its last error; `refund` gives its attempt back. */
  readonly retry: (
    batch: LeasedBatch,
    visibleAt: number,
    error: string,
    options?: { readonly refund?: boolean },
  ) => Promise<boolean>;
  /** Moves messages of the batch to the dead letters. */
  readonly deadLetter: (
    batch: LeasedBatch,
    messages: ReadonlyArray<LeasedMessage>,
    failedAt: number,
    error: string,
  ) => Promise<void>;
  /** Pushes the lease's end to `until` while a delivery is still running. */
  readonly extend: (batch: LeasedBatch, until: number) => Promise<boolean>;
  readonly deadLetters: (
    queueName: string,
    limit: number,
    cursor: string | undefined,
  ) => Promise<Page<DeadLetter>>;
  /** Messages not yet delivered (tests, diagnostics). */
  readonly pending: (queueName?: string) => Promise<number>;
  readonly close: () => Promise<void>;
}

interface DeadLetterRow {
  seq: number;
  id: string;
  queue_name: string;
  body: string;
  attempts: number;
  enqueued_at: number;
  failed_at: number;
  error: string;
}

/** A dead-letter row as the API shows it; a body that is not JSON is shown as text. */
export const deadLetterOf = (row: DeadLetterRow): DeadLetter => {
  let body: unknown;
  try {
    body = JSON.parse(row.body);
  } catch {
    body = row.body;
  }
  return {
    id: row.id,
    queueName: row.queue_name,
    attempts: Number(row.attempts),
    enqueuedAt: new Date(Number(row.enqueued_at)).toISOString(),
    failedAt: new Date(Number(row.failed_at)).toISOString(),
    error: row.error,
    body,
  };
};

/** Dead-letter cursors are the `seq` of the last row shown, as a decimal string. */
export const parseDeadLetterCursor = (cursor: string | undefined): number | undefined => {
  if (cursor === undefined) return undefined;
  if (!/^\d{1,15}$/.test(cursor)) throw new Error(`Unknown dead-letter cursor ${JSON.stringify(cursor)}.`);
  return Number(cursor);
};

const placeholders = (count: number): string => Array.from({ length: count }, () => "?").join(", ");

export const makeSqliteQueueStore = (db: EmbeddedDatabase, release: () => void): DurableQueueStore => {
  const seqs = (batch: LeasedBatch, messages = batch.messages) => messages.map((message) => message.seq);
  return {
    send: async (messages) => {
      if (messages.length === 0) return;
      db.transaction(() => {
        for (const message of messages)
          db.query(
            "insert into queue_messages (id, queue_name, body, enqueued_at, visible_at) values (?, ?, ?, ?, ?)",
            [message.id, message.queueName, message.body, message.enqueuedAt, message.visibleAt],
          );
      });
    },

    claim: async ({ now, leaseMs, batchSize, leaseToken }) => {
      // Idle loops ask often: a plain read first, so they take the file's write lock only when there is work.
      if (db.query("select 1 from queue_messages where visible_at <= ? limit 1", [now]).length === 0)
        return undefined;
      return db.transaction(() => {
        const head = db.query<{ queue_name: string }>(
          "select queue_name from queue_messages where visible_at <= ? order by visible_at, seq limit 1",
          [now],
        )[0];
        if (head === undefined) return undefined;
        const rows = db.query<{
          seq: number;
          id: string;
          body: string;
          enqueued_at: number;
          attempts: number;
        }>(
          "select seq, id, body, enqueued_at, attempts from queue_messages where queue_name = ? and visible_at <= ? order by seq limit ?",
          [head.queue_name, now, batchSize],
        );
        db.query(
          `update queue_messages set attempts = attempts + 1, lease_token = ?, visible_at = ? where seq in (${placeholders(rows.length)})`,
          [leaseToken, now + leaseMs, ...rows.map((row) => row.seq)],
        );
        return {
          queueName: head.queue_name,
          leaseToken,
          messages: rows.map((row) => ({
            seq: Number(row.seq),
            id: row.id,
            queueName: head.queue_name,
            body: row.body,
            enqueuedAt: Number(row.enqueued_at),
            attempts: Number(row.attempts) + 1,
          })),
        };
      });
    },

    ack: async (batch) =>
      db.query<{ seq: number }>(
        `delete from queue_messages where lease_token = ? and seq in (${placeholders(batch.messages.length)}) returning seq`,
        [batch.leaseToken, ...seqs(batch)],
      ).length > 0,

    retry: async (batch, visibleAt, error, options) =>
      db.query<{ seq: number }>(
        `update queue_messages set visible_at = ?, lease_token = null, last_error = ?, attempts = attempts - ? where lease_token = ? and seq in (${placeholders(batch.messages.length)}) returning seq`,
        [visibleAt, error, options?.refund === true ? 1 : 0, batch.leaseToken, ...seqs(batch)],
      ).length > 0,

    deadLetter: async (batch, messages, failedAt, error) => {
      if (messages.length === 0) return;
      db.transaction(() => {
        const moved = db.query<{
          id: string;
          queue_name: string;
          body: string;
          attempts: number;
          enqueued_at: number;
        }>(
          `delete from queue_messages where lease_token = ? and seq in (${placeholders(messages.length)}) returning id, queue_name, body, attempts, enqueued_at`,
          [batch.leaseToken, ...seqs(batch, messages)],
        );
        for (const row of moved)
          db.query(
            "insert into queue_dead_letters (id, queue_name, body, attempts, enqueued_at, failed_at, error) values (?, ?, ?, ?, ?, ?, ?) on conflict (id) do nothing",
            [row.id, row.queue_name, row.body, row.attempts, row.enqueued_at, failedAt, error],
          );
      });
    },

    extend: async (batch, until) =>
      db.query<{ seq: number }>(
        `update queue_messages set visible_at = ? where lease_token = ? and seq in (${placeholders(batch.messages.length)}) returning seq`,
        [until, batch.leaseToken, ...seqs(batch)],
      ).length > 0,

    deadLetters: async (queueName, limit, cursor) => {
      const before = parseDeadLetterCursor(cursor);
      const rows = db.query<DeadLetterRow>(
        `select * from queue_dead_letters where queue_name = ?${before === undefined ? "" : " and seq < ?"} order by seq desc limit ?`,
        before === undefined ? [queueName, limit + 1] : [queueName, before, limit + 1],
      );
      const page = rows.slice(0, limit);
      return {
        items: page.map(deadLetterOf),
        cursor: rows.length > limit ? String(page[page.length - 1]!.seq) : null,
      };
    },

    pending: async (queueName) =>
      Number(
        (queueName === undefined
          ? db.query<{ n: number }>("select count(*) as n from queue_messages", [])
          : db.query<{ n: number }>("select count(*) as n from queue_messages where queue_name = ?", [
              queueName,
            ]))[0]?.n ?? 0,
      ),

    close: async () => release(),
  };
};
