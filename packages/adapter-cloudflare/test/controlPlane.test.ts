/** The Durable Object stores and the R2 AssetStore, driven inside workerd through a test Worker. */
import { fileURLToPath } from "node:url";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The Node adapter's record builders: the same switches run against both adapters' stores.
import { switchTo, webApp } from "../../adapter-node/test/support/deployments.js";
import { bundleWorker, startWorker } from "./workerHarness.js";

let mf: Miniflare;

const call = async (operation: string, body: unknown) => {
  const response = await mf.dispatchFetch(`http://adapter.test/${operation}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  return (await response.json()) as {
    ok: boolean;
    value?: // biome-ignore lint/suspicious/noExplicitAny: answers are inspected field by field
    any;
    error?: string;
  };
};

beforeAll(async () => {
  const script = await bundleWorker(fileURLToPath(new URL("./fixtures/adapterWorker.ts", import.meta.url)));
  mf = startWorker(script, {
    durableObjects: { CONTROL_PLANE: { className: "W7sControlPlane", useSQLite: true } },
    r2Buckets: ["STATIC_ASSETS"],
  });
  await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

describe("SchedulerLock on the control-plane object", () => {
  it("hands a key to exactly one of many concurrent callers", async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => call("lock", { key: "minute:1" })));
    expect(answers.filter((answer) => answer.value === true)).toHaveLength(1);
    expect(answers.every((answer) => answer.ok)).toBe(true);
  });
});

describe("UsageStore on the control-plane object", () => {
  it("counts N concurrent increments as exactly N", async () => {
    const event = {
      date: "2026-12-02",
      environment: "production",
      orgSlug: "acme",
      repoSlug: "api",
      repository: "acme/api",
      metric: "requests",
      count: 1,
      units: 1,
      outcome: "success",
      at: "2026-12-02T10:00:00.000Z",
    };
    const answers = await Promise.all(Array.from({ length: 50 }, () => call("increment", { event })));
    expect(answers.every((answer) => answer.ok)).toBe(true);
    const rollup = await call("rollup", {
      key: { scope: "repo", date: "2026-12-02", environment: "production", orgSlug: "acme", repoSlug: "api" },
    });
    expect(rollup.ok).toBe(true);
    expect(JSON.stringify(rollup.value)).toContain("50");
  });

  it("never lets concurrent burst reservations pass the limit", async () => {
    const counters = [{ key: "burst:test:1", limit: 10, ttlSeconds: 60 }];
    const answers = await Promise.all(
      Array.from({ length: 25 }, () => call("reserveBurst", { counters, requested: 1 })),
    );
    expect(answers.filter((answer) => answer.value?.applied === true)).toHaveLength(10);
  });
});

describe("AssetStore on R2", () => {
  it("stores objects with content type and etag, and reads ranges", async () => {
    expect(
      (
        await call("putObject", {
          key: "a/b.txt",
          text: "hello world",
          contentType: "text/plain",
          etag: "e1",
        })
      ).ok,
    ).toBe(true);
    const whole = await call("getObject", { key: "a/b.txt" });
    expect(whole.value).toMatchObject({
      body: "hello world",
      size: 11,
      contentType: "text/plain",
      etag: "e1",
    });
    const range = await call("getObject", { key: "a/b.txt", range: { offset: 6, length: 5 } });
    expect(range.value).toMatchObject({ body: "world", size: 11 });
    expect((await call("getObject", { key: "missing" })).value).toBeNull();
  });
});

describe("DeploymentStore on the control-plane object", () => {
  it("lets exactly one of two concurrent switches from the same deployment win", async () => {
    expect((await call("switchDeployment", { change: switchTo("d1", null) })).ok).toBe(true);
    const [first, second] = await Promise.all([
      call("switchDeployment", { change: switchTo("d2", "d1") }),
      call("switchDeployment", { change: switchTo("d3", "d1") }),
    ]);
    expect([first.ok, second.ok].filter(Boolean)).toHaveLength(1);
    expect((first.ok ? second : first).error).toContain("Conflict");
    const current = await call("current", { app: webApp });
    expect(current.value.deploymentId).toBe(first.ok ? "d2" : "d3");
  });

  it("shows a switch to the very next read, and keeps the history newest first", async () => {
    const before = (await call("current", { app: webApp })).value.deploymentId as string;
    expect((await call("switchDeployment", { change: switchTo("d4", before) })).ok).toBe(true);
    expect((await call("current", { app: webApp })).value.deploymentId).toBe("d4");
    const history = await call("history", { app: webApp, limit: 10 });
    expect(history.value[0].deploymentId).toBe("d4");
  });

  it("answers None for an app that was never deployed", async () => {
    const current = await call("current", { app: { ...webApp, repoSlug: "never" } });
    expect(current).toEqual({ ok: true, value: null });
  });
});
