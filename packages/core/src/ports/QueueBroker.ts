/** Port: durable queues between apps, delivered in batches with the documented retry policy (E.4). */
import { Context, type Effect } from "effect";
import type { DeliveryError } from "./PortErrors.js";
import type { Page, PageRequest } from "./records/Page.js";
import type { DeadLetter, QueueMessageEnvelope } from "./records/QueueMessage.js";

/** How the broker batches and retries; a failed batch is retried whole. */
export interface QueueDeliveryPolicy {
  readonly batchSize: number;
  readonly maxRetries: number;
  readonly retryDelaySeconds: number;
}

/** The reference defaults (`W7S_QUEUE_BATCH_SIZE`, `W7S_QUEUE_MAX_RETRIES`, `W7S_QUEUE_RETRY_DELAY_SECONDS`). */
export const defaultQueueDeliveryPolicy: QueueDeliveryPolicy = {
  batchSize: 10,
  maxRetries: 3,
  retryDelaySeconds: 10,
};

/**
 * Sending side of the queues, and the dead letters an owner may read. Delivery is pushed: the adapter hands
 * each `QueueBatch` to the core's `deliverQueueBatch` and retries the whole batch per `QueueDeliveryPolicy`
 * when that fails; a message past its retries is kept as a `DeadLetter`, never dropped.
 */
export class QueueBroker extends Context.Service<
  QueueBroker,
  {
    /** Enqueues one envelope on a managed queue, optionally delayed (0 to 86400 seconds); resolves once durable. */
    readonly send: (
      queueName: string,
      envelope: QueueMessageEnvelope,
      options?: { readonly delaySeconds?: number },
    ) => Effect.Effect<void, DeliveryError>;
    /** Messages of one managed queue that ran out of retries, newest first. */
    readonly deadLetters: (
      queueName: string,
      page: PageRequest,
    ) => Effect.Effect<Page<DeadLetter>, DeliveryError>;
  }
>()("@w7s/core/QueueBroker") {}
