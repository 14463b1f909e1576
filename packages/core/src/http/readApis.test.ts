import { Clock, Effect, Layer } from "effect";
import { beforeEach, describe, expect, it } from "vitest";
import { type MemoryWorld, makeMemoryWorld, memoryPorts } from "../../test/memoryPorts.js";
import { manualClock } from "../../test/testClock.js";
import { captureLogs } from "../logs/captureLogs.js";
import { defaultPlatformConfig, type PlatformConfig } from "../platformConfig.js";
import { UpstreamError } from "../ports/PortErrors.js";
import { recordUsage } from "../usage/usageLimits.js";
import { makeHttpApp } from "./app.js";

const config: PlatformConfig = { ...defaultPlatformConfig, baseDomain: "w7s.test" };
const NOW = Date.parse("2026-05-26T14:00:00.000Z");
const AUTH = { authorization: "Bearer token" };

let world: MemoryWorld;
let run: <A, E, R>(effect: Effect.Effect<A, E, R>) => Promise<A>;
let http: ReturnType<typeof makeHttpApp>;
beforeEach(() => {
  world = makeMemoryWorld();
  const clock = manualClock(NOW);
  const layer = Layer.provideMerge(memoryPorts(world), Layer.succeed(Clock.Clock, clock));
  run = (effect) => Effect.runPromise(Effect.provide(effect, layer) as never);
  http = makeHttpApp({ config, run: (effect) => run(effect as never) });
});

