import { type CronSchedule, parseCron } from "@w7s/manifest";
import { Result } from "effect";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { cronMatches, dueSchedules, minuteFields, scheduledMinute } from "./cronMatches.js";

const schedule = (expression: string): CronSchedule => Result.getOrThrow(parseCron(expression));

const at = (iso: string): Date => new Date(iso);

describe("E.5 cron matching, field by field (UTC)", () => {
  it.each<[string, string, boolean]>([
    // minute, both halves of the minute mask and its edges
    ["5 * * * *", "2026-05-25T12:05:00Z", true],
    ["5 * * * *", "2026-05-25T12:06:00Z", false],
    ["0 * * * *", "2026-05-25T12:00:59Z", true],
    ["31 * * * *", "2026-05-25T12:31:00Z", true],
    ["32 * * * *", "2026-05-25T12:32:00Z", true],
    ["32 * * * *", "2026-05-25T12:31:00Z", false],
    ["59 * * * *", "2026-05-25T12:59:00Z", true],
    ["30-40 * * * *", "2026-05-25T12:35:00Z", true],
    ["30-40 * * * *", "2026-05-25T12:41:00Z", false],
    ["*/15 * * * *", "2026-05-25T12:45:00Z", true],
    ["*/15 * * * *", "2026-05-25T12:50:00Z", false],
    ["10-50/20 * * * *", "2026-05-25T12:50:00Z", true],
    ["10-50/20 * * * *", "2026-05-25T12:40:00Z", false],
    ["1,2,58 * * * *", "2026-05-25T12:58:00Z", true],
    // hour
    ["0 13 * * *", "2026-05-25T13:00:00Z", true],
    ["0 13 * * *", "2026-05-25T14:00:00Z", false],
    ["0 0 * * *", "2026-05-25T00:00:00Z", true],
    ["0 23 * * *", "2026-05-25T23:00:00Z", true],
    ["0 9-17/4 * * *", "2026-05-25T17:00:00Z", true],
    ["0 9-17/4 * * *", "2026-05-25T15:00:00Z", false],
    // day of month
    ["0 0 1 * *", "2026-06-01T00:00:00Z", true],
    ["0 0 1 * *", "2026-06-02T00:00:00Z", false],
    ["0 0 31 * *", "2026-05-31T00:00:00Z", true],
    ["0 0 31 * *", "2026-04-30T00:00:00Z", false],
    ["0 0 */10 * *", "2026-05-21T00:00:00Z", true],
    ["0 0 */10 * *", "2026-05-20T00:00:00Z", false],
    // month
    ["0 0 * 1 *", "2026-01-15T00:00:00Z", true],
    ["0 0 * 12 *", "2026-12-15T00:00:00Z", true],
    ["0 0 * 12 *", "2026-11-15T00:00:00Z", false],
    ["0 0 * 6-8 *", "2026-07-15T00:00:00Z", true],
    // day of week: 2026-05-24 is a Sunday, 2026-05-25 a Monday, 2026-05-30 a Saturday
    ["0 9 * * 1-5", "2026-05-25T09:00:00Z", true],
    ["0 9 * * 1-5", "2026-05-24T09:00:00Z", false],
    ["0 9 * * 1-5", "2026-05-30T09:00:00Z", false],
    ["0 9 * * 6", "2026-05-30T09:00:00Z", true],
    ["0 9 * * 0", "2026-05-24T09:00:00Z", true],
    ["0 9 * * 7", "2026-05-24T09:00:00Z", true],
    ["0 9 * * 7", "2026-05-25T09:00:00Z", false],
    ["0 9 * * 5-7", "2026-05-24T09:00:00Z", true],
    ["0 9 * * 5-7", "2026-05-25T09:00:00Z", false],
    // AND semantics: Friday the 13th only (2026-02-13 is a Friday, 2026-01-13 a Tuesday, 2026-02-06 a Friday)
    ["0 0 13 * 5", "2026-02-13T00:00:00Z", true],
    ["0 0 13 * 5", "2026-01-13T00:00:00Z", false],
    ["0 0 13 * 5", "2026-02-06T00:00:00Z", false],
    // month and year edges
    ["0 0 29 2 *", "2028-02-29T00:00:00Z", true],
    ["0 0 29 2 *", "2026-03-01T00:00:00Z", false],
    ["59 23 31 12 *", "2026-12-31T23:59:00Z", true],
    ["0 0 1 1 *", "2027-01-01T00:00:00Z", true],
    ["0 0 1 1 *", "2026-12-31T23:59:00Z", false],
    ["* * * * *", "1970-01-01T00:00:00Z", true],
  ])("%s at %s -> %s", (expression, iso, expected) => {
    expect(cronMatches(schedule(expression), at(iso))).toBe(expected);
  });

  it("never matches an invalid date", () => {
    expect(cronMatches(schedule("* * * * *"), new Date(Number.NaN))).toBe(false);
  });
});

