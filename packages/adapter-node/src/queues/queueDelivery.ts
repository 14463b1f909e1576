/**
 * The queue delivery loop of one server: workers lease a batch, hand it to the core's `deliverQueueBatch`,
 * then acknowledge it (2xx), retry it whole after the retry delay, or move the messages that used their
 * last retry to the dead letters. A lease is kept alive while its delivery runs and simply runs out when
 * the server dies, so a `kill -9` loses nothing: the batch comes again, `attempts` one higher.
 */
import { randomUUID } from "node:crypto";
import {
  defaultQueueDeliveryPolicy,
  type QueueBatch,
  type QueueDeliveryOutcome,
  type QueueDeliveryPolicy,
} from "@w7s/core";
import { makeWakeSignal } from "../shared/wakeSignal.js";
import type { DurableQueueStore, LeasedBatch, LeasedMessage } from "./queueStore.js";

export interface QueueDeliveryOptions {
  readonly store: DurableQueueStore;
  /** Delivers one batch (the core's `deliverQueueBatch` run with the server's services). */
  readonly deliver: (batch: QueueBatch) => Promise<QueueDeliveryOutcome>;
  readonly policy?: QueueDeliveryPolicy;
  /** The clock visibility, leases and retry times are measured on (ms). */
  readonly now?: () => number;
  /** How long a leased batch stays invisible to other claimers without a heartbeat (default 15 s). */
  readonly leaseMs?: number;
  /** Batches delivered at the same time by this server (default 4). */
  readonly concurrency?: number;
  /** How often an idle worker looks for work that other servers enqueued or that became visible (default 250 ms). */
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

export interface QueueDelivery {
  /** Look for work now (a message was just sent by this server). */
  readonly wake: () => void;
  /** Stops claiming and waits for the deliveries in flight (their leases run out if this is cut short). */
  readonly stop: () => Promise<void>;
}

export const DEFAULT_QUEUE_LEASE_MS = 15_000;

/** The text kept on a message whose last attempt never reported back. */
export const interruptedDeliveryMessage = (attempts: number) =>
  `Delivery attempt ${attempts - 1} did not finish (the server stopped or lost its lease) and no retries are left.`;

const parseBody = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export const startQueueDelivery = (options: QueueDeliveryOptions): QueueDelivery => {
  const policy = options.policy ?? defaultQueueDeliveryPolicy;
  const now = options.now ?? Date.now;
  const leaseMs = options.leaseMs ?? DEFAULT_QUEUE_LEASE_MS;
  const pollMs = options.pollMs ?? 250;
  const log = options.log ?? ((line: string) => console.error(line));
  const maxAttempts = 1 + policy.maxRetries;
  const { store } = options;
  let stopped = false;
  const { waitForWork, wakeAll } = makeWakeSignal(pollMs);

  const settle = async (leased: LeasedBatch) => {
    const exhausted = leased.messages.filter((message) => message.attempts > maxAttempts);
    if (exhausted.length > 0)
      await store.deadLetter(leased, exhausted, now(), interruptedDeliveryMessage(exhausted[0]!.attempts));
    const live: LeasedMessage[] = leased.messages.filter((message) => message.attempts <= maxAttempts);
    if (live.length === 0) return;
    const batch: LeasedBatch = { ...leased, messages: live };
    const heartbeat = setInterval(
      () => void store.extend(batch, now() + leaseMs).catch(() => undefined),
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    let outcome: QueueDeliveryOutcome;
    try {
      outcome = await options.deliver({
        queueName: batch.queueName,
        messages: live.map((message) => ({
          id: message.id,
          attempts: message.attempts,
          timestamp: new Date(message.enqueuedAt).toISOString(),
          body: parseBody(message.body),
        })),
      });
    } catch (error) {
      outcome = { _tag: "Failed", error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearInterval(heartbeat);
    }
    if (outcome._tag === "Acked") {
      await store.ack(batch);
      return;
    }
    if (outcome._tag === "Deferred") {
      // A usage limit blocked the delivery before it was made: same messages later, no attempt used.
      await store.retry(batch, now() + outcome.retryAfterSeconds * 1000, outcome.error, { refund: true });
      return;
    }
    // The whole batch failed: what has used its last retry is kept as a dead letter, the rest comes again.
    const last = live.filter((message) => message.attempts >= maxAttempts);
    const again = live.filter((message) => message.attempts < maxAttempts);
    if (last.length > 0) await store.deadLetter(batch, last, now(), outcome.error);
    if (again.length > 0)
      await store.retry(
        { ...batch, messages: again },
        now() + policy.retryDelaySeconds * 1000,
        outcome.error,
      );
  };

  const worker = async () => {
    while (!stopped) {
      let leased: LeasedBatch | undefined;
      try {
        leased = await store.claim({
          now: now(),
          leaseMs,
          batchSize: policy.batchSize,
          leaseToken: randomUUID(),
        });
      } catch (error) {
        log(`queue delivery: claim failed: ${error instanceof Error ? error.message : String(error)}`);
        await waitForWork();
        continue;
      }
      if (leased === undefined) {
        await waitForWork();
        continue;
      }
      try {
        await settle(leased);
      } catch (error) {
        // The lease runs out and the batch is delivered again; nothing is lost.
        log(
          `queue delivery: settling a batch failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  };

  const workers = Array.from({ length: options.concurrency ?? 4 }, () => worker());
  return {
    wake: wakeAll,
    stop: async () => {
      stopped = true;
      wakeAll();
      await Promise.all(workers);
    },
  };
};
