import { Clock, Effect, Layer } from "effect";
import { beforeEach, describe, expect, it } from "vitest";
import { type MemoryWorld, makeMemoryWorld, memoryPorts } from "../../test/memoryPorts.js";
import { manualClock } from "../../test/testClock.js";
import { defaultPlatformConfig } from "../platformConfig.js";
import { type CapturedBatch, captureLogBatches, captureLogs, clampLogRetention } from "./captureLogs.js";

const NOW = Date.parse("2026-05-26T12:00:10.000Z");
const app = { environment: "production", orgSlug: "acme", repoSlug: "noisy" };
let world: MemoryWorld;
const run = <A>(effect: Effect.Effect<A, never, never>) =>
  Effect.runPromise(
    Effect.provide(
      effect,
      Layer.provideMerge(memoryPorts(world), Layer.succeed(Clock.Clock, manualClock(NOW))),
    ) as never,
  ) as Promise<A>;
beforeEach(() => {
  world = makeMemoryWorld();
});

const batch = (lines: number): CapturedBatch => ({
  app,
  scriptName: "acme--noisy",
  secrets: ["hunter2-secret"],
  traces: [
    {
      outcome: "ok",
      logs: Array.from({ length: lines }, (_, index) => ({ message: [`line ${index} hunter2-secret`] })),
    },
  ],
});
const capture = (lines: number) =>
  run(captureLogs(batch(lines), defaultPlatformConfig) as never) as Promise<{
    stored: number;
    dropped: number;
  }>;

describe("G.2 storing captured logs under log.write limits", () => {
  it("stores the batch with its retention, counts log.write, and keeps no secret", async () => {
    expect(await capture(3)).toMatchObject({ stored: 3, dropped: 0 });
    expect(world.observability.logs).toHaveLength(3);
    expect(world.observability.logs[0]?.expiresAt).toBe(NOW + 604_800_000);
    expect(JSON.stringify(world.observability.logs)).not.toContain("hunter2-secret");
    expect(
      world.usage.rollups.get("repo:2026-05-26:production:acme:noisy")?.metrics["log.write"],
    ).toMatchObject({
      count: 3,
      units: 3,
    });
  });

  it("counts each stateful-object invocation as one durable_object.request, by outcome, logs or not", async () => {
    const objectTrace = (outcome: string) => ({ outcome, executionModel: "durableObject", logs: [] });
    await run(
      captureLogBatches(
        [
          { ...batch(0), traces: [objectTrace("ok"), objectTrace("ok"), { outcome: "ok", logs: [] }] },
          { ...batch(1), traces: [objectTrace("exception"), ...batch(1).traces] },
        ],
        defaultPlatformConfig,
      ) as never,
    );
    expect(
      world.usage.rollups.get("repo:2026-05-26:production:acme:noisy")?.metrics["durable_object.request"],
    ).toMatchObject({ count: 3, units: 3, success: 2, error: 1 });
  });

  it("records the object usage a runtime counted itself once per metric, summed over the group", async () => {
    const usageTrace = (objectUsage: Record<string, unknown>) => ({
      outcome: "ok",
      executionModel: "durableObject",
      logs: [],
      objectUsage,
    });
    await run(
      captureLogBatches(
        [
          {
            ...batch(0),
            traces: [
              usageTrace({ requests: 3, errors: 1, durationMs: 120, rowsRead: 4, rowsWritten: 2 }),
              { outcome: "ok", logs: [] },
            ],
          },
          {
            ...batch(1),
            traces: [
              usageTrace({
                requests: 1,
                readUnits: 2,
                writeUnits: 3,
                deletes: 1,
                rowsRead: -5,
                durationMs: "x",
              }),
            ],
          },
        ],
        defaultPlatformConfig,
      ) as never,
    );
    const metrics = world.usage.rollups.get("repo:2026-05-26:production:acme:noisy")?.metrics;
    expect(metrics?.["durable_object.request"]).toMatchObject({ count: 5, units: 5, success: 4, error: 1 });
    expect(metrics?.["durable_object.duration_ms"]).toMatchObject({ count: 5, units: 120 });
    expect(metrics?.["durable_object.rows_read"]).toMatchObject({ count: 4, units: 4 });
    expect(metrics?.["durable_object.rows_written"]).toMatchObject({ count: 2, units: 2 });
    expect(metrics?.["durable_object.storage_read_units"]).toMatchObject({ count: 2, units: 2 });
    expect(metrics?.["durable_object.storage_write_units"]).toMatchObject({ count: 3, units: 3 });
    expect(metrics?.["durable_object.storage_deletes"]).toMatchObject({ count: 1, units: 1 });
    // A usage trace is not a log record.
    expect(world.observability.logs).toHaveLength(0);
  });

  it("drops a whole batch that would pass the daily limit, and later ones that still would", async () => {
    world.usage.policies.set("usage_limit_policy:v1:repo:acme:noisy", {
      version: 1,
      metrics: { "log.write": 10 },
    });
    expect(await capture(8)).toMatchObject({ stored: 8 });
    expect(await capture(3)).toMatchObject({ stored: 0, dropped: 3 });
    expect(await capture(2)).toMatchObject({ stored: 2 });
    expect(world.observability.logs).toHaveLength(10);
  });

  it("drops a whole batch that would pass the burst window (500 a minute)", async () => {
    expect(await capture(100)).toMatchObject({ stored: 100 });
    for (let index = 0; index < 3; index += 1) await capture(100);
    expect(await capture(100)).toMatchObject({ stored: 100 });
    expect(await capture(1)).toMatchObject({ stored: 0, dropped: 1 });
  });

  it("decides batches that arrive together as one-by-one checks in arrival order would", async () => {
    world.usage.policies.set("usage_limit_policy:v1:repo:acme:noisy", {
      version: 1,
      metrics: { "log.write": 10 },
    });
    const outcomes = (await run(
      captureLogBatches([batch(4), batch(4), batch(3), batch(2)], defaultPlatformConfig) as never,
    )) as Array<{ stored: number; dropped: number }>;
    expect(outcomes.map((outcome) => [outcome.stored, outcome.dropped])).toEqual([
      [4, 0],
      [4, 0],
      [0, 3],
      [2, 0],
    ]);
    expect(world.observability.logs).toHaveLength(10);
  });

  it("fills the burst window batch by batch once the whole group does not fit", async () => {
    for (let index = 0; index < 4; index += 1) await capture(100);
    await capture(95);
    const outcomes = (await run(
      captureLogBatches([batch(3), batch(3), batch(2), batch(1)], defaultPlatformConfig) as never,
    )) as Array<{ stored: number; dropped: number }>;
    expect(outcomes.map((outcome) => outcome.stored)).toEqual([3, 0, 2, 0]);
    expect([...world.usage.bursts.values()]).toEqual([500, 500, 500]);
  });

  it.each([
    [undefined, 604_800],
    [10, 60],
    [3600, 3600],
    [99_999_999, 2_592_000],
    [Number.NaN, 604_800],
  ])("retention %s s is clamped to %i s", (seconds, clamped) => {
    expect(clampLogRetention(seconds)).toBe(clamped);
  });
});
