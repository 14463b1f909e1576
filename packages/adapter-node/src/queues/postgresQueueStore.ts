/**
 * The durable queue on Postgres, for several servers sharing one control plane. A claim is one statement
 * that locks the rows it leases with `FOR UPDATE SKIP LOCKED`, so concurrent claimers on any number of
 * servers take disjoint batches without waiting for each other, and a lease is only ever settled by its
 * holder (`lease_token`).
 */
import type postgres from "postgres";
import {
  type DurableQueueStore,
  deadLetterOf,
  type LeasedBatch,
  parseDeadLetterCursor,
} from "./queueStore.js";

const seqs = (messages: ReadonlyArray<{ seq: number }>) => messages.map((message) => message.seq);

export const makePostgresQueueStore = (sql: postgres.Sql, close: () => Promise<void>): DurableQueueStore => ({
  send: async (messages) => {
    if (messages.length === 0) return;
    await sql`
      insert into w7s_queue_messages (id, queue_name, body, enqueued_at, visible_at)
      select * from unnest(
        ${messages.map((message) => message.id)}::text[],
        ${messages.map((message) => message.queueName)}::text[],
        ${messages.map((message) => message.body)}::text[],
        ${messages.map((message) => message.enqueuedAt)}::bigint[],
        ${messages.map((message) => message.visibleAt)}::bigint[]
      )`;
  },

  claim: async ({ now, leaseMs, batchSize, leaseToken }) => {
    const rows = await sql<
      { seq: string; id: string; queue_name: string; body: string; enqueued_at: string; attempts: number }[]
    >`
      with head as (
        select queue_name from w7s_queue_messages
        where visible_at <= ${now}
        order by visible_at, seq
        limit 1
        for update skip locked
      ), picked as (
        select seq from w7s_queue_messages
        where queue_name = (select queue_name from head) and visible_at <= ${now}
        order by seq
        limit ${batchSize}
        for update skip locked
      )
      update w7s_queue_messages as message
      set attempts = message.attempts + 1, lease_token = ${leaseToken}, visible_at = ${now + leaseMs}
      from picked
      where message.seq = picked.seq
      returning message.seq, message.id, message.queue_name, message.body, message.enqueued_at, message.attempts`;
    if (rows.length === 0) return undefined;
    const messages = rows
      .map((row) => ({
        seq: Number(row.seq),
        id: row.id,
        queueName: row.queue_name,
        body: row.body,
        enqueuedAt: Number(row.enqueued_at),
        attempts: row.attempts,
      }))
      .sort((left, right) => left.seq - right.seq);
    return { queueName: messages[0]!.queueName, leaseToken, messages };
  },

  ack: async (batch: LeasedBatch) => {
    const rows = await sql`
      delete from w7s_queue_messages
      where lease_token = ${batch.leaseToken} and seq = any(${seqs(batch.messages)}::bigint[])
      returning seq`;
    return rows.length > 0;
  },

  retry: async (batch, visibleAt, error, options) => {
    const rows = await sql`
      update w7s_queue_messages
      set visible_at = ${visibleAt}, lease_token = null, last_error = ${error},
          attempts = attempts - ${options?.refund === true ? 1 : 0}
      where lease_token = ${batch.leaseToken} and seq = any(${seqs(batch.messages)}::bigint[])
      returning seq`;
    return rows.length > 0;
  },

  deadLetter: async (batch, messages, failedAt, error) => {
    if (messages.length === 0) return;
    await sql`
      with moved as (
        delete from w7s_queue_messages
        where lease_token = ${batch.leaseToken} and seq = any(${seqs(messages)}::bigint[])
        returning id, queue_name, body, attempts, enqueued_at
      )
      insert into w7s_queue_dead_letters (id, queue_name, body, attempts, enqueued_at, failed_at, error)
      select id, queue_name, body, attempts, enqueued_at, ${failedAt}, ${error} from moved
      on conflict (id) do nothing`;
  },

  extend: async (batch, until) => {
    const rows = await sql`
      update w7s_queue_messages set visible_at = ${until}
      where lease_token = ${batch.leaseToken} and seq = any(${seqs(batch.messages)}::bigint[])
      returning seq`;
    return rows.length > 0;
  },

  deadLetters: async (queueName, limit, cursor) => {
    const before = parseDeadLetterCursor(cursor);
    const rows = await sql<
      {
        seq: string;
        id: string;
        queue_name: string;
        body: string;
        attempts: number;
        enqueued_at: string;
        failed_at: string;
        error: string;
      }[]
    >`
      select * from w7s_queue_dead_letters
      where queue_name = ${queueName} ${before === undefined ? sql`` : sql`and seq < ${before}`}
      order by seq desc
      limit ${limit + 1}`;
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) =>
        deadLetterOf({
          ...row,
          seq: Number(row.seq),
          enqueued_at: Number(row.enqueued_at),
          failed_at: Number(row.failed_at),
        }),
      ),
      cursor: rows.length > limit ? String(page[page.length - 1]!.seq) : null,
    };
  },

  pending: async (queueName) => {
    const [row] =
      queueName === undefined
        ? await sql<{ n: string }[]>`select count(*) as n from w7s_queue_messages`
        : await sql<
            { n: string }[]
          >`select count(*) as n from w7s_queue_messages where queue_name = ${queueName}`;
    return Number(row?.n ?? 0);
  },

  close,
});
