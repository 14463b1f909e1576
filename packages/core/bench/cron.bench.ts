/**
 * Cron matching throughput: our bit-mask matcher against croner on the same schedules, measured in one run.
 * Run with `pnpm --filter @w7s/core bench`. Prints ops/s (schedule checks per second) and the ratio.
 */
import { type CronSchedule, parseCron } from "@w7s/manifest";
import { Cron } from "croner";
import { Result } from "effect";
import { cronMatches, dueSchedules, minuteFields } from "../src/cron/cronMatches.js";

const SCHEDULE_COUNT = 10_000;
const WARMUP_ROUNDS = 3;
const MEASURED_ROUNDS = 7;
/** Croner is sampled on every Nth schedule for the day sweep, so the run stays short; ops/s normalizes it. */
const CRONER_SWEEP_STRIDE = 50;

/** mulberry32: a small deterministic PRNG so every run benches the same schedules. */
const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const random = seededRandom(0x5eed);
const between = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

const randomItem = (min: number, max: number): string => {
  const kind = random();
  if (kind < 0.35) return "*";
  if (kind < 0.5) return `*/${between(1, Math.min(max, 15))}`;
  if (kind < 0.75) return String(between(min, max));
  const a = between(min, max);
  const b = between(a, max);
  return kind < 0.9 ? `${a}-${b}` : `${a}-${b}/${between(1, 5)}`;
};

const randomField = (min: number, max: number): string =>
  Array.from({ length: random() < 0.8 ? 1 : between(2, 3) }, () => randomItem(min, max)).join(",");

const randomExpression = (): string =>
  [randomField(0, 59), randomField(0, 23), randomField(1, 31), randomField(1, 12), randomField(0, 7)].join(
    " ",
  );

const realisticExpressions = [
  "* * * * *",
  "*/5 * * * *",
  "*/15 * * * *",
  "0 * * * *",
  "0 9 * * 1-5",
  "30 8-18 * * 1-5",
  "0 0 * * *",
  "0 0 1 * *",
  "0 0 13 * 5",
  "15,45 * * * *",
  "0 6,12,18 * * *",
  "0 22 * * 0,6",
  "0 3 * * 7",
  "10-20 4 * 1-6 *",
];

const expressions = Array.from({ length: SCHEDULE_COUNT }, (_, index) =>
  index % 2 === 0 ? realisticExpressions[(index / 2) % realisticExpressions.length]! : randomExpression(),
);

const schedules: Array<CronSchedule> = expressions.map((expression) => {
  const parsed = parseCron(expression);
  if (Result.isFailure(parsed)) throw new Error(`bench generated an invalid expression: ${expression}`);
  return parsed.success;
});
const croners = expressions.map((expression) => new Cron(expression, { utcOffset: 0, domAndDow: true }));

const theMinute = new Date("2026-05-25T09:15:00Z"); // a Monday morning
const dayStart = Date.parse("2026-02-13T00:00:00Z"); // a Friday the 13th
const dayMinutes = Array.from({ length: 1440 }, (_, minute) => new Date(dayStart + minute * 60_000));
const sampledCroners = croners.filter((_, index) => index % CRONER_SWEEP_STRIDE === 0);
const sampledSchedules = schedules.filter((_, index) => index % CRONER_SWEEP_STRIDE === 0);

const verify = (
  label: string,
  ours: ReadonlyArray<CronSchedule>,
  theirs: ReadonlyArray<Cron>,
  minutes: Date[],
) => {
  for (const minute of minutes) {
    for (let index = 0; index < ours.length; index++) {
      const expected = theirs[index]!.match(minute);
      if (cronMatches(ours[index]!, minute) !== expected) {
        console.error(
          `MISMATCH (${label}) at ${minute.toISOString()}: ${theirs[index]!.getPattern()} croner=${expected}`,
        );
        process.exit(1);
      }
    }
  }
};

verify("one minute", schedules, croners, [theMinute]);
verify("day sweep", sampledSchedules, sampledCroners, dayMinutes);

let sink = 0;

/** Runs `job` (which performs `checks` schedule checks) repeatedly; returns the median ops/s. */
const measure = (checks: number, job: () => number): number => {
  const rates: Array<number> = [];
  for (let round = 0; round < WARMUP_ROUNDS + MEASURED_ROUNDS; round++) {
    let repetitions = 0;
    const started = performance.now();
    let elapsed = 0;
    do {
      sink += job();
      repetitions++;
      elapsed = performance.now() - started;
    } while (elapsed < 150);
    if (round >= WARMUP_ROUNDS) rates.push((checks * repetitions) / (elapsed / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
};

const oursOneMinute = measure(schedules.length, () => dueSchedules(schedules, theMinute).length);
const cronerOneMinute = measure(croners.length, () => {
  let due = 0;
  for (const cron of croners) if (cron.match(theMinute)) due++;
  return due;
});

const oursSweep = measure(schedules.length * dayMinutes.length, () => {
  let due = 0;
  for (const minute of dayMinutes) due += dueSchedules(schedules, minuteFields(minute)).length;
  return due;
});
const cronerSweep = measure(sampledCroners.length * dayMinutes.length, () => {
  let due = 0;
  for (const minute of dayMinutes) for (const cron of sampledCroners) if (cron.match(minute)) due++;
  return due;
});

const format = (opsPerSecond: number): string => `${(opsPerSecond / 1e6).toFixed(2)} M checks/s`;
const report = (label: string, ours: number, theirs: number): void => {
  console.log(`${label}`);
  console.log(`  @w7s/core dueSchedules : ${format(ours)}`);
  console.log(`  croner 11 match        : ${format(theirs)}`);
  console.log(
    `  ratio                  : ${(ours / theirs).toFixed(1)}x ${ours / theirs >= 5 ? "(goal >= 5x met)" : "(goal >= 5x NOT met)"}`,
  );
};

console.log(`cron.bench: ${SCHEDULE_COUNT} schedules, verified equal to croner (AND day semantics, UTC)`);
report(`one minute (${theMinute.toISOString()})`, oursOneMinute, cronerOneMinute);
report(`day sweep (1440 minutes; croner on every ${CRONER_SWEEP_STRIDE}th schedule)`, oursSweep, cronerSweep);
if (sink === -1) console.log(sink);
