import { Clock, Effect, Exit, Layer, ManagedRuntime, Scope } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type MemoryWorld, makeMemoryWorld, memoryPorts } from "../../test/memoryPorts.js";
import { publishMemory } from "../../test/publishMemory.js";
import { type ManualClock, manualClock } from "../../test/testClock.js";
import { makeHttpApp } from "../http/app.js";
import { defaultPlatformConfig, type PlatformConfig } from "../platformConfig.js";
import {
  type AccountedResponse,
  makeRuntimeAccountant,
  type RuntimeAccountant,
  runtimeUsageOf,
} from "./runtimeAccounting.js";

const config: PlatformConfig = { ...defaultPlatformConfig, baseDomain: "w7s.test" };
const NOON = Date.parse("2026-05-26T12:00:30.000Z");
const app = { environment: "production", orgSlug: "acme", repoSlug: "site" };

let world: MemoryWorld;
let clock: ManualClock;
let runtime: ManagedRuntime.ManagedRuntime<never, never>;
let scope: Scope.Closeable;
let accountant: RuntimeAccountant;
let http: ReturnType<typeof makeHttpApp>;

beforeEach(async () => {
  world = makeMemoryWorld();
  clock = manualClock(NOON);
  const layer = Layer.provideMerge(memoryPorts(world), Layer.succeed(Clock.Clock, clock));
  runtime = ManagedRuntime.make(layer) as never;
  scope = await runtime.runPromise(Scope.make());
  // A long interval: the tests flush by hand.
  accountant = await runtime.runPromise(
    makeRuntimeAccountant(config, { flushIntervalMs: 3_600_000 }).pipe(Scope.provide(scope)) as never,
  );
  http = makeHttpApp({
    config,
    run: (effect) => runtime.runPromise(effect as never),
    accounting: accountant,
  });
});
afterEach(async () => {
  await runtime.runPromise(Scope.close(scope, Exit.void));
  await runtime.dispose();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  http.request(`http://acme.w7s.test${path}`, { headers: { host: "acme.w7s.test", ...headers } });
const flush = () => runtime.runPromise(accountant.flush);
const rollup = (key: string) => world.usage.rollups.get(key)?.metrics;
const repoKey = (date = "2026-05-26") => `repo:${date}:production:acme:site`;
const limitRequests = (dailyUnits: number) =>
  world.usage.policies.set("usage_limit_policy:v1:repo:acme:site", {
    version: 1,
    metrics: { "runtime.request": dailyUnits },
  });

describe("D.8 runtime accounting", () => {
  it("counts each response after it was produced, at repo, owner and global scope", async () => {
    publishMemory(world, "acme", "site", { files: { "index.html": "<h1>hi</h1>" } });
    const answers = await Promise.all(Array.from({ length: 250 }, () => get("/site/")));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(rollup(repoKey())).toBeUndefined(); // nothing written on the request path
    expect(accountant.pending()).toBe(250);
    await flush();
    for (const key of [repoKey(), "owner:2026-05-26:production:acme", "global:2026-05-26:production"]) {
      expect(rollup(key)?.["runtime.request"]).toMatchObject({
        count: 250,
        units: 250,
        success: 250,
        error: 0,
      });
      expect(rollup(key)?.["static.r2_class_b"]).toMatchObject({ count: 250 });
    }
  });

  it("writes one runtime_request event per response with the documented fields", async () => {
    publishMemory(world, "acme", "site", { files: { "index.html": "<h1>hi</h1>" } });
    await get("/site/", { "user-agent": "test-agent" });
    await get("/site?x=1");
    await flush();
    expect(world.observability.events).toEqual([
      expect.objectContaining({
        event: "runtime_request",
        repository: "acme/site",
        environment: "production",
        orgSlug: "acme",
        repoSlug: "site",
        outcome: "success",
        source: "static_exact:repo-prefix",
        method: "GET",
        host: "acme.w7s.test",
        path: "/site/",
        userAgent: "test-agent",
        count: 1,
        status: 200,
        timestamp: "2026-05-26T12:00:30.000Z",
      }),
      expect.objectContaining({ source: "static_redirect:repo-prefix", status: 302, path: "/site" }),
    ]);
  });

  it("samples a busy app's runtime_request events per status and source, their counts adding up exactly", async () => {
    publishMemory(world, "acme", "site", { files: { "index.html": "<h1>hi</h1>" } });
    await Promise.all(Array.from({ length: 203 }, () => get("/site/")));
    await Promise.all(Array.from({ length: 7 }, () => get("/site")));
    await flush();
    const byStatus = (status: number) =>
      world.observability.events.filter(
        (event) => event.event === "runtime_request" && event.status === status,
      );
    // 20 kept of the 203 answers (the default), the counts still 203; the 7 redirects kept whole.
    expect(byStatus(200)).toHaveLength(20);
    expect(byStatus(200).reduce((sum, event) => sum + (event.count ?? 0), 0)).toBe(203);
    expect(byStatus(200).map((event) => event.count)).toEqual([11, 11, 11, ...Array(17).fill(10)]);
    expect(byStatus(302)).toHaveLength(7);
    expect(byStatus(302).every((event) => event.count === 1)).toBe(true);
    // The next flush starts its own samples.
    await get("/site/");
    await flush();
    expect(byStatus(200)).toHaveLength(21);
  });

  it("counts responses on either side of UTC midnight on their own days, in one flush", async () => {
    publishMemory(world, "acme", "site", { files: { "index.html": "<h1>hi</h1>" } });
    clock.now = Date.parse("2026-05-26T23:59:59.900Z");
    await Promise.all(Array.from({ length: 3 }, () => get("/site/")));
    await get("/site");
    clock.now = Date.parse("2026-05-27T00:00:00.100Z");
    await Promise.all(Array.from({ length: 2 }, () => get("/site/")));
    await flush();
    expect(rollup(repoKey("2026-05-26"))?.["runtime.request"]).toMatchObject({ count: 4, success: 4 });
    expect(rollup(repoKey("2026-05-27"))?.["runtime.request"]).toMatchObject({ count: 2, success: 2 });
    const events = world.observability.events.filter((event) => event.event === "runtime_request");
    expect(events.reduce((sum, event) => sum + (event.count ?? 0), 0)).toBe(6);
    expect(events.filter((event) => event.timestamp?.startsWith("2026-05-27"))).toHaveLength(2);
  });

  it.each([
    [{ source: "static_exact", status: 200, staticCache: "miss" }, ["runtime.request", "static.r2_class_b"]],
    [
      { source: "static_fallback", status: 200, staticCache: "miss" },
      ["runtime.request", "static.r2_class_b"],
    ],
    [{ source: "static_exact", status: 304, staticCache: "miss" }, ["runtime.request"]],
    [{ source: "static_exact", status: 200, staticCache: "memory" }, ["runtime.request"]],
    [{ source: "worker", status: 200, staticCache: null }, ["runtime.request"]],
    [{ source: "not_found", status: 404, staticCache: null }, ["runtime.request"]],
  ] as const)("%o counts %o", (fact, metrics) => {
    const usage = runtimeUsageOf({
      ...fact,
      served: { ...app, mount: "repo-prefix" },
    } as unknown as AccountedResponse);
    expect(usage.map((entry) => entry.metric)).toEqual(metrics);
  });

  it("with a limit of 5 a day: five served, the app suspended, the sixth answers the F.8 429, the next UTC day serves again", async () => {
    publishMemory(world, "acme", "site", { files: { "index.html": "<h1>hi</h1>" } });
    limitRequests(5);
    for (let index = 0; index < 5; index += 1) {
      expect((await get("/site/")).status).toBe(200);
      await flush();
    }
    const blocked = await get("/site/");
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBe(String(12 * 3600 - 30));
    expect(await blocked.json()).toEqual({
      status: "error",
      error: "Daily usage limit exceeded for runtime.request at repo scope (5/5 used, requested 1).",
      details: {
        appLimitState: {
          version: 1,
          status: "suspended",
          kind: "limit",
          environment: "production",
          orgSlug: "acme",
          repoSlug: "site",
          reason: "Daily usage limit exceeded for runtime.request at repo scope (5/5 used, requested 1).",
          metrics: [
            {
              metric: "runtime.request",
              status: "exceeded",
              used: 6,
              limit: 5,
              remaining: 0,
              message: "runtime.request exceeded the daily limit (6/5).",
            },
          ],
          updatedAt: "2026-05-26T12:00:30.000Z",
          resumeAfter: "2026-05-27T00:00:00.000Z",
        },
      },
    });
    const page = await get("/site/", { accept: "text/html,application/xhtml+xml" });
    expect(page.status).toBe(429);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain("This app can resume after 2026-05-27T00:00:00.000Z.");
    await flush();
    // Suspended answers are not accounted.
    expect(rollup(repoKey())?.["runtime.request"]?.count).toBe(5);

    clock.now = Date.parse("2026-05-27T00:00:01.000Z");
    expect((await get("/site/")).status).toBe(200);
  });

  it("a batch straddling the limit suspends as one-by-one checks would, whatever the batch size", async () => {
    publishMemory(world, "acme", "site", { files: { "index.html": "<h1>hi</h1>" } });
    limitRequests(5);
    for (let index = 0; index < 4; index += 1) await get("/site/");
    await flush();
    expect(accountant.peekSuspension(app)).toBeNull();
    await get("/site/");
    await flush();
    expect(accountant.peekSuspension(app)?.reason).toContain("(5/5 used");
  });

  it("burst blocks suspend until the window ends; fills the window to its limit exactly", async () => {
    publishMemory(world, "acme", "site", { files: { "index.html": "<h1>hi</h1>" } });
    await Promise.all(Array.from({ length: 305 }, () => get("/site/")));
    await flush();
    expect([...world.usage.bursts.values()]).toEqual([300, 300, 300]);
    const state = accountant.peekSuspension(app);
    expect(state?.reason).toBe(
      "Short-window usage limit exceeded for runtime.request at repo scope (300/300 used, requested 1).",
    );
    expect(state?.resumeAfter).toBe("2026-05-26T12:01:00.000Z");
    expect((await get("/site/")).status).toBe(429);
  });

  it.each(["static_fallback", "not_found"])("a burst-only block on %s never suspends", async (source) => {
    publishMemory(world, "acme", "site", { files: { "index.html": "<h1>spa</h1>" } });
    for (let index = 0; index < 305; index += 1) {
      accountant.account({
        served: { ...app, mount: "repo-prefix" },
        source: source as "static_fallback" | "not_found",
        status: source === "not_found" ? 404 : 200,
        staticCache: null,
        method: "GET",
        host: "acme.w7s.test",
        path: "/site/missing",
        userAgent: "",
        durationMs: 1,
      });
    }
    await flush();
    expect([...world.usage.bursts.values()]).toEqual([300, 300, 300]);
    expect(world.usage.suspensions.size).toBe(0);
  });

  it("owners configured as exempt are counted but never suspended (F.7)", async () => {
    await runtime.runPromise(Scope.close(scope, Exit.void));
    scope = await runtime.runPromise(Scope.make());
    accountant = await runtime.runPromise(
      makeRuntimeAccountant({ ...config, limitExemptOwners: ["acme"] }, { flushIntervalMs: 3_600_000 }).pipe(
        Scope.provide(scope),
      ) as never,
    );
    limitRequests(1);
    for (let index = 0; index < 3; index += 1) {
      accountant.account({
        served: { ...app, mount: "repo-prefix" },
        source: "worker",
        status: 500,
        staticCache: null,
        method: "GET",
        host: "h",
        path: "/",
        userAgent: "",
        durationMs: 1,
      });
    }
    await flush();
    expect(rollup(repoKey())?.["runtime.request"]).toMatchObject({ count: 3, error: 3 });
    expect(world.usage.suspensions.size).toBe(0);
  });
});

describe("D.9 the suspension lookup", () => {
  it("answers from memory for 5 s, then serves the stale answer while it reads a fresh one", async () => {
    publishMemory(world, "acme", "site", { files: { "index.html": "<h1>hi</h1>" } });
    expect((await get("/site/")).status).toBe(200);
    // An operator suspends the app from another process.
    world.usage.suspensions.set("production:acme:site", {
      version: 1,
      status: "suspended",
      environment: "production",
      orgSlug: "acme",
      repoSlug: "site",
      reason: "Suspended by the operator.",
      metrics: [],
      updatedAt: "2026-05-26T12:00:00.000Z",
      suspendedBy: "operator",
    });
    clock.now += 4_000;
    expect((await get("/site/")).status).toBe(200);
    clock.now += 1_500;
    expect((await get("/site/")).status).toBe(200); // stale, refreshing behind
    await Effect.runPromise(Effect.sleep(20));
    const blocked = await get("/site/");
    expect(blocked.status).toBe(429);
    expect(((await blocked.json()) as { error: string }).error).toBe("Suspended by the operator.");
  });
});
