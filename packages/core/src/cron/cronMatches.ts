/** Whether parsed cron schedules are due at a UTC minute (E.5): five bit tests per schedule, AND over all fields. */
import type { CronSchedule } from "@w7s/manifest";
import { Data, Result } from "effect";

/**
 * The single bit each field of one UTC minute sets in a `CronSchedule` mask. Exactly one of the two
 * minute bits is non-zero. An invalid date has every bit zero, so nothing is due at it.
 */
export interface MinuteFields {
  readonly minuteLowBit: number;
  readonly minuteHighBit: number;
  readonly hourBit: number;
  readonly dayOfMonthBit: number;
  readonly monthBit: number;
  readonly dayOfWeekBit: number;
}

const noMinute: MinuteFields = {
  minuteLowBit: 0,
  minuteHighBit: 0,
  hourBit: 0,
  dayOfMonthBit: 0,
  monthBit: 0,
  dayOfWeekBit: 0,
};

/** Computes the bits of `date`'s UTC minute once, to test many schedules against it. */
export const minuteFields = (date: Date): MinuteFields => {
  if (Number.isNaN(date.getTime())) return noMinute;
  const minute = date.getUTCMinutes();
  return {
    minuteLowBit: minute < 32 ? 1 << minute : 0,
    minuteHighBit: minute < 32 ? 0 : 1 << (minute - 32),
    hourBit: 1 << date.getUTCHours(),
    dayOfMonthBit: 1 << date.getUTCDate(),
    monthBit: 1 << (date.getUTCMonth() + 1),
    dayOfWeekBit: 1 << date.getUTCDay(),
  };
};

/** True when every field of `schedule` contains the minute (no day-of-month/day-of-week OR rule). */
export const scheduleMatchesFields = (schedule: CronSchedule, fields: MinuteFields): boolean =>
  ((schedule.minutesLow & fields.minuteLowBit) | (schedule.minutesHigh & fields.minuteHighBit)) !== 0 &&
  (schedule.hours & fields.hourBit) !== 0 &&
  (schedule.daysOfMonth & fields.dayOfMonthBit) !== 0 &&
  (schedule.months & fields.monthBit) !== 0 &&
  (schedule.daysOfWeek & fields.dayOfWeekBit) !== 0;

/** True when `schedule` fires at the UTC minute containing `date`: `0 0 13 * 5` only on Friday the 13th. */
export const cronMatches = (schedule: CronSchedule, date: Date): boolean =>
  scheduleMatchesFields(schedule, minuteFields(date));

/** The schedules due at `minute`, in input order; only the result array is allocated. */
export const dueSchedules = <S extends CronSchedule>(
  schedules: ReadonlyArray<S>,
  minute: Date | MinuteFields,
): Array<S> => {
  const fields = minute instanceof Date ? minuteFields(minute) : minute;
  const due: Array<S> = [];
  for (let index = 0; index < schedules.length; index++) {
    const schedule = schedules[index]!;
    if (scheduleMatchesFields(schedule, fields)) due.push(schedule);
  }
  return due;
};

/** A scheduled time that is not a representable date. */
export class InvalidScheduledTime extends Data.TaggedError("InvalidScheduledTime")<{
  readonly path: string;
  readonly message: string;
}> {}

const MINUTE_MS = 60_000;

/** The scheduled time floored to its minute, as ISO (`2026-05-25T12:10:42Z` -> `2026-05-25T12:10:00.000Z`). */
export const scheduledMinute = (time: Date | number): Result.Result<string, InvalidScheduledTime> => {
  const millis = typeof time === "number" ? time : time.getTime();
  const floored = new Date(Math.floor(millis / MINUTE_MS) * MINUTE_MS);
  return Number.isNaN(floored.getTime())
    ? Result.fail(
        new InvalidScheduledTime({ path: "scheduledTime", message: "Scheduled time must be a valid date." }),
      )
    : Result.succeed(floored.toISOString());
};
