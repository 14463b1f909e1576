/** A clock tests set by hand; sleeping still waits for real, so background fibers keep running. */
import { Clock, Effect } from "effect";

export interface ManualClock extends Clock.Clock {
  now: number;
}

export const manualClock = (start: number): ManualClock => {
  const real = Effect.runSync(Clock.clockWith(Effect.succeed));
  const clock: ManualClock = {
    now: start,
    currentTimeMillisUnsafe: () => clock.now,
    currentTimeMillis: Effect.sync(() => clock.now),
    currentTimeNanosUnsafe: () => BigInt(clock.now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(clock.now) * 1_000_000n),
    monotonicTimeNanosUnsafe: () => real.monotonicTimeNanosUnsafe(),
    monotonicTimeNanos: real.monotonicTimeNanos,
    sleep: (duration) => real.sleep(duration),
  };
  return clock;
};