const get = async (path: string, headers: Record<string, string> = AUTH) => {
  const response = await http.request(`http://w7s.test${path}`, {
    headers: { host: "w7s.test", ...headers },
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are read field by field
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};
const app = { environment: "production", orgSlug: "acme", repoSlug: "shop" };

describe("F.10 usage API", () => {
  it("answers the empty-day shape for a day without usage, with limits, policy and warnings", async () => {
    const { status, body } = await get("/api/v1/usage/Acme/Shop?date=2026-05-20");
    expect(status).toBe(200);
    expect(body.status).toBe("success");
    expect(body.data.usage).toEqual({
      version: 1,
      date: "2026-05-20",
      orgSlug: "acme",
      repoSlug: "shop",
      environment: "production",
      repository: "acme/shop",
      metrics: {},
      updatedAt: null,
    });
    expect(body.data.limits.metrics["runtime.request"]).toEqual({
      metric: "runtime.request",
      used: 0,
      limit: 10000,
      remaining: 10000,
      usageRatio: 0,
      status: "ok",
      source: "default",
    });
    expect(body.data.policy).not.toHaveProperty("policies");
    expect(body.data.policy.lookups.map((lookup: { scope: string }) => lookup.scope)).toEqual([
      "default",
      "owner",
      "owner_environment",
      "repo",
      "repo_environment",
    ]);
    expect(body.data.warnings).toEqual([]);
    expect(body.data).not.toHaveProperty("appLimitState");
    expect(world.verifyRequests.at(-1)).toMatchObject({ owner: "Acme", repo: "Shop", access: "read" });
  });

  it("reports today's rollup, warnings and the suspension of the environment asked for", async () => {
    const staging = { ...app, environment: "staging" };
    world.usage.policies.set("usage_limit_policy:v1:repo:acme:shop", {
      version: 1,
      metrics: { "ai.run": 10 },
    });
    await run(recordUsage({ metric: "ai.run", app: staging, count: 9, outcome: "success" }));
    world.usage.suspensions.set("staging:acme:shop", {
      version: 1,
      status: "suspended",
      ...staging,
      reason: "Suspended by the operator.",
      metrics: [],
      updatedAt: "2026-05-26T13:00:00.000Z",
      suspendedBy: "operator",
    });
    const { body } = await get("/api/v1/usage/acme/shop?environment=staging&include=hourly");
    expect(body.data.usage.metrics["ai.run"]).toMatchObject({
      count: 9,
      units: 9,
      success: 9,
      error: 0,
      lastAt: "2026-05-26T14:00:00.000Z",
    });
    expect(body.data.warnings).toEqual([
      {
        metric: "ai.run",
        status: "warning",
        used: 9,
        limit: 10,
        remaining: 1,
        message: "ai.run is approaching the daily limit (9/10).",
      },
    ]);
    expect(body.data.appLimitState).toMatchObject({ kind: "operator", reason: "Suspended by the operator." });
    expect(body.data.hourly).toEqual([]);
    const header = await get("/api/v1/usage/acme/shop", { ...AUTH, "x-w7s-environment": "staging" });
    expect(header.body.data.usage.environment).toBe("staging");
    const disabled = await get("/api/v1/usage/acme/shop?environment=", {
      ...AUTH,
      "x-w7s-environment": "staging",
    });
    expect(disabled.body.data.usage.environment).toBe("production");
  });

  it("reads an application of a monorepo under its app-scoped slug (B.6)", async () => {
    const { body } = await get("/api/v1/usage/acme/shop?application=console");
    expect(body.data.usage.repoSlug).toMatch(/^shop-app-console-[a-z0-9]+$/);
  });

  it.each([
    ["/api/v1/usage/acme/shop", {}, 401, "Missing bearer token."],
    ["/api/v1/usage/acme", {}, 401, "Missing bearer token."],
    ["/api/v1/usage/acme", AUTH, 400, "Usage route must be /api/v1/usage/<owner>/<repo>."],
    ["/api/v1/usage/acme/shop/extra", AUTH, 400, "Usage route must be /api/v1/usage/<owner>/<repo>."],
    ["/api/v1/usage/acme/shop?environment=%20--", AUTH, 400, "Invalid environment."],
    ["/api/v1/usage/acme/shop?environment=--&date=bad", AUTH, 400, "Invalid environment."],
    ["/api/v1/usage/acme/shop?date=2026-5-1", AUTH, 400, "date must be YYYY-MM-DD."],
    ["/api/v1/usage/---/shop?date=bad", AUTH, 400, "date must be YYYY-MM-DD."],
    ["/api/v1/usage/---/shop", AUTH, 400, "Repository must be in owner/repo form."],
    ["/api/v1/limits/acme", AUTH, 400, "Limits route must be /api/v1/limits/<owner>/<repo>."],
  ])("%s -> %i %s", async (path, headers, status, error) => {
    const answer = await get(path, headers);
    expect(answer).toEqual({ status, body: { status: "error", error } });
    expect(world.verifyRequests).toEqual([]);
  });

  it("answers 401 to a token without read access and 502 when GitHub cannot answer", async () => {
    world.access = { granted: false };
    expect((await get("/api/v1/usage/acme/shop")).body.error).toBe(
      "Bearer token is not authorized for this GitHub repository.",
    );
    world.access = new UpstreamError({
      reason: "Unavailable",
      operation: "RepoAuth.verify",
      description: "down",
    });
    expect(await get("/api/v1/limits/acme/shop")).toEqual({
      status: 502,
      body: { status: "error", error: "Could not verify repository access with GitHub: down" },
    });
  });

  it("limits API: the F.3 document with the repository, overrides applied in scope order", async () => {
    world.usage.policies.set("usage_limit_policy:v1:owner:acme", { version: 1, metrics: { deploy: 50 } });
    world.usage.policies.set("usage_limit_policy:v1:repo_environment:production:acme:shop", {
      version: 1,
      metrics: { deploy: { warningThreshold: 0.5 } },
    });
    const { status, body } = await get("/api/v1/limits/acme/shop");
    expect(status).toBe(200);
    expect(body.data.limits).toMatchObject({
      version: 1,
      period: "daily",
      mode: "enforce",
      environment: "production",
      orgSlug: "acme",
      repoSlug: "shop",
      repository: "acme/shop",
    });
    expect(body.data.limits.policy.deploy).toEqual({
      metric: "deploy",
      dailyUnits: 50,
      warningThreshold: 0.5,
      source: "repo_environment",
    });
    expect(body.data.limits.policies).toHaveLength(37);
  });

  it("only GET: another method falls to the catch-all 404", async () => {
    const response = await http.request("http://w7s.test/api/v1/usage/acme/shop", {
      method: "POST",
      headers: { host: "w7s.test", ...AUTH },
    });
    expect(response.status).toBe(404);
  });
});

const capture = (traces: unknown[], target = app) =>
  run(captureLogs({ app: target, scriptName: "acme--shop", secrets: [], traces: traces as never }, config));

describe("G.1 logs API", () => {
  it("lists records newest first with the documented envelope", async () => {
    await capture([{ outcome: "ok", logs: [{ level: "log", message: ["first"], timestamp: NOW - 60_000 }] }]);
    await capture([
      { outcome: "ok", logs: [{ level: "warn", message: ["second"], timestamp: NOW - 30_000 }] },
    ]);
    const { status, body } = await get("/api/v1/logs/acme/shop");
    expect(status).toBe(200);
    expect(body.data.logs).toMatchObject({
      repository: "acme/shop",
      environment: "production",
      from: "2026-05-26T13:00:00.000Z",
      to: "2026-05-26T14:00:00.000Z",
      limit: 100,
      cursor: null,
    });
    expect(body.data.logs.records.map((record: { text: string }) => record.text)).toEqual([
      "second",
      "first",
    ]);
  });

  it("filters by kind, level and window and pages with the cursor, each record once", async () => {
    const logs = Array.from({ length: 12 }, (_, index) => ({
      level: index % 2 === 0 ? "warn" : "log",
      message: [`line ${index}`],
      timestamp: NOW - 1000 * (index + 1),
    }));
    await capture([
      { outcome: "exception", logs, exceptions: [{ name: "Error", message: "boom", timestamp: NOW - 500 }] },
    ]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?level=WARN&limit=2${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
      const { body } = await get(`/api/v1/logs/acme/shop${query}`);
      seen.push(...body.data.logs.records.map((record: { text: string }) => record.text));
      cursor = body.data.logs.cursor;
    } while (cursor !== null);
    expect(seen).toEqual(["line 0", "line 2", "line 4", "line 6", "line 8", "line 10"]);
    const exceptions = await get("/api/v1/logs/acme/shop?kind=exception");
    expect(exceptions.body.data.logs.records).toHaveLength(1);
    const window = await get(
      `/api/v1/logs/acme/shop?from=${new Date(NOW - 3500).toISOString()}&to=${new Date(NOW - 1500).toISOString()}`,
    );
    expect(window.body.data.logs.records.map((record: { text: string }) => record.text)).toEqual([
      "line 1",
      "line 2",
    ]);
  });

  it.each([
    ["/api/v1/logs/acme/shop?hours=0", {}, 401, "Missing bearer token."],
    ["/api/v1/logs/acme?hours=0", AUTH, 400, "Logs route must be /api/v1/logs/<owner>/<repo>."],
    ["/api/v1/logs/acme/shop?environment=!!&hours=0", AUTH, 400, "Invalid environment."],
    ["/api/v1/logs/acme/shop?hours=0&limit=0", AUTH, 400, "hours must be an integer from 1 to 168."],
    ["/api/v1/logs/acme/shop?hours=1.5", AUTH, 400, "hours must be an integer from 1 to 168."],
    ["/api/v1/logs/acme/shop?hours=169", AUTH, 400, "hours must be an integer from 1 to 168."],
    ["/api/v1/logs/acme/shop?limit=501&to=x", AUTH, 400, "limit must be an integer from 1 to 500."],
    ["/api/v1/logs/acme/shop?to=x&from=y", AUTH, 400, "to must be a valid ISO date."],
    ["/api/v1/logs/acme/shop?from=y&kind=z", AUTH, 400, "from must be a valid ISO date."],
    ["/api/v1/logs/acme/shop?from=2026-05-26T15:00:00Z&kind=z", AUTH, 400, "from must be before to."],
    ["/api/v1/logs/acme/shop?kind=warn&level=z", AUTH, 400, "kind must be console, exception, or outcome."],
    ["/api/v1/logs/acme/shop?level=fatal", AUTH, 400, "level must be debug, info, log, warn, or error."],
  ])("%s -> %i %s (checked before the token)", async (path, headers, status, error) => {
    world.access = { granted: false };
    expect(await get(path, headers)).toEqual({ status, body: { status: "error", error } });
  });

  it("a cursor the store did not issue is a 400 (only the store can tell, after the token check)", async () => {
    expect(await get("/api/v1/logs/acme/shop?cursor=not-ours")).toEqual({
      status: 400,
      body: { status: "error", error: "cursor must be the cursor of an earlier page of this listing." },
    });
  });
});

describe("G.3 analytics API", () => {
  it("answers configured: true with the store's report", async () => {
    world.observability.events.push({
      event: "deploy",
      timestamp: "2026-05-26T13:30:00.000Z",
      repository: "acme/shop",
      environment: "production",
      status: 200,
    });
    const { status, body } = await get("/api/v1/analytics/acme/shop?bucket=day");
    expect(status).toBe(200);
    expect(body.data.analytics).toMatchObject({
      configured: true,
      dataset: "memory",
      repository: "acme/shop",
      environment: "production",
      from: "2026-05-25T14:00:00.000Z",
      to: "2026-05-26T14:00:00.000Z",
      bucket: "day",
    });
    expect(body.data.analytics.events).toHaveLength(1);
  });

  it.each([
    ["/api/v1/analytics/acme", AUTH, 400, "Analytics route must be /api/v1/analytics/<owner>/<repo>."],
    ["/api/v1/analytics/acme/shop?hours=200", AUTH, 400, "hours must be an integer from 1 to 168."],
    ["/api/v1/analytics/acme/shop?limit=201", AUTH, 400, "limit must be an integer from 1 to 200."],
    ["/api/v1/analytics/acme/shop", {}, 401, "Missing bearer token."],
  ])("%s -> %i %s", async (path, headers, status, error) => {
    expect(await get(path, headers)).toEqual({ status, body: { status: "error", error } });
  });
});
