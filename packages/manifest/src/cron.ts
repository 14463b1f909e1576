/** The five-field UTC cron grammar of schedules (E.5), parsed into bit masks a matcher can test in O(1). */
import { Data, Result } from "effect";

/**
 * A parsed cron expression. Each mask has bit `v` set when value `v` matches; minutes are split in two
 * 32-bit halves so every mask stays an unsigned 32-bit integer.
 */
export interface CronSchedule {
  /** The expression with runs of whitespace collapsed to one space and the ends trimmed. */
  readonly expression: string;
  /** Bit `m` set for minute `m` in 0..31. */
  readonly minutesLow: number;
  /** Bit `m - 32` set for minute `m` in 32..59. */
  readonly minutesHigh: number;
  /** Bit `h` set for hour `h` in 0..23. */
  readonly hours: number;
  /** Bit `d` set for day of month `d` in 1..31. */
  readonly daysOfMonth: number;
  /** Bit `m` set for month `m` in 1..12. */
  readonly months: number;
  /** Bit `d` set for weekday `d` in 0..6 (Sunday is 0; a written 7 is folded into 0). */
  readonly daysOfWeek: number;
}

/** A cron expression the grammar of E.5 rejects; `message` is the exact user-facing text. */
export class InvalidCron extends Data.TaggedError("InvalidCron")<{
  readonly expression: string;
  readonly message: string;
}> {}

interface FieldRange {
  readonly min: number;
  readonly max: number;
}

const FIELD_RANGES: readonly FieldRange[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12 },
  { min: 0, max: 7 },
];

const DIGITS = /^\d+$/;

/** Collapses whitespace runs to single spaces and trims, the form that is stored and echoed (E.5). */
export const collapseCronWhitespace = (expression: string): string =>
  expression.trim().split(/\s+/).join(" ");

type FieldValues = Result.Result<readonly number[], string>;

const fieldNumber = (text: string, field: string, range: FieldRange): Result.Result<number, string> => {
  if (!DIGITS.test(text)) return Result.fail(`Invalid cron field "${field}".`);
  const value = Number(text);
  if (value < range.min || value > range.max) {
    return Result.fail(`Cron field "${field}" must be between ${range.min} and ${range.max}.`);
  }
  return Result.succeed(value);
};

const itemValues = (item: string, field: string, range: FieldRange): FieldValues => {
  const parts = item.split("/");
  if (parts.length > 2) return Result.fail(`Invalid cron field "${field}".`);
  const base = parts[0] ?? "";
  const stepText = parts[1];

  let low: number;
  let high: number;
  let isSingleValue = false;
  if (base === "*") {
    low = range.min;
    high = range.max;
  } else {
    const bounds = base.split("-");
    if (bounds.length > 2) return Result.fail(`Invalid cron field "${field}".`);
    const first = fieldNumber(bounds[0] ?? "", field, range);
    if (Result.isFailure(first)) return Result.fail(first.failure);
    low = first.success;
    if (bounds.length === 2) {
      const second = fieldNumber(bounds[1] ?? "", field, range);
      if (Result.isFailure(second)) return Result.fail(second.failure);
      high = second.success;
    } else {
      high = low;
      isSingleValue = true;
    }
  }

  let step = 1;
  if (stepText !== undefined) {
    // The step is checked against the field's own range before anything else (E.5: `*/60`, `*/0`).
    const parsedStep = fieldNumber(stepText, field, range);
    if (Result.isFailure(parsedStep)) return Result.fail(parsedStep.failure);
    if (parsedStep.success === 0) return Result.fail(`Cron field "${field}" has an invalid step.`);
    if (isSingleValue) return Result.fail(`Cron field "${field}" can only step ranges or *.`);
    step = parsedStep.success;
  }
  if (low > high) return Result.fail(`Cron field "${field}" has an invalid range.`);

  const values: number[] = [];
  for (let value = low; value <= high; value += step) values.push(value);
  return Result.succeed(values);
};

const fieldValues = (field: string, range: FieldRange): FieldValues => {
  const values: number[] = [];
  for (const item of field.split(",")) {
    if (item === "") return Result.fail(`Invalid cron field "${field}".`);
    const parsed = itemValues(item, field, range);
    if (Result.isFailure(parsed)) return parsed;
    values.push(...parsed.success);
  }
  return Result.succeed(values);
};

const maskOf = (values: readonly number[], offset = 0): number => {
  let mask = 0;
  for (const value of values) {
    const bit = value - offset;
    if (bit >= 0 && bit < 32) mask |= 1 << bit;
  }
  return mask >>> 0;
};

/** Parses a five-field cron expression (E.5), or fails with the exact message of the first bad field. */
export const parseCron = (expression: string): Result.Result<CronSchedule, InvalidCron> => {
  const collapsed = collapseCronWhitespace(expression);
  const fields = collapsed === "" ? [] : collapsed.split(" ");
  const fail = (message: string) => Result.fail(new InvalidCron({ expression: collapsed, message }));
  if (fields.length !== 5) return fail("Cron expressions must have five fields.");

  const parsed: (readonly number[])[] = [];
  for (const [index, field] of fields.entries()) {
    const values = fieldValues(field, FIELD_RANGES[index]!);
    if (Result.isFailure(values)) return fail(values.failure);
    parsed.push(values.success);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = parsed as [
    readonly number[],
    readonly number[],
    readonly number[],
    readonly number[],
    readonly number[],
  ];
  return Result.succeed({
    expression: collapsed,
    minutesLow: maskOf(minutes),
    minutesHigh: maskOf(minutes, 32),
    hours: maskOf(hours),
    daysOfMonth: maskOf(daysOfMonth),
    months: maskOf(months),
    daysOfWeek: maskOf(daysOfWeek.map((day) => (day === 7 ? 0 : day))),
  });
};
