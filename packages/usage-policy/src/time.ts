/** UTC calendar arithmetic on instants the caller reads from its clock: usage dates, next midnight, retry delays. */

/** A clock reading: a `Date` or epoch milliseconds. Callers pass valid instants; this package never reads a clock. */
export type Instant = Date | number;

const DAY_MS = 86_400_000;

/** Epoch milliseconds of an instant. */
export const epochMillis = (instant: Instant): number =>
  typeof instant === "number" ? instant : instant.getTime();

/** ISO 8601 text of epoch milliseconds; `Invalid Date` instead of throwing for a non-finite value. */
export const isoString = (millis: number): string =>
  Number.isFinite(millis) ? new Date(millis).toISOString() : "Invalid Date";

/** The UTC calendar date (`YYYY-MM-DD`) an instant falls on: the day a usage event counts against. */
export const usageDate = (now: Instant): string => isoString(epochMillis(now)).slice(0, 10);

/** The first 00:00:00.000 UTC strictly after `now`: when daily counters and limit suspensions reset. */
export const nextUtcMidnight = (now: Instant): Date =>
  new Date((Math.floor(epochMillis(now) / DAY_MS) + 1) * DAY_MS);

/** Whole seconds from `now` until `until`, rounded up and at least 1: the value of a `retry-after` header. */
export const secondsUntil = (now: Instant, until: Instant): number => {
  const seconds = Math.ceil((epochMillis(until) - epochMillis(now)) / 1000);
  return Number.isFinite(seconds) ? Math.max(1, seconds) : 1;
};

/** `retry-after` seconds for a daily limit: until the next 00:00 UTC, at least 1. */
export const secondsUntilNextUtcMidnight = (now: Instant): number => secondsUntil(now, nextUtcMidnight(now));
