/**
 * LogStore, AnalyticsSink and SchedulerLock on both control-plane databases: the embedded SQLite file and
 * Postgres. One suite, run twice.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropTestSchemas, freshSchemaName, requirePostgres, TEST_DATABASE_URL } from "@w7s/conformance";
import { AnalyticsSink, type LogRecord, LogStore, SchedulerLock } from "@w7s/core";
import { Clock, Effect, Layer, Option } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyticsSinkLayer, logStoreLayer } from "../src/observability/index.js";
import { schedulerLockLayer } from "../src/scheduler/index.js";

const NOW = Date.parse("2026-05-26T14:00:00.000Z");
let now = NOW;
const clock: Clock.Clock = (() => {
  const real = Effect.runSync(Clock.clockWith(Effect.succeed));
  return {
    ...real,
    currentTimeMillisUnsafe: () => now,
    currentTimeMillis: Effect.sync(() => now),
  } as Clock.Clock;
})();

interface Backend {
  readonly name: string;
  readonly options: () => { dataDir: string; databaseUrl?: string; databaseSchema?: string };
}

const backends: ReadonlyArray<Backend> = [
  { name: "SQLite", options: () => ({ dataDir: mkdtempSync(join(tmpdir(), "w7s-obs-")) }) },
  {
    name: "Postgres",
    options: () => ({
      dataDir: mkdtempSync(join(tmpdir(), "w7s-obs-")),
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: freshSchemaName(),
    }),
  },
];

beforeAll(requirePostgres, 30_000);
afterAll(() => dropTestSchemas(), 30_000);

const record = (index: number, overrides: Partial<LogRecord> = {}): LogRecord => ({
  version: 1,
  id: `id${String(index).padStart(4, "0")}`,
  kind: index % 3 === 0 ? "exception" : "console",
  timestamp: new Date(NOW - 1000 * index).toISOString(),
  observedAt: new Date(NOW).toISOString(),
  environment: "production",
  orgSlug: "acme",
  repoSlug: "shop",
  repository: "acme/shop",
  scriptName: "acme--shop",
  outcome: "ok",
  level: index % 2 === 0 ? "warn" : "log",
  text: `line ${index}`,
  ...overrides,
});

const app = { environment: "production", orgSlug: "acme", repoSlug: "shop" };

describe.each(backends)("observability stores on $name", (backend) => {
  const run = <A, E>(
    options: Parameters<typeof analyticsSinkLayer>[0],
    body: Effect.Effect<A, E, LogStore | AnalyticsSink | SchedulerLock>,
  ) =>
    Effect.runPromise(
      Effect.scoped(
        body.pipe(
          Effect.provide(
            Layer.mergeAll(logStoreLayer(options), analyticsSinkLayer(options), schedulerLockLayer(options)),
          ),
          Effect.provideService(Clock.Clock, clock),
        ),
      ) as Effect.Effect<A, E | unknown, never>,
    );

  it("G.1 lists an app's records newest first, filtered, in pages that return each record once", async () => {
    now = NOW;
    const options = backend.options();
    await run(
      options,
      Effect.gen(function* () {
        const store = yield* LogStore;
        // Two records share a timestamp: the id orders them.
        yield* store.append(
          [...Array.from({ length: 30 }, (_, index) => record(index)), record(5, { id: "id9999" })],
          3600,
        );
        yield* store.append([record(1, { repoSlug: "other", id: "zz" })], 3600);
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = yield* store.query({
            app,
            from: new Date(NOW - 3_600_000).toISOString(),
            to: new Date(NOW).toISOString(),
            limit: 4,
            level: "warn",
            ...(cursor === undefined ? {} : { cursor }),
          });
          seen.push(...page.items.map((item) => item.id));
          cursor = page.cursor ?? undefined;
        } while (cursor !== undefined);
        const expected = Array.from({ length: 15 }, (_, index) => `id${String(index * 2).padStart(4, "0")}`);
        expect(seen).toEqual(expected);
        const windowed = yield* store.query({
          app,
          from: new Date(NOW - 6000).toISOString(),
          to: new Date(NOW - 4000).toISOString(),
          limit: 10,
          kind: "console",
        });
        expect(windowed.items.map((item) => item.id)).toEqual(["id0004", "id9999", "id0005"]);
        expect(windowed.cursor).toBeNull();
        const bad = yield* Effect.flip(
          store.query({
            app,
            from: new Date(0).toISOString(),
            to: new Date(NOW).toISOString(),
            limit: 1,
            cursor: "x",
          }),
        );
        expect(bad.reason).toBe("NotFound");
      }),
    );
  });

  it("G.2 records past their retention are not listed and are purged", async () => {
    now = NOW;
    const options = backend.options();
    await run(
      options,
      Effect.gen(function* () {
        const store = yield* LogStore;
        yield* store.append([record(1)], 60);
        yield* store.append([record(2)], 3600);
        now = NOW + 120_000;
        const page = yield* store.query({
          app,
          from: new Date(0).toISOString(),
          to: new Date(now).toISOString(),
          limit: 10,
        });
        expect(page.items.map((item) => item.id)).toEqual(["id0002"]);
        expect(yield* store.purgeExpired()).toBe(1);
        expect(yield* store.purgeExpired()).toBe(0);
      }),
    );
  });

  it("G.3 reports a summary, an hourly or daily series and recent events of one app and environment", async () => {
    now = NOW;
    const options = backend.options();
    await run(
      options,
      Effect.gen(function* () {
        const sink = yield* AnalyticsSink;
        const base = {
          repository: "acme/shop",
          environment: "production",
          orgSlug: "acme",
          repoSlug: "shop",
        };
        for (const [minutesAgo, status, duration] of [
          [90, 200, 10],
          [30, 200, 20],
          [20, 500, 30],
          [10, 200, 30],
        ] as const) {
          yield* sink.write({
            event: "runtime_request",
            ...base,
            timestamp: new Date(NOW - minutesAgo * 60_000).toISOString(),
            outcome: status === 200 ? "success" : "error",
            source: "worker:repo-prefix",
            method: "GET",
            host: "acme.w7s.test",
            path: "/shop/",
            userAgent: "ua",
            count: 1,
            status,
            durationMs: duration,
          });
        }
        yield* sink.write({
          event: "deploy",
          ...base,
          timestamp: new Date(NOW - 5 * 60_000).toISOString(),
          host: "x",
          status: 200,
        });
        yield* sink.write({
          event: "deploy",
          ...base,
          environment: "staging",
          timestamp: new Date(NOW).toISOString(),
        });
        const query = {
          repository: "acme/shop",
          environment: "production",
          from: new Date(NOW - 24 * 3_600_000).toISOString(),
          to: new Date(NOW).toISOString(),
          bucket: "hour" as const,
          limit: 3,
        };
        const report = Option.getOrThrow(yield* sink.query(query));
        expect(report.summary).toEqual([
          { event: "runtime_request", outcome: "success", count: 3, samples: 3, avgDurationMs: 20 },
          { event: "deploy", outcome: "", count: 1, samples: 1, avgDurationMs: 0 },
          { event: "runtime_request", outcome: "error", count: 1, samples: 1, avgDurationMs: 30 },
        ]);
        expect(report.timeseries).toEqual([
          { bucket: "2026-05-26T12:00:00.000Z", event: "runtime_request", count: 1 },
          { bucket: "2026-05-26T13:00:00.000Z", event: "deploy", count: 1 },
          { bucket: "2026-05-26T13:00:00.000Z", event: "runtime_request", count: 3 },
        ]);
        expect(report.events.map((event) => [event.event, event.status])).toEqual([
          ["deploy", 200],
          ["runtime_request", 200],
          ["runtime_request", 500],
        ]);
        // Host fields are kept for runtime requests only.
        expect(report.events[0]?.host).toBe("");
        expect(report.events[1]).toMatchObject({ host: "acme.w7s.test", path: "/shop/", userAgent: "ua" });
        const daily = Option.getOrThrow(yield* sink.query({ ...query, bucket: "day" }));
        expect(daily.timeseries.map((point) => point.bucket)).toEqual([
          "2026-05-26T00:00:00.000Z",
          "2026-05-26T00:00:00.000Z",
        ]);
        expect(yield* sink.purgeBefore(new Date(NOW - 60 * 60_000).toISOString())).toBe(1);
      }),
    );
  });

  it("G.3 a busy app's events are sampled per write, their counts and average duration kept exact", async () => {
    now = NOW;
    // One write for all of them: no background write in between.
    const options = { ...backend.options(), flushIntervalMs: 3_600_000 };
    await run(
      options,
      Effect.gen(function* () {
        const sink = yield* AnalyticsSink;
        for (let index = 0; index < 1001; index += 1) {
          yield* sink.write({
            event: "runtime_request",
            repository: "acme/busy",
            environment: "production",
            timestamp: new Date(NOW - 1000).toISOString(),
            outcome: "success",
            source: "worker:repo-prefix",
            count: 1,
            status: 200,
            durationMs: 4,
          });
        }
        const report = Option.getOrThrow(
          yield* sink.query({
            repository: "acme/busy",
            environment: "production",
            from: new Date(NOW - 60_000).toISOString(),
            to: new Date(NOW).toISOString(),
            bucket: "hour",
            limit: 50,
          }),
        );
        expect(report.summary).toEqual([
          { event: "runtime_request", outcome: "success", count: 1001, samples: 20, avgDurationMs: 4 },
        ]);
        expect(report.timeseries).toEqual([
          { bucket: "2026-05-26T13:00:00.000Z", event: "runtime_request", count: 1001 },
        ]);
        expect(report.events).toHaveLength(20);
      }),
    );
  });

  it("F.11 a lock is taken once until it expires, by one of several racing takers", async () => {
    now = NOW;
    const options = backend.options();
    await run(
      options,
      Effect.gen(function* () {
        const lock = yield* SchedulerLock;
        const attempts = yield* Effect.all(
          Array.from({ length: 8 }, () => lock.tryAcquire("cleanup_lock:v1:2026-05-26T14", 7200)),
          { concurrency: "unbounded" },
        );
        expect(attempts.filter(Boolean)).toHaveLength(1);
        expect(yield* lock.tryAcquire("cleanup_lock:v1:2026-05-26T15", 7200)).toBe(true);
        now = NOW + 7_200_001;
        expect(yield* lock.tryAcquire("cleanup_lock:v1:2026-05-26T14", 7200)).toBe(true);
      }),
    );
  });
});
