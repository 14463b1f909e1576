/**
 * Issue 6 against the real server (workerd backends, SQLite): exact counts under concurrency, a repo
 * override and the next UTC day, the logs API within 2 seconds with filters and paging, a planted secret
 * searched for everywhere, the operator commands through the real CLI, /metrics and the hourly cleanup.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { usageStoreLayer } from "@w7s/adapter-node";
import { type ConformanceTarget, deployRequest, request } from "@w7s/conformance";
import { UsageStore } from "@w7s/core";
import { Effect, Option } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, type ServerSettings } from "../src/config.js";
import { type RunningServer, startServer } from "../src/server.js";

const TOKEN = "observe-token";
const cli = resolve(import.meta.dirname, "../src/cli.ts");
const hook = resolve(import.meta.dirname, "../../../packages/core/bench/resolveTs.ts");
const runCli = (args: string[]) =>
  promisify(execFile)(process.execPath, ["--conditions=source", "--import", hook, cli, ...args], {
    env: { PATH: process.env["PATH"] ?? "" },
  });

const settingsFor = (dataDir: string, extra: Partial<ServerSettings> = {}): ServerSettings => ({
  ...DEFAULT_SETTINGS,
  port: 0,
  dataDir,
  deployToken: TOKEN,
  ...extra,
});

const targetOf = (server: RunningServer): ConformanceTarget => ({
  baseUrl: server.url,
  baseDomain: "w7s.localhost",
  close: async () => {},
});

const api = async (server: RunningServer, path: string, token = TOKEN) => {
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers read field by field
  return { status: response.status, text, body: JSON.parse(text) as any };
};

const BACKEND = `export default {
  async fetch(request, env) {
    const { pathname, searchParams } = new URL(request.url);
    if (pathname === "/warn") { console.warn("example warning", { path: pathname }); return new Response("warned"); }
    if (pathname === "/throw") throw new Error("example intentional exception");
    if (pathname === "/many") {
      for (let index = 0; index < Number(searchParams.get("n")); index += 1) console.log("line " + index);
      return new Response("logged");
    }
    if (pathname === "/secret") {
      console.log("the key is", env.API_KEY, { key: env.API_KEY });
      console.error(new Error("failed with " + env.API_KEY));
      throw new TypeError("leaking " + env.API_KEY);
    }
    return new Response("hello");
  },
};`;

const deployBackend = async (
  server: RunningServer,
  repository: string,
  headers: Record<string, string> = {},
) => {
  const answer = await deployRequest(targetOf(server), {
    token: TOKEN,
    repository,
    files: { "backend/index.js": BACKEND },
    headers,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer;
};

const get = (server: RunningServer, owner: string, path: string, headers: Record<string, string> = {}) =>
  request(targetOf(server), `${owner}.w7s.localhost`, path, { headers });

const waitFor = async <A>(find: () => Promise<A | undefined>, ms: number): Promise<A> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((done) => setTimeout(done, 25));
  }
};

describe("exact usage under concurrency (DECISIONS 7)", () => {
  it("1,000 concurrent requests to one app are exactly 1,000 runtime.request units at repo, owner and global scope", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-exact-"));
    // The owner is exempt from limits (F.7: still counted), so the 300-a-minute burst window does not suspend it.
    const server = await startServer(settingsFor(dataDir, { limitExemptOwners: ["load"] }), {
      cleanupTimer: false,
    });
    try {
      await deployBackend(server, "load/app");
      const agent = new Agent({ keepAlive: true, maxSockets: 1000 });
      const statuses = await Promise.all(
        Array.from(
          { length: 1000 },
          () =>
            new Promise<number>((done, fail) => {
              const url = new URL(server.url);
              httpRequest(
                {
                  host: url.hostname,
                  port: url.port,
                  path: "/app/",
                  agent,
                  headers: { host: "load.w7s.localhost" },
                },
                (response) => {
                  response.resume();
                  response.on("end", () => done(response.statusCode ?? 0));
                },
              )
                .on("error", fail)
                .end();
            }),
        ),
      );
      agent.destroy();
      expect(statuses.filter((status) => status === 200)).toHaveLength(1000);
      // Most were answered by the fast path, which accounts through the same accountant as the HTTP app.
      expect(server.answered().fastPath).toBeGreaterThan(900);
      await server.flushAccounting();
      const date = new Date().toISOString().slice(0, 10);
      const units = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const store = yield* UsageStore;
            const read = (key: Parameters<typeof store.rollup>[0]) =>
              store
                .rollup(key)
                .pipe(Effect.map((rollup) => Option.getOrUndefined(rollup)?.metrics["runtime.request"]));
            return {
              repo: yield* read({
                scope: "repo",
                date,
                environment: "production",
                orgSlug: "load",
                repoSlug: "app",
              }),
              owner: yield* read({ scope: "owner", date, environment: "production", orgSlug: "load" }),
              global: yield* read({ scope: "global", date, environment: "production" }),
            };
          }).pipe(Effect.provide(usageStoreLayer({ dataDir }))),
        ),
      );
      for (const scope of [units.repo, units.owner, units.global])
        expect(scope).toMatchObject({ count: 1000, units: 1000, success: 1000, error: 0 });
      const usage = await api(server, "/api/v1/usage/load/app");
      expect(usage.body.data.usage.metrics["runtime.request"]).toMatchObject({ count: 1000, units: 1000 });
    } finally {
      await server.close();
    }
  }, 120_000);

  it("D.3 / D.8 a file answered from memory says `memory` and adds no static.r2_class_b; a read of the store says `miss` and does", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-static-cache-"));
    const settings = settingsFor(dataDir);
    let server = await startServer(settings, { cleanupTimer: false });
    const caches: Array<string | null> = [];
    try {
      const deployed = await deployRequest(targetOf(server), {
        token: TOKEN,
        repository: "cache/site",
        files: { "dist/index.html": "<h1>cached</h1>" },
      });
      expect(deployed.status).toBe(200);
      // A restart empties the server's memory: its first answer reads the file from the store.
      await server.close();
      server = await startServer(settings, { cleanupTimer: false });
      for (let index = 0; index < 5; index += 1) {
        const answer = await get(server, "cache", "/site/");
        expect(await answer.text()).toBe("<h1>cached</h1>");
        caches.push(answer.headers.get("x-w7s-static-cache"));
      }
      expect(caches).toEqual(["miss", "memory", "memory", "memory", "memory"]);
      await server.flushAccounting();
      const usage = await api(server, "/api/v1/usage/cache/site");
      expect(usage.body.data.usage.metrics["runtime.request"]).toMatchObject({ count: 5 });
      expect(usage.body.data.usage.metrics["static.r2_class_b"]).toMatchObject({ count: 1 });
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe("limits on the request path (D.8, F.3, F.8)", () => {
  let server: RunningServer;
  let dataDir: string;
  let offset = 0;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "w7s-limits-"));
    server = await startServer(settingsFor(dataDir), {
      clock: () => Date.now() + offset,
      cleanupTimer: false,
    });
  }, 60_000);
  afterAll(() => server.close());

  it("a repo override of 5 requests a day set with `w7s-server limits set`: the 6th request gets the 429, the next UTC day it is served", async () => {
    const set = await runCli([
      "limits",
      "set",
      "--data-dir",
      dataDir,
      "--scope",
      "repo",
      "--owner",
      "acme",
      "--repo",
      "five",
      "--metric",
      "runtime.request",
      "--daily-units",
      "5",
    ]);
    expect(JSON.parse(set.stdout)).toMatchObject({
      key: "usage_limit_policy:v1:repo:acme:five",
      record: { version: 1, metrics: { "runtime.request": { dailyUnits: 5 } } },
    });
    const got = await runCli(["limits", "get", "acme/five", "--data-dir", dataDir]);
    expect(JSON.parse(got.stdout).limits.policy["runtime.request"]).toMatchObject({
      dailyUnits: 5,
      source: "repo",
    });

    await deployBackend(server, "acme/five");
    for (let index = 0; index < 5; index += 1) {
      expect((await get(server, "acme", "/five/")).status).toBe(200);
      await server.flushAccounting();
    }
    const blocked = await get(server, "acme", "/five/");
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    const body = (await blocked.json()) as {
      status: string;
      error: string;
      details: { appLimitState: unknown };
    };
    const message = "Daily usage limit exceeded for runtime.request at repo scope (5/5 used, requested 1).";
    expect(body.status).toBe("error");
    expect(body.error).toBe(message);
    const tomorrow = new Date(Date.now() + offset + 86_400_000).toISOString().slice(0, 10);
    expect(body.details.appLimitState).toMatchObject({
      version: 1,
      status: "suspended",
      environment: "production",
      orgSlug: "acme",
      repoSlug: "five",
      reason: message,
      metrics: [{ metric: "runtime.request", status: "exceeded", used: 6, limit: 5 }],
      resumeAfter: `${tomorrow}T00:00:00.000Z`,
    });
    const page = await get(server, "acme", "/five/", { accept: "text/html" });
    expect(page.status).toBe(429);
    expect(await page.text()).toContain("<title>W7S limit reached</title>");
    // The usage API shows the same state and the exceeded metric.
    const usage = await api(server, "/api/v1/usage/acme/five");
    expect(usage.body.data.appLimitState.reason).toBe(message);
    expect(usage.body.data.warnings).toEqual([
      // 5 of 5 is at the limit, not over it (F.5): a warning; the sixth request was never served.
      expect.objectContaining({ metric: "runtime.request", status: "warning", used: 5, limit: 5 }),
    ]);

    // Next UTC day (the server's clock is moved, nothing else).
    const now = Date.now() + offset;
    offset += Math.ceil(now / 86_400_000) * 86_400_000 + 1000 - now;
    expect((await get(server, "acme", "/five/")).status).toBe(200);
  }, 60_000);

  it("`w7s-server suspend` holds an app until `resume`; the server notices within its 5-second cache", async () => {
    await deployBackend(server, "acme/held");
    expect((await get(server, "acme", "/held/")).status).toBe(200);
    await runCli(["suspend", "acme/held", "--data-dir", dataDir, "--reason", "Paused for maintenance."]);
    offset += 6000;
    const blocked = await waitFor(async () => {
      const answer = await get(server, "acme", "/held/");
      return answer.status === 429 ? answer : undefined;
    }, 2000);
    expect(((await blocked.json()) as { error: string }).error).toBe("Paused for maintenance.");
    expect(blocked.headers.get("retry-after")).not.toBeNull();
    // Deploys are refused while suspended (F.8).
    const redeploy = await deployRequest(targetOf(server), {
      token: TOKEN,
      repository: "acme/held",
      files: { "backend/index.js": BACKEND },
    });
    expect(redeploy.status).toBe(429);
    const resumed = await runCli(["resume", "acme/held", "--data-dir", dataDir]);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumed: "acme/held", stillSuspended: null });
    offset += 6000;
    await waitFor(
      async () => ((await get(server, "acme", "/held/")).status === 200 ? true : undefined),
      2000,
    );
  }, 60_000);
});

describe("F.11 retention on a server whose clock moves", () => {
  it("removes a replaced deployment's site and backend once past retention and out of the history, never the live one or a rollback target", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-cleanup-"));
    let offset = 0;
    // Two deployments kept: the live one and one to roll back to.
    const server = await startServer(settingsFor(dataDir, { historyDepth: 2 }), {
      clock: () => Date.now() + offset,
      cleanupTimer: false,
    });
    try {
      const files = (version: number) => ({
        "dist/index.html": `<h1>v${version}</h1>`,
        "backend/index.js": BACKEND,
      });
      for (const version of [1, 2, 3]) {
        const answer = await deployRequest(targetOf(server), {
          token: TOKEN,
          repository: "acme/kept",
          sha: String(version).repeat(40),
          files: files(version),
        });
        expect(answer.status).toBe(200);
      }
      // Just replaced: kept, so requests still routed to it can finish.
      expect(await server.cleanup()).toMatchObject({ cleaned: true, staticManifests: 0, workerScripts: 0 });
      offset += 8 * 86_400_000;
      expect(await server.cleanup()).toMatchObject({
        cleaned: true,
        staticManifests: 1,
        staticObjects: 1,
        workerScripts: 1,
        failures: [],
      });
      const live = await get(server, "acme", "/kept/");
      expect(live.status).toBe(200);
      expect(await live.text()).toContain("v3");
      expect((await get(server, "acme", "/kept/warn")).status).toBe(200);
      // v2 is still a rollback target with its files and backend: rolling back to it serves it.
      const history = await fetch(`${server.url}/api/v1/deployments/acme/kept`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const kept = ((await history.json()) as { data: { deployments: Array<{ deploymentId: string }> } }).data
        .deployments;
      expect(kept).toHaveLength(2);
      const rollback = await fetch(`${server.url}/api/v1/deployments/acme/kept/rollback`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ deploymentId: kept[1]!.deploymentId }),
      });
      expect(rollback.status).toBe(200);
      expect(await (await get(server, "acme", "/kept/")).text()).toContain("v2");
      expect((await get(server, "acme", "/kept/warn")).status).toBe(200);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe("logs, analytics, secrets, metrics and cleanup on one server", () => {
  const SECRET = "planted-secret-7c1f9a2b";
  let server: RunningServer;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "w7s-observe-"));
    server = await startServer(settingsFor(dataDir, { metricsPort: 0, metricsToken: "metrics-token" }), {
      cleanupTimer: false,
    });
  }, 60_000);
  afterAll(() => server.close());

  it("G.1 a console.warn and a thrown exception appear in the logs API within 2 seconds with the documented fields", async () => {
    await deployBackend(server, "acme/logs");
    expect((await get(server, "acme", "/logs/warn")).status).toBe(200);
    expect((await get(server, "acme", "/logs/throw")).status).toBe(500);
    const started = Date.now();
    const records = await waitFor(async () => {
      const answer = await api(server, "/api/v1/logs/acme/logs");
      return answer.body.data.logs.records.length >= 2 ? answer.body.data.logs.records : undefined;
    }, 2000);
    expect(Date.now() - started).toBeLessThan(2000);
    const [exception, warning] = records;
    const common = {
      version: 1,
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      timestamp: expect.any(String),
      observedAt: expect.any(String),
      environment: "production",
      orgSlug: "acme",
      repoSlug: "logs",
      repository: "acme/logs",
      scriptName: expect.stringMatching(/^acme--logs--production--/),
    };
    expect(warning).toEqual({
      ...common,
      kind: "console",
      outcome: "ok",
      level: "warn",
      message: ["example warning", { path: "/warn" }],
      text: 'example warning {"path":"/warn"}',
      request: { method: "GET", path: "/warn", status: 200 },
    });
    expect(exception).toEqual({
      ...common,
      kind: "exception",
      outcome: "exception",
      level: "error",
      text: "Error: example intentional exception",
      exception: {
        name: "Error",
        message: "example intentional exception",
        stack: expect.stringContaining("at "),
      },
      request: { method: "GET", path: "/throw", status: 500 },
    });
  }, 30_000);

  it("G.1 filters and cursor paging return each record once", async () => {
    expect((await get(server, "acme", "/logs/many?n=23")).status).toBe(200);
    await waitFor(async () => {
      const answer = await api(server, "/api/v1/logs/acme/logs?kind=console&level=log");
      return answer.body.data.logs.records.length >= 23 ? true : undefined;
    }, 2000);
    const ids: string[] = [];
    const texts: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?kind=console&level=log&limit=5${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
      const answer = await api(server, `/api/v1/logs/acme/logs${query}`);
      expect(answer.status).toBe(200);
      for (const record of answer.body.data.logs.records) {
        ids.push(record.id);
        texts.push(record.text);
      }
      cursor = answer.body.data.logs.cursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(5);
    expect(new Set(ids).size).toBe(23);
    expect(new Set(texts)).toEqual(new Set(Array.from({ length: 23 }, (_, index) => `line ${index}`)));
    const exceptions = await api(server, "/api/v1/logs/acme/logs?kind=exception");
    expect(exceptions.body.data.logs.records.map((record: { kind: string }) => record.kind)).toEqual([
      "exception",
    ]);
    const warnings = await api(server, "/api/v1/logs/acme/logs?level=warn");
    expect(warnings.body.data.logs.records).toHaveLength(1);
    expect((await api(server, "/api/v1/logs/acme/logs?level=fatal")).body.error).toBe(
      "level must be debug, info, log, warn, or error.",
    );
  }, 30_000);

  it("G.3 analytics: deploys and requests summarised, in a series and as recent events", async () => {
    await server.flushAccounting();
    const { status, body } = await api(server, "/api/v1/analytics/acme/logs?limit=5");
    expect(status).toBe(200);
    expect(body.data.analytics).toMatchObject({
      configured: true,
      repository: "acme/logs",
      environment: "production",
      bucket: "hour",
    });
    const summary = body.data.analytics.summary as Array<{ event: string; outcome: string; count: number }>;
    expect(summary).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: "deploy", outcome: "success", count: 1 }),
        expect.objectContaining({ event: "runtime_request", outcome: "success", count: 2 }),
        expect.objectContaining({ event: "runtime_request", outcome: "error", count: 1 }),
      ]),
    );
    expect(body.data.analytics.events[0]).toMatchObject({
      event: "runtime_request",
      source: "worker:repo-prefix",
      method: "GET",
    });
    expect(body.data.analytics.timeseries.length).toBeGreaterThan(0);
  });

  it("a secret planted in a backend never appears in any API response, log row, usage or analytics row, or log file", async () => {
    const secrets = Buffer.from(JSON.stringify({ API_KEY: SECRET })).toString("base64url");
    const deployed = await deployBackend(server, "acme/vault", { "x-w7s-secrets": secrets });
    expect((await get(server, "acme", "/vault/secret")).status).toBe(500);
    await waitFor(async () => {
      const answer = await api(server, "/api/v1/logs/acme/vault");
      return answer.body.data.logs.records.length >= 3 ? true : undefined;
    }, 2000);
    await server.flushAccounting();
    const answers = [
      JSON.stringify(deployed.body),
      ...(
        await Promise.all(
          [
            "/api/v1/logs/acme/vault?limit=500",
            "/api/v1/logs/acme/vault?kind=exception",
            "/api/v1/usage/acme/vault",
            "/api/v1/limits/acme/vault",
            "/api/v1/analytics/acme/vault",
          ].map((path) => api(server, path)),
        )
      ).map((answer) => answer.text),
      await (await fetch(server.metricsUrl!, { headers: { authorization: "Bearer metrics-token" } })).text(),
    ];
    const logs = await api(server, "/api/v1/logs/acme/vault?limit=500");
    expect(logs.text).toContain("[secret]");
    for (const answer of answers) expect(answer).not.toContain(SECRET);

    // Every row of every table of the control-plane database.
    const database = new DatabaseSync(join(dataDir, "w7s.db"), { readOnly: true });
    try {
      const tables = database.prepare("select name from sqlite_master where type = 'table'").all() as Array<{
        name: string;
      }>;
      expect(tables.map((table) => table.name)).toEqual(
        expect.arrayContaining(["app_logs", "analytics_events", "usage_metrics"]),
      );
      let rows = 0;
      for (const { name } of tables) {
        for (const row of database.prepare(`select * from "${name}"`).all()) {
          rows += 1;
          expect(JSON.stringify(row), `${name} row`).not.toContain(SECRET);
        }
      }
      expect(rows).toBeGreaterThan(10);
    } finally {
      database.close();
    }
    // And the backends' log files.
    const logDir = join(dataDir, "logs");
    for (const file of readdirSync(logDir)) {
      if (statSync(join(logDir, file)).isFile())
        expect(readFileSync(join(logDir, file), "utf8")).not.toContain(SECRET);
    }
  }, 30_000);

  it("/metrics: Prometheus text behind the operator token, with request, latency, deploy and event series", async () => {
    expect((await fetch(server.metricsUrl!)).status).toBe(401);
    expect((await fetch(server.metricsUrl!, { headers: { authorization: "Bearer wrong" } })).status).toBe(
      401,
    );
    const response = await fetch(server.metricsUrl!, { headers: { authorization: "Bearer metrics-token" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    expect(text).toContain("# TYPE w7s_app_requests_total counter");
    expect(text).toMatch(/w7s_app_requests_total\{source="worker",outcome="success"\} \d+/);
    expect(text).toMatch(/w7s_app_request_duration_seconds_bucket\{outcome="error",le="\+Inf"\} \d+/);
    expect(text).toMatch(/w7s_deploys_total\{outcome="success"\} [1-9]/);
    expect(text).toMatch(/w7s_platform_events_total\{event="deploy",outcome="success"\} [1-9]/);
    expect(text).toMatch(/w7s_errors_total\{kind="backend_exception"\} [1-9]/);
    expect(text).toMatch(/w7s_log_records_total\{outcome="stored"\} [1-9]/);
    expect(text).toContain("# TYPE w7s_queue_depth gauge");
    expect((await fetch(server.metricsUrl!.replace("/metrics", "/other"))).status).toBe(404);
  });

  it("F.11 the hourly cleanup runs once per hour across servers and reports what it removed", async () => {
    const report = await server.cleanup();
    expect(report).toMatchObject({ cleaned: true, failures: [] });
    expect(await server.cleanup()).toEqual({ cleaned: false, reason: "already cleaned this hour" });
  });
});
