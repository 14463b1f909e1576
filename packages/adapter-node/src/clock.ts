/**
 * Wall-clock time for the server's delivery loops and for Effect's `Clock`, from one source, so tests can run
 * a server on a simulated clock (queue delays, retries, schedules) and production runs on `Date.now`.
 * Sleeping and monotonic time always stay real.
 */
import { Clock, Effect } from "effect";

/** What the loops read the time from (ms since the epoch). */
export interface WallClock {
  readonly now: () => number;
}

export const systemClock: WallClock = { now: () => Date.now() };

/** A clock that moves only when told to (tests). */
export interface ManualClock extends WallClock {
  readonly advance: (ms: number) => number;
  readonly set: (ms: number) => void;
}

export const makeManualClock = (start: number = Date.now()): ManualClock => {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
      return current;
    },
    set: (ms) => {
      current = ms;
    },
  };
};

/** Real time plus an offset that only moves forward when told to: time flows, and tests can jump ahead. */
export const makeAdjustableClock = (): ManualClock => {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
      return Date.now() + offset;
    },
    set: (ms) => {
      offset = ms - Date.now();
    },
  };
};

/** Effect's `Clock` reading wall time from `wall`; provide it as `Clock.Clock`. */
export const effectClockOf = (wall: WallClock): Clock.Clock => {
  const real = Clock.Clock.defaultValue();
  return {
    currentTimeMillisUnsafe: () => wall.now(),
    currentTimeMillis: Effect.sync(() => wall.now()),
    currentTimeNanosUnsafe: () => BigInt(wall.now()) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(wall.now()) * 1_000_000n),
    monotonicTimeNanosUnsafe: () => real.monotonicTimeNanosUnsafe(),
    monotonicTimeNanos: real.monotonicTimeNanos,
    sleep: (duration) => real.sleep(duration),
  };
};
