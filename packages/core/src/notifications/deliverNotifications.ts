/**
 * The background half of notifications: claim what the outbox holds, send each message through the
 * Notifier, and settle it. A failure worth retrying (Telegram down, slow or asking us to wait) comes back
 * after a doubling delay; a refusal (unknown chat, wrong token) or a message out of attempts is dropped and
 * reported, so one bad chat never blocks the others.
 */
import { Effect } from "effect";
import { Ids } from "../ports/Ids.js";
import { NotificationStore } from "../ports/NotificationStore.js";
import { Notifier } from "../ports/Notifier.js";
import type { NotifyError } from "../ports/PortErrors.js";
import type { ClaimedOutboxMessage } from "../ports/records/Notification.js";

export interface NotificationDeliveryPolicy {
  /** Messages claimed (and sent side by side) per round. */
  readonly batchSize: number;
  /** How long a claimed message stays hidden from other claimers. */
  readonly leaseMs: number;
  /** Attempts before a message is given up. */
  readonly maxAttempts: number;
  /** Delay after the first failed attempt; it doubles with each further one, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Twelve attempts over about an hour and a half. */
export const defaultNotificationDeliveryPolicy: NotificationDeliveryPolicy = {
  batchSize: 10,
  leaseMs: 30_000,
  maxAttempts: 12,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
};

/** Whether a failure may go away by itself. */
export const isRetryable = (error: NotifyError): boolean =>
  error.reason === "Unavailable" || error.reason === "Timeout" || error.reason === "RateLimited";

/** The wait before attempt `attempts + 1`: doubling from the base, at least what Telegram asked for. */
export const retryDelayMs = (
  attempts: number,
  policy: NotificationDeliveryPolicy,
  retryAfterSeconds?: number,
): number => {
  const doubled = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return retryAfterSeconds === undefined ? doubled : Math.max(doubled, retryAfterSeconds * 1000);
};

/** What one round did; `dropped` names each message given up and why. */
export interface DeliveryReport {
  readonly sent: number;
  readonly retried: number;
  readonly dropped: ReadonlyArray<{ readonly id: string; readonly event: string; readonly error: string }>;
}

type Settled =
  | { readonly _tag: "Sent" }
  | { readonly _tag: "Retried" }
  | { readonly _tag: "Dropped"; readonly error: string };

const settle = (message: ClaimedOutboxMessage, policy: NotificationDeliveryPolicy) =>
  Effect.gen(function* () {
    const store = yield* NotificationStore;
    const notifier = yield* Notifier;
    const failure = yield* notifier.send(message.message).pipe(Effect.flip, Effect.option);
    if (failure._tag === "None") {
      yield* store.remove(message);
      return { _tag: "Sent" } as Settled;
    }
    const error = failure.value;
    if (isRetryable(error) && message.attempts < policy.maxAttempts) {
      const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
      const delay = retryDelayMs(message.attempts, policy, error.retryAfterSeconds);
      yield* store.retryLater(message, new Date(now + delay).toISOString(), error.message);
      return { _tag: "Retried" } as Settled;
    }
    yield* store.remove(message);
    return { _tag: "Dropped", error: error.message } as Settled;
  });

/** One round: claims up to a batch and settles each message; a store failure leaves the lease to run out. */
export const deliverNotifications = (
  policy: NotificationDeliveryPolicy = defaultNotificationDeliveryPolicy,
) =>
  Effect.gen(function* () {
    const store = yield* NotificationStore;
    const ids = yield* Ids;
    const claimed = yield* store.claim({
      limit: policy.batchSize,
      leaseMs: policy.leaseMs,
      leaseToken: yield* ids.randomUuid(),
    });
    const outcomes = yield* Effect.forEach(claimed, (message) => settle(message, policy), {
      concurrency: 4,
    });
    const report: DeliveryReport = {
      sent: outcomes.filter((outcome) => outcome._tag === "Sent").length,
      retried: outcomes.filter((outcome) => outcome._tag === "Retried").length,
      dropped: outcomes.flatMap((outcome, index) =>
        outcome._tag === "Dropped"
          ? [{ id: claimed[index]!.id, event: claimed[index]!.event, error: outcome.error }]
          : [],
      ),
    };
    return report;
  });
