import { Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CronSchedule, parseCron } from "./cron.js";

const messageOf = (expression: string): string | undefined => {
  const parsed = parseCron(expression);
  return Result.isFailure(parsed) ? parsed.failure.message : undefined;
};

const scheduleOf = (expression: string): CronSchedule => {
  const parsed = parseCron(expression);
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.message);
  return parsed.success;
};

const minuteMatches = (schedule: CronSchedule, minute: number): boolean =>
  minute < 32
    ? (schedule.minutesLow & (1 << minute)) !== 0
    : (schedule.minutesHigh & (1 << (minute - 32))) !== 0;

describe("E.5 cron grammar: rejected expressions", () => {
  it.each([
    ["", "Cron expressions must have five fields."],
    ["   ", "Cron expressions must have five fields."],
    ["* * * *", "Cron expressions must have five fields."],
    ["* * * * * *", "Cron expressions must have five fields."],
    ["1,,2 * * * *", 'Invalid cron field "1,,2".'],
    [",1 * * * *", 'Invalid cron field ",1".'],
    ["1, * * * *", 'Invalid cron field "1,".'],
    ["* * * * MON", 'Invalid cron field "MON".'],
    ["* * * JAN *", 'Invalid cron field "JAN".'],
    ["* * ? * *", 'Invalid cron field "?".'],
    ["* * L * *", 'Invalid cron field "L".'],
    ["* * * * 5#3", 'Invalid cron field "5#3".'],
    ["*/2/3 * * * *", 'Invalid cron field "*/2/3".'],
    ["1-2-3 * * * *", 'Invalid cron field "1-2-3".'],
    ["-5 * * * *", 'Invalid cron field "-5".'],
    ["*/x * * * *", 'Invalid cron field "*/x".'],
    ["1.5 * * * *", 'Invalid cron field "1.5".'],
    ["*/60 * * * *", 'Cron field "*/60" must be between 0 and 59.'],
    ["60 * * * *", 'Cron field "60" must be between 0 and 59.'],
    ["* 24 * * *", 'Cron field "24" must be between 0 and 23.'],
    ["* * 0 * *", 'Cron field "0" must be between 1 and 31.'],
    ["* * 32 * *", 'Cron field "32" must be between 1 and 31.'],
    ["* * * 0 *", 'Cron field "0" must be between 1 and 12.'],
    ["* * * 13 *", 'Cron field "13" must be between 1 and 12.'],
    ["* * * * 8", 'Cron field "8" must be between 0 and 7.'],
    ["*/0 * * * *", 'Cron field "*/0" has an invalid step.'],
    ["* * */0 * *", 'Cron field "*/0" must be between 1 and 31.'],
    ["* * * */13 *", 'Cron field "*/13" must be between 1 and 12.'],
    ["5/2 * * * *", 'Cron field "5/2" can only step ranges or *.'],
    ["5-1 * * * *", 'Cron field "5-1" has an invalid range.'],
    ["5-1/2 * * * *", 'Cron field "5-1/2" has an invalid range.'],
    ["1,60 * * * *", 'Cron field "1,60" must be between 0 and 59.'],
  ])("%j -> %s", (expression, message) => {
    expect(messageOf(expression)).toBe(message);
  });

  it("keeps the collapsed expression on the error", () => {
    const parsed = parseCron("  60   *  * * * ");
    expect(Result.isFailure(parsed) && parsed.failure).toMatchObject({
      _tag: "InvalidCron",
      expression: "60 * * * *",
    });
  });
});

describe("E.5 cron grammar: accepted expressions", () => {
  it.each([
    ["*/5 * * * *", "*/5 * * * *"],
    ["  0\t12 \n *  *   1-5 ", "0 12 * * 1-5"],
    ["0 0 13 * 5", "0 0 13 * 5"],
  ])("%j is stored as %j", (expression, collapsed) => {
    expect(scheduleOf(expression).expression).toBe(collapsed);
  });

  it("builds unsigned masks for every field", () => {
    expect(scheduleOf("* * * * *")).toEqual({
      expression: "* * * * *",
      minutesLow: 0xffffffff,
      minutesHigh: 0x0fffffff,
      hours: 0x00ffffff,
      daysOfMonth: 0xfffffffe,
      months: 0x1ffe,
      daysOfWeek: 0x7f,
    });
  });

  it.each([
    ["0 0 1 1 0", { minutesLow: 1, minutesHigh: 0, hours: 1, daysOfMonth: 2, months: 2, daysOfWeek: 1 }],
    [
      "59 23 31 12 6",
      {
        minutesLow: 0,
        minutesHigh: 1 << 27,
        hours: 1 << 23,
        daysOfMonth: 0x80000000,
        months: 1 << 12,
        daysOfWeek: 1 << 6,
      },
    ],
    ["31,32 * * * 7", { minutesLow: 0x80000000, minutesHigh: 1, daysOfWeek: 1 }],
    [
      "0-10/5 1,3 1-3 2-4/2 5-7",
      {
        minutesLow: 0b10000100001,
        hours: 0b1010,
        daysOfMonth: 0b1110,
        months: 0b10100,
        daysOfWeek: 0b1100001,
      },
    ],
    [
      "*/15 */6 */10 */5 */2",
      {
        minutesLow: (1 | (1 << 15) | (1 << 30)) >>> 0,
        minutesHigh: 1 << 13,
        hours: (1 << 0) | (1 << 6) | (1 << 12) | (1 << 18),
        daysOfMonth: ((1 << 1) | (1 << 11) | (1 << 21) | (1 << 31)) >>> 0,
        months: (1 << 1) | (1 << 6) | (1 << 11),
        daysOfWeek: 0b1010101,
      },
    ],
  ])("%s", (expression, masks) => {
    const schedule = scheduleOf(expression);
    expect(schedule).toMatchObject(masks);
    for (const key of [
      "minutesLow",
      "minutesHigh",
      "hours",
      "daysOfMonth",
      "months",
      "daysOfWeek",
    ] as const) {
      expect(schedule[key]).toBeGreaterThanOrEqual(0);
    }
  });

  it("sets exactly the listed minutes (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 20 }),
        (minutes) => {
          const schedule = scheduleOf(`${minutes.join(",")} * * * *`);
          for (let minute = 0; minute < 60; minute++) {
            expect(minuteMatches(schedule, minute)).toBe(minutes.includes(minute));
          }
        },
      ),
    );
  });

  it("collapsing whitespace never changes the result (property)", () => {
    const field = fc.constantFrom("*", "1", "1-5", "*/2", "0,3");
    const space = fc.constantFrom(" ", "  ", "\t", " \n ");
    fc.assert(
      fc.property(fc.array(field, { minLength: 5, maxLength: 5 }), space, (fields, gap) => {
        expect(parseCron(` ${fields.join(gap)} `)).toEqual(parseCron(fields.join(" ")));
      }),
    );
  });
});