describe("E.5 cron matching ignores the machine's time zone", () => {
  const originalTimeZone = process.env["TZ"];
  afterEach(() => {
    if (originalTimeZone === undefined) delete process.env["TZ"];
    else process.env["TZ"] = originalTimeZone;
  });

  it.each(["Pacific/Kiritimati", "America/Los_Angeles", "Asia/Kolkata"])(
    "in %s, midnight is UTC midnight",
    (zone) => {
      process.env["TZ"] = zone;
      const utcMidnight = at("2026-05-25T00:00:00Z");
      expect(utcMidnight.getHours()).not.toBe(0);
      expect(cronMatches(schedule("0 0 * * 1"), utcMidnight)).toBe(true);
      expect(cronMatches(schedule("0 0 25 5 *"), utcMidnight)).toBe(true);
    },
  );
});

describe("E.5 due schedules of one minute", () => {
  it("returns the due schedules in input order, from a date or precomputed fields", () => {
    const tagged = ["*/5 * * * *", "0 9 * * 1-5", "10 12 * * *", "0 0 13 * 5", "* * * * *"].map(schedule);
    const minute = at("2026-05-25T12:10:42Z");
    const expected = ["*/5 * * * *", "10 12 * * *", "* * * * *"];
    expect(dueSchedules(tagged, minute).map((s) => s.expression)).toEqual(expected);
    expect(dueSchedules(tagged, minuteFields(minute)).map((s) => s.expression)).toEqual(expected);
    expect(dueSchedules([], minute)).toEqual([]);
  });
});

describe("E.5 scheduledMinute", () => {
  it.each<[Date | number, string]>([
    [at("2026-05-25T12:10:42Z"), "2026-05-25T12:10:00.000Z"],
    [at("2026-05-25T12:10:00Z"), "2026-05-25T12:10:00.000Z"],
    [at("2026-05-25T12:10:59.999Z"), "2026-05-25T12:10:00.000Z"],
    [Date.parse("2026-05-25T23:59:30Z"), "2026-05-25T23:59:00.000Z"],
    [-30_000, "1969-12-31T23:59:00.000Z"],
  ])("floors %s to %s", (time, expected) => {
    expect(scheduledMinute(time)).toEqual(Result.succeed(expected));
  });

  it.each([new Date(Number.NaN), Number.NaN, Number.POSITIVE_INFINITY, 9e15])(
    "rejects %s without throwing",
    (time) => {
      const result = scheduledMinute(time);
      expect(Result.isFailure(result)).toBe(true);
    },
  );
});

// A deliberately naive reference: expand every field to the set of values it allows.
const fieldRanges: ReadonlyArray<readonly [number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

const expandField = (text: string, min: number, max: number): Set<number> => {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const [base = "", stepText] = item.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    const [low, high] =
      base === "*" ? [min, max] : base.includes("-") ? base.split("-").map(Number) : [Number(base)];
    for (let value = low!; value <= (high ?? low!); value += step) values.add(value);
  }
  return values;
};

const naiveMatches = (expression: string, date: Date): boolean => {
  const sets = expression
    .trim()
    .split(/\s+/)
    .map((field, index) => expandField(field, ...fieldRanges[index]!));
  const daysOfWeek = sets[4]!;
  if (daysOfWeek.has(7)) daysOfWeek.add(0);
  return (
    sets[0]!.has(date.getUTCMinutes()) &&
    sets[1]!.has(date.getUTCHours()) &&
    sets[2]!.has(date.getUTCDate()) &&
    sets[3]!.has(date.getUTCMonth() + 1) &&
    daysOfWeek.has(date.getUTCDay())
  );
};

const cronItem = (min: number, max: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant("*") },
    { weight: 2, arbitrary: fc.integer({ min: 1, max }).map((step) => `*/${step}`) },
    { weight: 3, arbitrary: fc.integer({ min, max }).map(String) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
        .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.integer({ min: 1, max }))
        .map(([a, b, step]) => `${Math.min(a, b)}-${Math.max(a, b)}/${step}`),
    },
  );

const cronField = (min: number, max: number): fc.Arbitrary<string> =>
  fc.array(cronItem(min, max), { minLength: 1, maxLength: 3 }).map((items) => items.join(","));

const cronExpression: fc.Arbitrary<string> = fc
  .tuple(...fieldRanges.map(([min, max]) => cronField(min, max)), fc.constantFrom(" ", "  ", "\t"))
  .map(([minute, hour, day, month, weekday, gap]) => [minute, hour, day, month, weekday].join(gap));

describe("E.5 cronMatches agrees with a naive reference matcher", () => {
  it("on random valid schedules and minutes", () => {
    fc.assert(
      fc.property(
        cronExpression,
        fc.date({
          min: new Date("1970-01-01T00:00:00Z"),
          max: new Date("2199-12-31T23:59:59Z"),
          noInvalidDate: true,
        }),
        (expression, date) => cronMatches(schedule(expression), date) === naiveMatches(expression, date),
      ),
      { numRuns: 3000 },
    );
  });

  it("on random valid schedules over every minute of a random day", () => {
    fc.assert(
      fc.property(cronExpression, fc.integer({ min: 0, max: 60_000 }), (expression, dayNumber) => {
        const parsed = schedule(expression);
        for (let minute = 0; minute < 1440; minute += 7) {
          const date = new Date((dayNumber * 1440 + minute) * 60_000);
          if (cronMatches(parsed, date) !== naiveMatches(expression, date)) return false;
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });
});
