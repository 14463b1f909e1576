/** Log capture through real workerd: the tail worker beside each app, the ingest socket and its grants. */
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
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/quiet") return new Response("quiet");
    if (pathname === "/throw") throw new Error("intentional " + env.API_KEY);
    console.warn("example warning", { path: pathname, key: env.API_KEY });
    return new Response("warned");
  },
};`;

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
  it("forwards console output and exceptions with their request, from the deployment the grant names", async () => {
    await Effect.runPromise(runtime.service.publish(bundle("dep-1", APP)));
    const call = (path: string) =>
      Effect.runPromise(
        runtime.service.dispatch(
          "dep-1",
          new Request(`http://acme.w7s.test${path}`, { headers: { cookie: "session=abc" } }),
        ),
      );
    expect((await call("/quiet")).status).toBe(200);
    expect((await call("/warn")).status).toBe(200);
    expect((await call("/throw")).status).toBe(500);
    await waitFor(() => (batches.length >= 2 ? true : undefined));
    // The quiet request had nothing to keep: no batch for it.
    expect(batches).toHaveLength(2);
    for (const batch of batches) {
      expect(batch).toMatchObject({
        deploymentId: "dep-1",
        app: { environment: "production", orgSlug: "acme", repoSlug: "logs" },
        scriptName: "acme--logs--production--dep-1",
        secrets: [SECRET],
      });
      // Request headers never leave workerd.
      expect(JSON.stringify(batch.traces)).not.toContain("session=abc");
    }
    const context = {
      ...batches[0]!.app,
      scriptName: "s",
      secrets: [SECRET],
      observedAtMs: Date.now(),
      newId: () => "x",
    };
    const [warning] = tailRecords(batches[0]!.traces[0] as never, context);
    expect(warning).toMatchObject({
      kind: "console",
      level: "warn",
      message: ["example warning", { path: "/warn", key: "[secret]" }],
      request: { method: "GET", path: "/warn", status: 200 },
    });
    const [exception] = tailRecords(batches[1]!.traces[0] as never, context);
    expect(exception).toMatchObject({
      kind: "exception",
      outcome: "exception",
      text: "Error: intentional [secret]",
      request: { method: "GET", path: "/throw", status: 500 },
    });
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
    expect(published.map((backend) => backend.deploymentId)).toEqual(["dep-1"]);
    expect(Number.isFinite(Date.parse(published[0]!.publishedAt))).toBe(true);
  });

  it("forwards every stateful-object invocation (fetch and RPC), quiet or not, marked as one", async () => {
    const objects = `import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async fetch() { await this.ctx.storage.put("n", 1); return new Response("ok"); }
  async bump() { return 7; }
}
export default {
  async fetch(request, env) {
    const stub = env.COUNTER.get(env.COUNTER.idFromName("a"));
    await stub.fetch("http://object/");
    return new Response(String(await stub.bump()));
  },
};`;
    await Effect.runPromise(
      runtime.service.publish({
        ...bundle("dep-objects", objects),
        bindings: [{ type: "durable_object_namespace", name: "COUNTER", className: "Counter" }],
        durableObjectClasses: ["Counter"],
      }),
    );
    const answer = await Effect.runPromise(
      runtime.service.dispatch("dep-objects", new Request("http://acme.w7s.test/")),
    );
    expect(await answer.text()).toBe("7");
    const traces = await waitFor(() => {
      const found = batches
        .filter((batch) => batch.deploymentId === "dep-objects")
        .flatMap((batch) => batch.traces as Array<{ executionModel?: string; outcome: string }>);
      return found.length >= 2 ? found : undefined;
    });
    // The quiet stateless request itself is not forwarded; both object invocations are.
    expect(traces.map(({ executionModel, outcome }) => [executionModel, outcome])).toEqual([
      ["durableObject", "ok"],
      ["durableObject", "ok"],
    ]);
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
