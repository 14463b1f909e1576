/**
 * QueueBroker on Cloudflare Queues: every managed queue rides the platform's one Cloudflare Queue (the
 * message names its managed queue), the core Worker is its consumer, and `consumeQueueBatch` applies the
 * core's delivery rules: one request per managed queue's batch, the whole batch retried after
 * `retryDelaySeconds`, a message past `maxRetries` kept as a dead letter in the control-plane object, and
 * a batch a usage limit deferred sent again later without using an attempt.
 */
import {
  type DeliveredQueueMessage,
  defaultQueueDeliveryPolicy,
  QueueBroker,
  type QueueDeliveryOutcome,
  type QueueDeliveryPolicy,
  type QueueMessageEnvelope,
} from "@w7s/core";
import { Effect, Layer } from "effect";
import { deliveryUnavailable as unavailable } from "../deliveryErrors.js";
import type { ControlPlaneStub } from "../state/controlPlaneClient.js";

/** The body of one message on the platform queue. */
export interface PlatformQueueMessage {
  readonly queueName: string;
  readonly id: string;
  readonly enqueuedAt: number;
  readonly envelope: unknown;
  /** Attempts already used before this copy was sent (a deferred batch is re-sent with its count). */
  readonly usedAttempts?: number;
}

/** The broker on the platform queue's producer binding. */
export const makeCloudflareQueueBroker = (
  producer: Queue<PlatformQueueMessage>,
  control: ControlPlaneStub,
): QueueBroker["Service"] => ({
  send: (queueName, envelope: QueueMessageEnvelope, options) =>
    Effect.tryPromise({
      try: () =>
        producer.send(
          { queueName, id: crypto.randomUUID(), enqueuedAt: Date.now(), envelope },
          { contentType: "json", ...(options?.delaySeconds ? { delaySeconds: options.delaySeconds } : {}) },
        ),
      catch: unavailable("QueueBroker.send"),
    }),
  deadLetters: (queueName, page) =>
    Effect.tryPromise({
      try: () => control.deadLetters(queueName, page.limit, page.cursor),
      catch: unavailable("QueueBroker.deadLetters"),
    }),
});

/** The QueueBroker Layer. */
export const cloudflareQueueBrokerLayer = (
  producer: Queue<PlatformQueueMessage>,
  control: ControlPlaneStub,
): Layer.Layer<QueueBroker> => Layer.succeed(QueueBroker, makeCloudflareQueueBroker(producer, control));

export interface QueueConsumerOptions {
  readonly producer: Queue<PlatformQueueMessage>;
  readonly control: ControlPlaneStub;
  /** The core's `deliverQueueBatch` run with the Worker's services. */
  readonly deliver: (batch: {
    queueName: string;
    messages: DeliveredQueueMessage[];
  }) => Promise<QueueDeliveryOutcome>;
  readonly policy?: QueueDeliveryPolicy;
}

/** Handles one batch of the platform queue (the core Worker's `queue` handler). */
export const consumeQueueBatch = async (
  batch: MessageBatch<PlatformQueueMessage>,
  options: QueueConsumerOptions,
): Promise<void> => {
  const policy = options.policy ?? defaultQueueDeliveryPolicy;
  const maxAttempts = 1 + policy.maxRetries;
  const groups = new Map<string, Message<PlatformQueueMessage>[]>();
  for (const message of batch.messages) {
    const queueName = message.body?.queueName;
    if (typeof queueName !== "string") {
      message.ack();
      continue;
    }
    const group = groups.get(queueName) ?? [];
    group.push(message);
    groups.set(queueName, group);
  }
  const attemptsOf = (message: Message<PlatformQueueMessage>) =>
    message.attempts + (message.body.usedAttempts ?? 0);
  for (const [queueName, messages] of groups) {
    for (let start = 0; start < messages.length; start += policy.batchSize) {
      const chunk = messages.slice(start, start + policy.batchSize);
      let outcome: QueueDeliveryOutcome;
      try {
        outcome = await options.deliver({
          queueName,
          messages: chunk.map((message) => ({
            id: message.body.id,
            attempts: attemptsOf(message),
            timestamp: new Date(message.body.enqueuedAt).toISOString(),
            body: message.body.envelope,
          })),
        });
      } catch (error) {
        outcome = { _tag: "Failed", error: error instanceof Error ? error.message : String(error) };
      }
      if (outcome._tag === "Acked") {
        for (const message of chunk) message.ack();
        continue;
      }
      if (outcome._tag === "Deferred") {
        // Sent again with the attempts used so far, so the limit delays the messages without using one.
        const delaySeconds = Math.min(43_200, Math.max(1, Math.ceil(outcome.retryAfterSeconds)));
        await options.producer.sendBatch(
          chunk.map((message) => ({
            body: { ...message.body, usedAttempts: attemptsOf(message) - 1 },
            contentType: "json",
            delaySeconds,
          })),
        );
        for (const message of chunk) message.ack();
        continue;
      }
      const last = chunk.filter((message) => attemptsOf(message) >= maxAttempts);
      if (last.length > 0) {
        const failedAt = Date.now();
        await options.control.recordDeadLetters(
          last.map((message) => ({
            id: message.body.id,
            queueName,
            body: JSON.stringify(message.body.envelope),
            attempts: attemptsOf(message),
            enqueuedAt: message.body.enqueuedAt,
            failedAt,
            error: outcome.error,
          })),
        );
        for (const message of last) message.ack();
      }
      for (const message of chunk)
        if (attemptsOf(message) < maxAttempts) message.retry({ delaySeconds: policy.retryDelaySeconds });
    }
  }
};
