/**
 * Usage recording for hot paths: `record` merges an event into an in-memory buffer and returns at once,
 * and the buffer goes to the UsageStore's increments every `flushIntervalMs`, on `flush` and when the
 * recorder's scope closes, so a request never waits for the database. Each merged entry is one atomic
 * increment; one that fails goes back into the buffer and is retried with the next flush, so totals stay
 * exact. A crash loses what was recorded since the last successful flush: at most one interval
 * (~200 ms) while the database answers.
 */
import type { StoreError, UsageIncrement, UsageStore } from "@w7s/core";
import { type Cause, Effect, Exit, Schedule, type Scope, Semaphore } from "effect";

/** Buffers usage events and flushes them to a UsageStore. */
export interface UsageRecorder {
  /** Adds one event to the buffer; never waits for the store (after the scope closed, writes through). */
  readonly record: (event: UsageIncrement) => Effect.Effect<void>;
  /** Writes everything recorded so far; fails with the first StoreError, keeping what failed for later. */
  readonly flush: Effect.Effect<void, StoreError>;
  /** How many merged entries wait for a flush. */
  readonly pending: () => number;
}

export interface UsageRecorderOptions {
  /** Time between background flushes; 200 ms by default. */
  readonly flushIntervalMs?: number;
  /** Increments in flight at once during a flush; 4 by default. */
  readonly flushConcurrency?: number;
}

/** Events that differ only in counts and time add up to one increment. */
const bufferKey = (event: UsageIncrement): string =>
  [
    event.date,
    event.environment,
    event.orgSlug,
    event.repoSlug,
    event.metric,
    event.outcome,
    event.source ?? "",
  ].join("\n");

const addTo = (buffer: Map<string, UsageIncrement>, event: UsageIncrement): void => {
  const key = bufferKey(event);
  const held = buffer.get(key);
  buffer.set(
    key,
    held === undefined
      ? event
      : {
          ...held,
          repository: event.repository,
          count: held.count + event.count,
          units: held.units + event.units,
          // biome-ignore lint/complexity/useMathMinMax: ISO timestamps compare as strings
          at: event.at > held.at ? event.at : held.at,
        },
  );
};

/** A recorder over `store`; its background flush runs until the scope closes, which flushes once more. */
export const makeUsageRecorder = (
  store: UsageStore["Service"],
  options: UsageRecorderOptions = {},
): Effect.Effect<UsageRecorder, never, Scope.Scope> =>
  Effect.gen(function* () {
    const flushIntervalMs = options.flushIntervalMs ?? 200;
    const concurrency = options.flushConcurrency ?? 4;
    let buffer = new Map<string, UsageIncrement>();
    let closed = false;
    const oneFlushAtATime = yield* Semaphore.make(1);

    const writeBuffer = Effect.suspend(() => {
      if (buffer.size === 0) return Effect.void;
      const batch = [...buffer.values()];
      buffer = new Map();
      return Effect.forEach(batch, (entry) => Effect.exit(store.increment(entry)), { concurrency }).pipe(
        Effect.flatMap((exits) => {
          let failure: Cause.Cause<StoreError> | undefined;
          exits.forEach((exit, index) => {
            if (Exit.isSuccess(exit)) return;
            addTo(buffer, batch[index]!);
            failure ??= exit.cause;
          });
          return failure === undefined ? Effect.void : Effect.failCause(failure);
        }),
      );
    });
    // Uninterruptible: an interrupted flush would drop the entries it took from the buffer, while some of
    // their increments might still commit.
    const flush = oneFlushAtATime.withPermit(Effect.uninterruptible(writeBuffer));

    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true;
      }).pipe(
        Effect.andThen(flush),
        Effect.retry({ times: 2, schedule: Schedule.spaced(100) }),
        Effect.ignore,
      ),
    );
    yield* Effect.forkScoped(
      Effect.forever(Effect.sleep(flushIntervalMs).pipe(Effect.andThen(Effect.ignore(flush)))),
    );

    return {
      record: (event) =>
        closed ? Effect.ignore(store.increment(event)) : Effect.sync(() => addTo(buffer, event)),
      flush,
      pending: () => buffer.size,
    };
  });
