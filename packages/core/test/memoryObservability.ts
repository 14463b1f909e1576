/** In-memory LogStore and AnalyticsSink for the core's tests: newest-first listing, cursors, a simple report. */
import { Effect, Layer, Option } from "effect";
import { AnalyticsSink } from "../src/ports/AnalyticsSink.js";
import { LogStore } from "../src/ports/LogStore.js";
import { StoreError } from "../src/ports/PortErrors.js";
import type { AnalyticsEvent, AnalyticsReport } from "../src/ports/records/AnalyticsEvent.js";
import type { LogRecord } from "../src/ports/records/LogRecord.js";

export interface MemoryObservability {
  readonly logs: Array<{ record: LogRecord; expiresAt: number }>;
  readonly events: AnalyticsEvent[];
}

export const makeMemoryObservability = (): MemoryObservability => ({ logs: [], events: [] });

const newestFirst = (left: LogRecord, right: LogRecord) =>
  left.timestamp === right.timestamp
    ? left.id < right.id
      ? 1
      : -1
    : left.timestamp < right.timestamp
      ? 1
      : -1;

export const memoryObservabilityLayer = (
  memory: MemoryObservability,
): Layer.Layer<LogStore | AnalyticsSink> =>
  Layer.mergeAll(
    Layer.succeed(LogStore, {
      append: (records, retentionSeconds) =>
        Effect.clockWith((clock) =>
          Effect.sync(() => {
            const expiresAt = clock.currentTimeMillisUnsafe() + retentionSeconds * 1000;
            for (const record of records) memory.logs.push({ record, expiresAt });
          }),
        ),
      query: (query) =>
        Effect.clockWith((clock) => {
          const now = clock.currentTimeMillisUnsafe();
          let after: [string, string] | undefined;
          if (query.cursor !== undefined) {
            const [timestamp, id] = query.cursor.split("|");
            if (timestamp === undefined || id === undefined)
              return Effect.fail(new StoreError({ reason: "NotFound", operation: "LogStore.query" }));
            after = [timestamp, id];
          }
          const matching = memory.logs
            .filter(({ expiresAt }) => expiresAt > now)
            .map(({ record }) => record)
            .filter(
              (record) =>
                record.environment === query.app.environment &&
                record.orgSlug === query.app.orgSlug &&
                record.repoSlug === query.app.repoSlug &&
                record.timestamp >= query.from &&
                record.timestamp <= query.to &&
                (query.kind === undefined || record.kind === query.kind) &&
                (query.level === undefined || record.level === query.level) &&
                (after === undefined ||
                  record.timestamp < after[0] ||
                  (record.timestamp === after[0] && record.id < after[1])),
            )
            .sort(newestFirst);
          const items = matching.slice(0, query.limit);
          const last = items.at(-1);
          return Effect.succeed({
            items,
            cursor:
              matching.length > query.limit && last !== undefined ? `${last.timestamp}|${last.id}` : null,
          });
        }),
      purgeExpired: () =>
        Effect.clockWith((clock) =>
          Effect.sync(() => {
            const now = clock.currentTimeMillisUnsafe();
            const before = memory.logs.length;
            const kept = memory.logs.filter(({ expiresAt }) => expiresAt > now);
            memory.logs.splice(0, memory.logs.length, ...kept);
            return before - kept.length;
          }),
        ),
    }),
    Layer.succeed(AnalyticsSink, {
      write: (event) => Effect.sync(() => void memory.events.push(event)),
      query: (query) =>
        Effect.sync(() => {
          const events = memory.events.filter(
            (event) =>
              event.repository === query.repository &&
              event.environment === query.environment &&
              (event.timestamp ?? "") >= query.from &&
              (event.timestamp ?? "") <= query.to,
          );
          const report: AnalyticsReport = {
            dataset: "memory",
            summary: [],
            timeseries: [],
            events: events.slice(0, query.limit).map((event) => ({
              timestamp: event.timestamp ?? "",
              event: event.event,
              outcome: event.outcome ?? "",
              source: event.source ?? "",
              target: event.target ?? "",
              method: event.method ?? "",
              host: event.host ?? "",
              path: event.path ?? "",
              userAgent: event.userAgent ?? "",
              colo: event.colo ?? "",
              count: event.count ?? 1,
              status: event.status ?? 0,
              durationMs: event.durationMs ?? 0,
            })),
          };
          return Option.some(report);
        }),
      purgeBefore: (before) =>
        Effect.sync(() => {
          const kept = memory.events.filter((event) => (event.timestamp ?? "") >= before);
          const gone = memory.events.length - kept.length;
          memory.events.splice(0, memory.events.length, ...kept);
          return gone;
        }),
    }),
  );
