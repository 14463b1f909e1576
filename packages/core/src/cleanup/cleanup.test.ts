import { Clock, Effect, Layer } from "effect";
import { beforeEach, describe, expect, it } from "vitest";
import { type MemoryWorld, makeMemoryWorld, memoryPorts } from "../../test/memoryPorts.js";
import { publishMemory } from "../../test/publishMemory.js";
import { manualClock } from "../../test/testClock.js";
import { SchedulerLock } from "../ports/SchedulerLock.js";
import { cleanupLockKey, runCleanup } from "./cleanup.js";

const NOW = Date.parse("2026-05-26T12:30:00.000Z");
let world: MemoryWorld;
let locks: Map<string, number>;
const run = <A>(effect: Effect.Effect<A, never, never>) => {
  const lockLayer = Layer.succeed(SchedulerLock, {
    tryAcquire: (key, ttl) =>
      Effect.sync(() => {
        if ((locks.get(key) ?? 0) > NOW) return false;
        locks.set(key, NOW + ttl * 1000);
        return true;
      }),
  });
  return Effect.runPromise(
    Effect.provide(
      effect,
      Layer.mergeAll(memoryPorts(world), lockLayer).pipe(
        Layer.provideMerge(Layer.succeed(Clock.Clock, manualClock(NOW))),
      ),
    ) as never,
  ) as Promise<A>;
};
beforeEach(() => {
  world = makeMemoryWorld();
  locks = new Map();
});

describe("F.11 hourly cleanup", () => {
  it("removes unreferenced old sites and backends, old usage, expired suspensions, logs and events; keeps the live and the recent", async () => {
    const live = publishMemory(world, "acme", "site", { files: { "index.html": "live" }, backend: true });
    world.backends.set(live.deploymentId, {} as never);
    world.publishedAt.set(live.deploymentId, "2026-01-01T00:00:00.000Z");
    // A replaced deployment, old enough to go, and one replaced an hour ago, kept.
    for (const [key, deployedAt] of [
      ["manifest:old", "2026-05-10T00:00:00.000Z"],
      ["manifest:recent", "2026-05-26T11:30:00.000Z"],
    ] as const) {
      world.manifests.set(key, {
        version: 1,
        orgSlug: "acme",
        repoSlug: "site",
        environment: "production",
        assetPrefix: key,
        deployedAt,
        files: { "a.txt": { path: "a", r2Key: `${key}/a`, contentType: "text/plain", size: 1, etag: "e" } },
        hasIndex: false,
      });
      world.objects.set(`${key}/a`, {
        body: new Uint8Array(1),
        metadata: { contentType: "text/plain", etag: "e" },
      });
    }
    // A deployment replaced long ago but kept for a rollback (I.5 history) keeps its files and backend.
    const kept = publishMemory(world, "acme", "kept", { files: { "k.txt": "kept" }, backend: true });
    world.deployments.delete("production:acme:kept");
    world.backends.set(kept.deploymentId, {} as never);
    world.publishedAt.set(kept.deploymentId, "2026-05-01T00:00:00.000Z");
    world.backends.set("old-backend", {} as never);
    world.publishedAt.set("old-backend", "2026-05-10T00:00:00.000Z");
    world.backends.set("recent-backend", {} as never);
    world.publishedAt.set("recent-backend", "2026-05-26T11:00:00.000Z");
    world.usage.rollups.set("repo:2026-05-01:x", { date: "2026-05-01" } as never);
    world.usage.rollups.set("repo:2026-05-20:x", { date: "2026-05-20" } as never);
    world.usage.suspensions.set("a", { resumeAfter: "2026-05-26T00:00:00.000Z" } as never);
    world.usage.suspensions.set("b", { resumeAfter: "2026-05-27T00:00:00.000Z" } as never);
    world.observability.logs.push(
      { record: {} as never, expiresAt: NOW - 1 },
      { record: {} as never, expiresAt: NOW + 1 },
    );
    world.observability.events.push(
      { event: "deploy", timestamp: "2026-05-01T00:00:00.000Z" },
      { event: "deploy", timestamp: "2026-05-26T00:00:00.000Z" },
    );

    expect(await run(runCleanup() as never)).toEqual({
      cleaned: true,
      staticManifests: 1,
      staticObjects: 1,
      workerScripts: 1,
      appLimits: 1,
      usageRollups: 1,
      logs: 1,
      analyticsEvents: 1,
      failures: [],
    });
    expect([...world.manifests.keys()].sort()).toEqual(
      [live.manifestKey, kept.manifestKey, "manifest:recent"].sort(),
    );
    expect(world.objects.has("manifest:old/a")).toBe(false);
    expect(world.retired).toEqual(["old-backend"]);
    expect([...world.usage.suspensions.keys()]).toEqual(["b"]);
    // Another server (or a second tick) in the same hour does nothing.
    expect(await run(runCleanup() as never)).toEqual({ cleaned: false, reason: "already cleaned this hour" });
    expect(locks.has(cleanupLockKey(NOW))).toBe(true);
    expect(cleanupLockKey(NOW)).toBe("cleanup_lock:v1:2026-05-26T12");
  });
});
