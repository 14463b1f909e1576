/**
 * Logs and analytics of the core Worker in workerd. Logs: the uploaded scripts run in the user plane with the
 * core Worker as their tail consumer (their upload's `tail_consumers`), and workerd's traces reach the core
 * Worker's real `tail` handler, so the G.1 logs API answers what a backend printed and threw, with the
 * deployment's secrets redacted. Analytics: with `ANALYTICS` bound, every platform event is also a data point
 * in the README's layout, while the G.3 API keeps answering the control plane's exact counts.
 */
import { type ConformanceTarget, deployRequest, request } from "@w7s/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";

const TOKEN = "operator-deploy-token";
const SECRET = "planted-secret-5e2d81c4";
let harness: CoreHarness;
let target: ConformanceTarget;

beforeAll(async () => {
  harness = await startCoreHarness({ vars: { W7S_DEPLOY_TOKEN: TOKEN }, analytics: true });
  target = { baseUrl: harness.url, baseDomain: "w7s.localhost", close: async () => {} };
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

const BACKEND = `export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/warn") { console.warn("x", { a: 1 }); return new Response("warned"); }
    if (pathname === "/throw") throw new Error("example intentional exception");
    if (pathname === "/secret") {
      console.log("the key is", env.API_KEY, { key: env.API_KEY });
      throw new TypeError("leaking " + env.API_KEY);
    }
    return new Response("hello");
  },
};`;

const deployBackend = async (repository: string, headers: Record<string, string> = {}) => {
  const answer = await deployRequest(target, {
    token: TOKEN,
    repository,
    files: { "backend/index.js": BACKEND },
    headers,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer;
};

const api = async (path: string) => {
  const response = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers read field by field
  return { status: response.status, text, body: JSON.parse(text) as any };
};

const waitFor = async <A>(find: () => Promise<A | undefined>, ms = 10_000): Promise<A> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((done) => setTimeout(done, 50));
  }
};

const logsOf = (repo: string, atLeast: number, query = "") =>
  waitFor(async () => {
    const answer = await api(`/api/v1/logs/acme/${repo}${query}`);
    expect(answer.status, answer.text).toBe(200);
    return answer.body.data.logs.records.length >= atLeast ? answer : undefined;
  });

describe("log capture through the tail handler (G.2)", () => {
  beforeAll(async () => {
    await deployBackend("acme/logs");
  }, 60_000);

  it("the logs API answers a console.warn and an uncaught exception with their request", async () => {
    expect((await request(target, "acme.w7s.localhost", "/logs/warn")).status).toBe(200);
    expect((await request(target, "acme.w7s.localhost", "/logs/throw")).status).toBe(500);
    const answer = await logsOf("logs", 2);
    expect(answer.body.data.logs).toMatchObject({ repository: "acme/logs", environment: "production" });
    const records = answer.body.data.logs.records;
    expect(records).toHaveLength(2);
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
      scriptName: expect.stringMatching(/^w7s-/),
    };
    expect(warning).toEqual({
      ...common,
      kind: "console",
      outcome: "ok",
      level: "warn",
      message: ["x", { a: 1 }],
      text: 'x {"a":1}',
      // The colo is the one workerd's request carries (Miniflare's stand-in `cf` object).
      request: { method: "GET", path: "/warn", status: 200, colo: expect.any(String) },
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
      request: { method: "GET", path: "/throw", status: 500, colo: expect.any(String) },
    });
    // The script is the deployment's upload in the dispatch namespace.
    expect(harness.scripts.has(warning.scriptName)).toBe(true);
    const filtered = await api("/api/v1/logs/acme/logs?kind=exception");
    expect(filtered.body.data.logs.records.map((record: { kind: string }) => record.kind)).toEqual([
      "exception",
    ]);
  }, 60_000);

  it("a secret the deployment declares is redacted from everything the logs API answers", async () => {
    const secrets = Buffer.from(JSON.stringify({ API_KEY: SECRET })).toString("base64url");
    await deployBackend("acme/vault", { "x-w7s-secrets": secrets });
    expect((await request(target, "acme.w7s.localhost", "/vault/secret")).status).toBe(500);
    const answer = await logsOf("vault", 2, "?limit=500");
    const kinds = answer.body.data.logs.records.map((record: { kind: string }) => record.kind).sort();
    expect(kinds).toEqual(["console", "exception"]);
    expect(answer.text).toContain("[secret]");
    expect(answer.text).not.toContain(SECRET);
    const exceptions = await api("/api/v1/logs/acme/vault?kind=exception");
    expect(exceptions.body.data.logs.records[0].exception).toMatchObject({ name: "TypeError" });
    expect(exceptions.text).not.toContain(SECRET);
    expect(JSON.stringify(await harness.dataPoints())).not.toContain(SECRET);
  }, 60_000);
});

describe("analytics on Analytics Engine when ANALYTICS is bound (G.3)", () => {
  interface Point {
    readonly indexes: string[];
    readonly blobs: string[];
    readonly doubles: number[];
  }
  const pointsOf = async (repository: string) =>
    ((await harness.dataPoints()) as ReadonlyArray<Point>).filter((point) => point.indexes[0] === repository);
  const weight = (points: ReadonlyArray<Point>, event: string, outcome: string) =>
    points
      .filter((point) => point.blobs[0] === event && point.blobs[5] === outcome)
      .reduce((sum, point) => sum + point.doubles[0]!, 0);

  it("writes each platform event as one data point, and the analytics API still answers the exact counts", async () => {
    await deployBackend("acme/metrics");
    for (const path of ["/metrics/", "/metrics/warn", "/metrics/throw"])
      await request(target, "acme.w7s.localhost", path);
    // Request events are written when the accountant flushes, after each response.
    const points = await waitFor(async () => {
      const found = await pointsOf("acme/metrics");
      return weight(found, "runtime_request", "success") >= 2 &&
        weight(found, "runtime_request", "error") >= 1
        ? found
        : undefined;
    });
    const deploy = points.find((point) => point.blobs[0] === "deploy");
    expect(deploy).toBeDefined();
    expect(deploy!.blobs.slice(0, 6)).toEqual([
      "deploy",
      "acme/metrics",
      "production",
      "acme",
      "metrics",
      "success",
    ]);
    // Host fields are for runtime requests only.
    expect(deploy!.blobs.slice(9)).toEqual(["", "", "", ""]);
    expect(deploy!.doubles).toHaveLength(3);
    expect(deploy!.doubles[0]).toBe(1);

    const failed = points.find((point) => point.blobs[0] === "runtime_request" && point.blobs[5] === "error");
    expect(failed!.blobs.slice(0, 5)).toEqual([
      "runtime_request",
      "acme/metrics",
      "production",
      "acme",
      "metrics",
    ]);
    expect(failed!.blobs[8]).toBe("GET");
    expect(failed!.blobs[9]).toBe("acme.w7s.localhost");
    expect(failed!.blobs[10]).toContain("/throw");
    expect(failed!.doubles[1]).toBe(500);
    expect(failed!.doubles[2]).toBeGreaterThanOrEqual(0);
    expect(weight(points, "runtime_request", "success")).toBe(2);
    expect(weight(points, "runtime_request", "error")).toBe(1);

    const { status, body } = await api("/api/v1/analytics/acme/metrics?limit=10");
    expect(status).toBe(200);
    const summary = body.data.analytics.summary as Array<{ event: string; outcome: string; count: number }>;
    expect(summary).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: "deploy", outcome: "success", count: 1 }),
        expect.objectContaining({ event: "runtime_request", outcome: "success", count: 2 }),
        expect.objectContaining({ event: "runtime_request", outcome: "error", count: 1 }),
      ]),
    );
    // Every point carries the G.3 shape.
    for (const point of (await harness.dataPoints()) as ReadonlyArray<Point>) {
      expect(point.indexes).toHaveLength(1);
      expect(point.blobs).toHaveLength(13);
      expect(point.doubles).toHaveLength(3);
    }
  }, 60_000);
});
