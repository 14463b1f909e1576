/**
 * Platform analytics events on Workers Analytics Engine (`ANALYTICS`), beside the control plane's rows: each
 * event the core records is also written as one data point in the G.3 layout, so an operator can query the
 * account's dataset with the SQL API. The analytics read API keeps reading the Durable Object, whose counts
 * are exact; Analytics Engine samples at high volume and is eventually consistent, so it is never read back.
 */
import { type AnalyticsEvent, AnalyticsSink } from "@w7s/core";
import { Effect, Layer } from "effect";

/** The index when an event belongs to no app (G.3). */
export const PLATFORM_INDEX = "w7s-core";

/**
 * Blob positions in a data point (`blob1` is index 0). The first nine are in every point; the last four
 * are filled for `runtime_request` only and are empty strings otherwise.
 */
export const ANALYTICS_BLOBS = [
  "event",
  "repository",
  "environment",
  "orgSlug",
  "repoSlug",
  "outcome",
  "source",
  "target",
  "method",
  "host",
  "path",
  "userAgent",
  "colo",
] as const satisfies ReadonlyArray<keyof AnalyticsEvent>;

/** Double positions (`double1` is index 0): the event's weight, its HTTP status and its duration. */
export const ANALYTICS_DOUBLES = ["count", "status", "durationMs"] as const satisfies ReadonlyArray<
  keyof AnalyticsEvent
>;

const REQUEST_ONLY = new Set<string>(["host", "path", "userAgent", "colo"]);
const DOUBLE_DEFAULTS = { count: 1, status: 0, durationMs: 0 } as const;

// G.3: the index at most 96 characters (Analytics Engine refuses one over 96 bytes; owner/repo slugs are
// ASCII, so characters are bytes), every blob at most 1024 characters.
const text = (value: string | undefined, max = 1024) => (value ?? "").slice(0, max);
const finite = (value: number | undefined, fallback: number) =>
  value !== undefined && Number.isFinite(value) ? value : fallback;

/** The data point of one event: index = the app (`owner/repo`), blobs and doubles in the orders above. */
export const analyticsDataPointOf = (event: AnalyticsEvent): AnalyticsEngineDataPoint => ({
  indexes: [text(event.repository ?? PLATFORM_INDEX, 96)],
  blobs: ANALYTICS_BLOBS.map((field) =>
    REQUEST_ONLY.has(field) && event.event !== "runtime_request" ? "" : text(event[field]),
  ),
  doubles: ANALYTICS_DOUBLES.map((field) => finite(event[field], DOUBLE_DEFAULTS[field])),
});

/**
 * Wraps the AnalyticsSink so that every written event is also a data point in `dataset`. The point is
 * written first and never fails the write: `writeDataPoint` only queues it, and a throw (a point over the
 * product's limits) is logged for the operator and dropped, as analytics writes are best effort (G.3).
 */
export const writeAnalyticsTo = (dataset: AnalyticsEngineDataset) =>
  Layer.effect(
    AnalyticsSink,
    Effect.gen(function* () {
      const sink = yield* AnalyticsSink;
      return AnalyticsSink.of({
        ...sink,
        write: (event) =>
          Effect.sync(() => {
            try {
              dataset.writeDataPoint(analyticsDataPointOf(event));
            } catch (error) {
              console.error(`w7s: Analytics Engine write failed: ${String(error)}`);
            }
          }).pipe(Effect.andThen(sink.write(event))),
      });
    }),
  );
