/** What travels through a queue: the envelope the platform enqueues (E.4) and a delivered message. */
import { Schema } from "effect";

/** The envelope enqueued for every `POST /api/v1/queues/...`; `body` is the sender's JSON (`null` when empty). */
export const QueueMessageEnvelope = Schema.Struct({
  version: Schema.Literal(1),
  body: Schema.Json,
  enqueuedAt: Schema.String,
  caller: Schema.Struct({
    orgSlug: Schema.String,
    repoSlug: Schema.String,
    repository: Schema.String,
    environment: Schema.String,
  }),
  target: Schema.Struct({
    orgSlug: Schema.String,
    repoSlug: Schema.String,
    repository: Schema.String,
    queue: Schema.String,
  }),
});
export type QueueMessageEnvelope = typeof QueueMessageEnvelope.Type;

/** A message as the broker hands it back for delivery; `body` is an envelope or, for foreign messages, anything. */
export const DeliveredQueueMessage = Schema.Struct({
  id: Schema.String,
  attempts: Schema.Number,
  timestamp: Schema.String,
  body: Schema.Unknown,
});
export type DeliveredQueueMessage = typeof DeliveredQueueMessage.Type;

/** One batch of one managed queue; it is acknowledged or retried as a whole (L.30). */
export const QueueBatch = Schema.Struct({
  queueName: Schema.String,
  messages: Schema.Array(DeliveredQueueMessage),
});
export type QueueBatch = typeof QueueBatch.Type;

/** A message that failed every delivery attempt, kept for its owner to read (E.4, dead-letter API). */
export const DeadLetter = Schema.Struct({
  id: Schema.String,
  queueName: Schema.String,
  attempts: Schema.Number,
  /** When it was first enqueued and when its last attempt failed (ISO). */
  enqueuedAt: Schema.String,
  failedAt: Schema.String,
  /** Why the last attempt failed (`W7S queue consumer failed with HTTP 500.`). */
  error: Schema.String,
  /** The enqueued envelope (or a foreign message) as it was sent. */
  body: Schema.Unknown,
});
export type DeadLetter = typeof DeadLetter.Type;
