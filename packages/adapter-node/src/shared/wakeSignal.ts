/**
 * How a delivery loop sleeps: until the next poll, or until `wakeAll` says there is work. A wake with no
 * sleeper is kept for the next wait, so work signalled between two waits is never slept through.
 */
export interface WakeSignal {
  readonly waitForWork: () => Promise<void>;
  readonly wakeAll: () => void;
}

export const makeWakeSignal = (pollMs: number): WakeSignal => {
  const waiting = new Set<() => void>();
  let wakePending = false;
  return {
    waitForWork: () =>
      new Promise<void>((resolve) => {
        if (wakePending) {
          wakePending = false;
          resolve();
          return;
        }
        const done = () => {
          clearTimeout(timer);
          waiting.delete(done);
          resolve();
        };
        const timer = setTimeout(done, pollMs);
        waiting.add(done);
      }),
    wakeAll: () => {
      if (waiting.size === 0) wakePending = true;
      for (const done of [...waiting]) done();
    },
  };
};
