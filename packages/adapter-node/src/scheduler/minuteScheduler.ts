/**
 * The per-minute scheduler of one server. It runs each UTC minute once it has begun, and on start it runs
 * the current minute at once: a server restarted within a minute catches it up, and the schedule locks make
 * that (and every other server doing the same) harmless. Minutes missed while this server was busy are run
 * late, at most `maxCatchUpMinutes` of them.
 */
export interface MinuteSchedulerOptions {
  /** Runs one minute (the core's `dispatchScheduledMinute`), `minute` being its first millisecond. */
  readonly runMinute: (minute: number) => Promise<unknown>;
  readonly now?: () => number;
  /** Longest pause between checks of the clock (default 1 s; a simulated clock wants it short). */
  readonly pollMs?: number;
  readonly maxCatchUpMinutes?: number;
  readonly log?: (line: string) => void;
}

export interface MinuteScheduler {
  /** Runs the current minute now (again: locks make repeats no-ops) and answers what it did. */
  readonly tick: () => Promise<unknown>;
  /** The last minute this scheduler finished, ms. */
  readonly lastMinute: () => number | undefined;
  readonly stop: () => Promise<void>;
}

const MINUTE_MS = 60_000;

export const startMinuteScheduler = (options: MinuteSchedulerOptions): MinuteScheduler => {
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 1_000;
  const maxCatchUp = options.maxCatchUpMinutes ?? 5;
  const log = options.log ?? ((line: string) => console.error(line));
  let stopped = false;
  let last: number | undefined;
  let sleeping: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  const runMinute = async (minute: number) => {
    try {
      return await options.runMinute(minute);
    } catch (error) {
      log(
        `scheduler: minute ${new Date(minute).toISOString()} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    } finally {
      if (last === undefined || minute > last) last = minute;
    }
  };

  const loop = async () => {
    while (!stopped) {
      const current = Math.floor(now() / MINUTE_MS) * MINUTE_MS;
      if (last === undefined) await runMinute(current);
      else if (current > last) {
        const first = Math.max(last + MINUTE_MS, current - (maxCatchUp - 1) * MINUTE_MS);
        for (let minute = first; minute <= current && !stopped; minute += MINUTE_MS) await runMinute(minute);
      }
      if (stopped) break;
      const untilNext = Math.floor(now() / MINUTE_MS) * MINUTE_MS + MINUTE_MS - now();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(5, Math.min(pollMs, untilNext + 5)));
        sleeping = { timer, wake: resolve };
      });
      sleeping = undefined;
    }
  };
  const running = loop();

  return {
    tick: () => runMinute(Math.floor(now() / MINUTE_MS) * MINUTE_MS),
    lastMinute: () => last,
    stop: async () => {
      stopped = true;
      if (sleeping !== undefined) {
        clearTimeout(sleeping.timer);
        sleeping.wake();
      }
      await running;
    },
  };
};
