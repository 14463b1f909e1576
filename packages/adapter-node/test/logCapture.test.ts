/** Log capture through real workerd: the entry module that wraps each app, the ingest socket and its grants. */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BackendBundle, tailRecords } from "@w7s/core";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeLogGrants, startLogIngest } from "../src/logs/index.js";
import { makeWorkerdRuntime, type TailBatch } from "../src/runtime/index.js";

const SECRET = "tail-secret-0123456789";
const dataDir = mkdtempSync(join(tmpdir(), "w7s-logs-"));
const batches: TailBatch[] = [];
let runtime: ReturnType<typeof makeWorkerdRuntime>;

beforeAll(() => {
  runtime = makeWorkerdRuntime({
    dataDir,
    idleTimeoutMs: 60_000,
    logs: async (batch) => {
      batches.push(batch);
    },
  });
});
afterAll(async () => {
  await Effect.runPromise(runtime.shutdown());
});

const bundle = (deploymentId: string, content: string): BackendBundle => ({
  deploymentId,
  app: { environment: "production", orgSlug: "acme", repoSlug: "logs" },
  scriptName: `acme--logs--production--${deploymentId}`,
  mainModule: "index.js",
  modules: [{ name: "index.js", content }],
  bindings: [{ type: "secret_text", name: "API_KEY", text: SECRET }],
  compatibilityDate: "2026-05-23",
  compatibilityFlags: [],
  durableObjectClasses: [],
});

const APP = `export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname === "/quiet") return new Response("quiet");
    if (pathname === "/env") return Response.json({ keys: Object.keys(env), sink: "__W7S_LOG_SINK" in env });
    if (pathname === "/throw") throw new Error("intentional " + env.API_KEY);
    if (pathname === "/later") {
      ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, 50)).then(() => console.log("after the response", env.API_KEY)));
      return new Response("later", { status: 202 });
    }
    console.warn("example warning", { path: pathname, key: env.API_KEY });
    return new Response("warned");
  },
};`;

type Trace = {
  event?: { request?: { url?: string }; response?: { status?: number } };
  executionModel?: string;
  outcome?: string;
  objectUsage?: Record<string, number>;
};
/** Every trace the deployment sent so far, in order (several may share one batch). */
const tracesOf = (deploymentId: string) =>
  batches.filter((batch) => batch.deploymentId === deploymentId).flatMap((batch) => batch.traces as Trace[]);
const pathOf = (trace: Trace) => new URL(trace.event?.request?.url ?? "http://none/").pathname;
const contextFor = (batch: TailBatch) => ({
  ...batch.app,
  scriptName: "s",
  secrets: [SECRET],
  observedAtMs: Date.now(),
  newId: () => "x",
});

