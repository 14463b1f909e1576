/**
 * Log capture wired to the core: batches the tail workers deliver within a few milliseconds of each other
 * are handed to the core's `captureLogBatches` together, one group at a time, so a busy app costs one read
 * of its limits and one write of its records per group instead of per request. When the store falls far
 * behind, new batches are refused (the tail worker drops them) instead of piling up.
 */
import {
  type AppRef,
  type CaptureOutcome,
  captureLogBatches,
  defaultPlatformConfig,
  type Ids,
  type LogStore,
  type TailTrace,
  type UsagePolicyStore,
  type UsageStore,
  warnDropped,
} from "@w7s/core";
import { Effect } from "effect";
import type { LogSink, TailBatch } from "../runtime/workerdRuntime.js";

export interface LogCaptureOptions {
  /** `W7S_LOG_RETENTION_SECONDS` (default 7 days, clamped to 60 s … 30 days). */
  readonly retentionSeconds?: number | undefined;
  /** Owners whose `log.write` is never limited (F.7). */
  readonly limitExemptOwners?: ReadonlyArray<string> | undefined;
  /** Told what became of each batch (operator metrics). */
  readonly onCapture?: ((outcome: CaptureOutcome) => void) | undefined;
  /** Batches waiting at most before new ones are refused (default 2,000). */
  readonly maxWaiting?: number;
  /** How long the first batch of a group waits for others (default 10 ms). */
  readonly groupWindowMs?: number;
  /** Batches per group at most (default 500). */
  readonly maxGroup?: number;
}

interface Waiting {
  readonly batch: TailBatch;
  readonly done: () => void;
  readonly failed: (error: unknown) => void;
}

/** A LogSink over the core's capture, running with the services of the calling context. */
export const makeLogCaptureSink = (
  options: LogCaptureOptions = {},
): Effect.Effect<LogSink, never, LogStore | UsageStore | UsagePolicyStore | Ids> =>
  Effect.gen(function* () {
    const context = yield* Effect.context<LogStore | UsageStore | UsagePolicyStore | Ids>();
    const config = { ...defaultPlatformConfig, limitExemptOwners: options.limitExemptOwners ?? [] };
    const maxWaiting = options.maxWaiting ?? 2_000;
    const windowMs = options.groupWindowMs ?? 10;
    const maxGroup = options.maxGroup ?? 500;
    // A runaway app would log a warning per group: one line per app every 10 s, with the count since.
    const quiet = new Map<string, { until: number; dropped: number }>();
    const throttled = (app: AppRef, dropped: number, reason: string) =>
      Effect.suspend(() => {
        const key = `${app.environment}\u0000${app.orgSlug}\u0000${app.repoSlug}`;
        const now = Date.now();
        const held = quiet.get(key);
        if (held !== undefined && held.until > now) {
          held.dropped += dropped;
          return Effect.void;
        }
        quiet.set(key, { until: now + 10_000, dropped: 0 });
        if (quiet.size > 10_000) quiet.delete(quiet.keys().next().value!);
        return warnDropped(app, dropped + (held?.dropped ?? 0), reason);
      });
    const captureOptions = {
      ...(options.retentionSeconds === undefined ? {} : { retentionSeconds: options.retentionSeconds }),
      warnDropped: throttled,
    };
    const waiting: Waiting[] = [];
    let draining = false;

    // One group at a time: each group's limit decisions start from what the previous one counted.
    const drain = async () => {
      draining = true;
      try {
        while (waiting.length > 0) {
          const group = waiting.splice(0, maxGroup);
          try {
            const outcomes = await Effect.runPromiseWith(context)(
              captureLogBatches(
                group.map(({ batch }) => ({
                  app: batch.app,
                  scriptName: batch.scriptName,
                  secrets: batch.secrets,
                  traces: batch.traces as ReadonlyArray<TailTrace>,
                })),
                config,
                captureOptions,
              ),
            );
            for (const outcome of outcomes) options.onCapture?.(outcome);
            for (const entry of group) entry.done();
          } catch (error) {
            for (const entry of group) entry.failed(error);
          }
        }
      } finally {
        draining = false;
      }
    };

    return (batch) =>
      new Promise<void>((done, failed) => {
        if (waiting.length >= maxWaiting) {
          failed(new Error("log capture is behind; batch refused"));
          return;
        }
        waiting.push({ batch, done, failed });
        if (!draining && waiting.length === 1) setTimeout(() => void drain(), windowMs);
      });
  });