const waitFor = async <A>(find: () => A | undefined, ms = 5000): Promise<A> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe("G.2 log capture on workerd", () => {
  const call = (deploymentId: string, path: string) =>
    Effect.runPromise(
      runtime.service.dispatch(
        deploymentId,
        new Request(`http://acme.w7s.test${path}`, { headers: { cookie: "session=abc" } }),
      ),
    );

  it("a console.warn and a thrown exception are captured with their request, from the deployment the grant names", async () => {
    await Effect.runPromise(runtime.service.publish(bundle("dep-1", APP)));
    expect((await call("dep-1", "/quiet")).status).toBe(200);
    expect((await call("dep-1", "/warn")).status).toBe(200);
    expect((await call("dep-1", "/throw")).status).toBe(500);
    const traces = await waitFor(() => (tracesOf("dep-1").length >= 2 ? tracesOf("dep-1") : undefined));
    // The quiet request had nothing to keep.
    expect(traces.map(pathOf)).toEqual(["/warn", "/throw"]);
    for (const batch of batches) {
      expect(batch).toMatchObject({
        deploymentId: "dep-1",
        app: { environment: "production", orgSlug: "acme", repoSlug: "logs" },
        scriptName: "acme--logs--production--dep-1",
        secrets: [SECRET],
      });
      // Request headers never leave workerd, and a secret never leaves it in clear.
      expect(JSON.stringify(batch.traces)).not.toContain("session=abc");
      expect(JSON.stringify(batch.traces)).not.toContain(SECRET);
    }
    const context = contextFor(batches[0]!);
    const [warning] = tailRecords(traces[0] as never, context);
    expect(warning).toMatchObject({
      kind: "console",
      level: "warn",
      message: ["example warning", { path: "/warn", key: "[secret]" }],
      request: { method: "GET", path: "/warn", status: 200 },
    });
    expect(Date.parse(warning!.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    const [exception] = tailRecords(traces[1] as never, context);
    expect(exception).toMatchObject({
      kind: "exception",
      level: "error",
      outcome: "exception",
      text: "Error: intentional [secret]",
      exception: { name: "Error", message: "intentional [secret]" },
      request: { method: "GET", path: "/throw", status: 500 },
    });
    expect(exception?.exception?.stack).toContain("intentional [secret]");
  });

  it("captures a log written in ctx.waitUntil after the response, with that request", async () => {
    const response = await call("dep-1", "/later");
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("later");
    const trace = await waitFor(() => tracesOf("dep-1").find((found) => pathOf(found) === "/later"));
    const [record] = tailRecords(trace as never, contextFor(batches[0]!));
    expect(record).toMatchObject({
      kind: "console",
      level: "log",
      message: ["after the response", "[secret]"],
      request: { method: "GET", path: "/later", status: 202 },
    });
  });

  it("records an app that never names console without a context per request: its exceptions, and the calls it makes before an await", async () => {
    // The global's name is built, so the module holds no "console": invocations run without AsyncLocalStorage.
    const SILENT = `const out = () => globalThis["con" + "sole"];
export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/throw") throw new Error("silent app failed");
    out().info("before any await", pathname);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return new Response("ok");
  },
};`;
    await Effect.runPromise(runtime.service.publish(bundle("dep-silent", SILENT)));
    expect((await call("dep-silent", "/talk")).status).toBe(200);
    expect((await call("dep-silent", "/throw")).status).toBe(500);
    const traces = await waitFor(() =>
      tracesOf("dep-silent").length >= 2 ? tracesOf("dep-silent") : undefined,
    );
    expect(traces.map(pathOf)).toEqual(["/talk", "/throw"]);
    const context = contextFor(batches.find((batch) => batch.deploymentId === "dep-silent")!);
    expect(tailRecords(traces[0] as never, context)[0]).toMatchObject({
      kind: "console",
      level: "info",
      message: ["before any await", "/talk"],
      request: { method: "GET", path: "/talk", status: 200 },
    });
    expect(tailRecords(traces[1] as never, context)[0]).toMatchObject({
      kind: "exception",
      text: "Error: silent app failed",
      request: { method: "GET", path: "/throw", status: 500 },
    });
  });

  it("a quiet OK request sends no batch, and the app's env has no trace of the log binding", async () => {
    await Effect.runPromise(runtime.service.publish(bundle("dep-quiet", APP)));
    for (let index = 0; index < 5; index += 1) expect((await call("dep-quiet", "/quiet")).status).toBe(200);
    const answer = await call("dep-quiet", "/env");
    expect(await answer.json()).toEqual({ keys: ["API_KEY"], sink: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(batches.filter((batch) => batch.deploymentId === "dep-quiet")).toEqual([]);
  });

  it("keeps no secret in the deployment's log file either", async () => {
    const logs = join(dataDir, "logs");
    const file = await waitFor(() => {
      const text = readdirSync(logs)
        .map((name) => readFileSync(join(logs, name), "utf8"))
        .join("\n");
      return text.includes("intentional") ? text : undefined;
    });
    expect(file).toContain("[secret]");
    expect(file).not.toContain(SECRET);
  });

  it("lists what it published, with when", async () => {
    const published = await Effect.runPromise(runtime.service.listPublished());
    expect(published.map((backend) => backend.deploymentId).sort()).toEqual([
      "dep-1",
      "dep-quiet",
      "dep-silent",
    ]);
    expect(Number.isFinite(Date.parse(published[0]!.publishedAt))).toBe(true);
  });

  it("counts stateful-object invocations (fetch and RPC), their storage units, rows and wall time", async () => {
    const objects = `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.keys = Object.keys(env);
  }
  async fetch() {
    await this.ctx.storage.put("a", 1);
    await this.ctx.storage.put("b", "two");
    await this.ctx.storage.put("c", { three: 3 });
    await this.ctx.storage.get("a");
    await this.ctx.storage.get("b");
    await this.ctx.storage.delete("c");
    return new Response("stored");
  }
  insert() {
    const cursor = this.sql.exec("INSERT INTO items (name) VALUES (?), (?)", "x", "y");
    return cursor.rowsWritten;
  }
  async slow() { await new Promise((resolve) => setTimeout(resolve, 50)); return this.keys; }
}
export default {
  async fetch(request, env) {
    const stub = env.COUNTER.get(env.COUNTER.idFromName("a"));
    const { pathname } = new URL(request.url);
    if (pathname === "/setup") { await stub.setup(); return new Response("ready"); }
    if (pathname === "/storage") return new Response(await (await stub.fetch("http://object/")).text());
    if (pathname === "/sql") return Response.json(await stub.insert());
    return Response.json(await stub.slow());
  },
};
Counter.prototype.setup = function () {
  this.sql.exec("CREATE TABLE IF NOT EXISTS items (name TEXT)");
};`;
    await Effect.runPromise(
      runtime.service.publish({
        ...bundle("dep-objects", objects),
        bindings: [{ type: "durable_object_namespace", name: "COUNTER", className: "Counter" }],
        durableObjectClasses: ["Counter"],
      }),
    );
    const usageOf = async () => {
      const sent = await waitFor(() => {
        const found = tracesOf("dep-objects").filter((trace) => trace.objectUsage !== undefined);
        return found.length > 0 ? found : undefined;
      });
      batches.splice(0, batches.length, ...batches.filter((batch) => batch.deploymentId !== "dep-objects"));
      const total: Record<string, number> = {};
      for (const trace of sent) {
        expect(trace).toMatchObject({ executionModel: "durableObject", outcome: "ok" });
        for (const [key, value] of Object.entries(trace.objectUsage!)) total[key] = (total[key] ?? 0) + value;
      }
      return total;
    };
    const answer = async (path: string) =>
      (
        await Effect.runPromise(
          runtime.service.dispatch("dep-objects", new Request(`http://acme.w7s.test${path}`)),
        )
      ).text();

    expect(await answer("/setup")).toBe("ready");
    await usageOf();
    expect(await answer("/storage")).toBe("stored");
    expect(await usageOf()).toMatchObject({
      requests: 1,
      errors: 0,
      readUnits: 2,
      writeUnits: 3,
      deletes: 1,
      rowsRead: 0,
      rowsWritten: 0,
    });
    expect(await answer("/sql")).toBe("2");
    expect(await usageOf()).toMatchObject({ requests: 1, rowsWritten: 2, readUnits: 0, writeUnits: 0 });
    // The object's env has no log binding either; an invocation that waits 50 ms takes about that long.
    expect(JSON.parse(await answer("/slow"))).toEqual(["COUNTER"]);
    const slow = await usageOf();
    expect(slow).toMatchObject({ requests: 1 });
    expect(slow["durationMs"]).toBeGreaterThanOrEqual(45);
  });
});

describe("the log ingest socket", () => {
  it("takes only batches signed for a deployment, as JSON arrays within the size cap", async () => {
    const directory = mkdtempSync(join(tmpdir(), "w7s-ingest-"));
    const grants = makeLogGrants(directory);
    const received: Array<[string, ReadonlyArray<unknown>]> = [];
    const ingest = await startLogIngest({
      socketPath: join(directory, "ingest.sock"),
      grants,
      maxBodyBytes: 1024,
      receive: async (deploymentId, traces) => {
        received.push([deploymentId, traces]);
      },
    });
    const post = (body: string, grant: string | undefined) =>
      new Promise<number>((resolve, reject) => {
        const outgoing = request(
          {
            socketPath: ingest.socketPath,
            path: "/traces",
            method: "POST",
            headers: grant === undefined ? {} : { "x-w7s-log-grant": grant },
          },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        outgoing.on("error", reject);
        outgoing.end(body);
      });
    try {
      const forged = makeLogGrants(mkdtempSync(join(tmpdir(), "w7s-other-"))).issue("dep-1");
      expect(await post("[]", undefined)).toBe(403);
      expect(await post("[]", forged)).toBe(403);
      expect(await post("[]", `${grants.issue("dep-1")}x`)).toBe(403);
      expect(await post("{}", grants.issue("dep-1"))).toBe(400);
      expect(await post(`[${"1,".repeat(600)}1]`, grants.issue("dep-1"))).toBe(413);
      expect(await post('[{"outcome":"ok"}]', grants.issue("dep-1"))).toBe(204);
      expect(received).toEqual([["dep-1", [{ outcome: "ok" }]]]);
    } finally {
      await ingest.close();
    }
  });
});

describe("the entry module and object classes the app does not export", () => {
  it("loads an app that declares a stateful-object class it does not export", async () => {
    await Effect.runPromise(
      runtime.service.publish({
        ...bundle("dep-no-class", 'export default { fetch() { return new Response("fine"); } };'),
        bindings: [{ type: "durable_object_namespace", name: "COUNTER", className: "Counter" }],
        durableObjectClasses: ["Counter"],
      }),
    );
    const answer = await Effect.runPromise(
      runtime.service.dispatch("dep-no-class", new Request("http://acme.w7s.test/")),
    );
    expect(await answer.text()).toBe("fine");
  });
});
