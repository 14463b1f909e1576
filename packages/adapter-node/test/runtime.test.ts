import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BackendBundle } from "@w7s/core";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeWorkerdRuntime, PLATFORM_NOT_CONFIGURED, stopOrphanedBackends } from "../src/runtime/index.js";
import type { TailBatch } from "../src/runtime/workerdRuntime.js";

/** Stands for the server's own port and its internal API: records what reaches it. */
const received: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
const localServer: Server = createServer((request, response) => {
  received.push({ url: request.url ?? "", headers: request.headers });
  response.end("platform answered");
});
const dataDir = mkdtempSync(join(tmpdir(), "w7s-runtime-"));
let runtime: ReturnType<typeof makeWorkerdRuntime>;
let localUrl: string;
// What log capture receives: the isolate's own records and the invocations the runtime ended.
const logged: TailBatch[] = [];
const endedFromOutside = (scriptName: string) =>
  logged
    .filter((batch) => batch.scriptName === scriptName)
    .flatMap((batch) => batch.traces as Array<{ outcome: string; event: unknown }>)
    .filter((trace) => trace.outcome.startsWith("exceeded"));

beforeAll(async () => {
  await new Promise<void>((resolve) => localServer.listen(0, "127.0.0.1", resolve));
  localUrl = `http://127.0.0.1:${(localServer.address() as AddressInfo).port}`;
  runtime = makeWorkerdRuntime({
    dataDir,
    requestTimeoutMs: 1500,
    idleTimeoutMs: 60_000,
    memoryLimitMb: 64,
    platformServiceUrl: localUrl,
    logs: async (batch) => {
      logged.push(batch);
    },
  });
});
afterAll(async () => {
  await Effect.runPromise(runtime.shutdown());
  localServer.close();
});

const bundle = (
  deploymentId: string,
  modules: BackendBundle["modules"],
  bindings: BackendBundle["bindings"] = [],
): BackendBundle => ({
  deploymentId,
  app: { environment: "production", orgSlug: "acme", repoSlug: deploymentId },
  scriptName: deploymentId,
  mainModule: modules[0]!.name,
  modules,
  bindings,
  compatibilityDate: "2026-05-23",
  compatibilityFlags: [],
  durableObjectClasses: [],
});

const single = (deploymentId: string, content: string, bindings: BackendBundle["bindings"] = []) =>
  bundle(deploymentId, [{ name: "index.js", content }], bindings);

const publish = (published: BackendBundle) => Effect.runPromise(runtime.service.publish(published));
const publishFailure = async (published: BackendBundle) => {
  const result = await Effect.runPromise(Effect.result(runtime.service.publish(published)));
  if (result._tag === "Success") throw new Error("publish succeeded");
  return result.failure;
};
const call = (id: string, path = "/", init?: RequestInit) =>
  Effect.runPromise(runtime.service.dispatch(id, new Request(`http://app.test${path}`, init)));

describe("workerd backend runtime", () => {
  it("runs a relative module graph with its own vars and secrets, streaming bodies, logging to a file", async () => {
    await publish(
      bundle(
        "a",
        [
          {
            name: "index.ts",
            content: `import { greet } from "./lib/greet.ts";
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (url.pathname === "/echo") return new Response(req.body, { headers: { "x-method": req.method } });
    if (url.pathname === "/go") return Response.redirect("https://example.com/elsewhere", 302);
    console.log("serving " + url.pathname + url.search);
    return Response.json({ text: greet(env.NAME), secret: env.SECRET, other: env.OTHER ?? null, process: typeof process, query: url.search });
  },
};`,
          },
          { name: "lib/greet.ts", content: 'export const greet = (name) => "hello " + name;' },
        ],
        [
          { type: "plain_text", name: "NAME", text: 'ada "quoted"\nline' },
          { type: "secret_text", name: "SECRET", text: "s3cret" },
        ],
      ),
    );
    // A compatibility date newer than the binary supports is clamped, not refused.
    await publish({
      ...single(
        "b",
        "export default { fetch(req, env) { return Response.json({ other: env.NAME ?? null }); } };",
        [{ type: "plain_text", name: "OTHER", text: "b" }],
      ),
      compatibilityDate: "2999-01-01",
    });

    expect(await (await call("a", "/hello?x=1")).json()).toEqual({
      text: 'hello ada "quoted"\nline',
      secret: "s3cret",
      other: null,
      process: "undefined",
      query: "?x=1",
    });
    expect(await (await call("b")).json()).toEqual({ other: null });

    const echoed = await call("a", "/echo", { method: "POST", body: "x".repeat(200_000) });
    expect(echoed.headers.get("x-method")).toBe("POST");
    expect((await echoed.text()).length).toBe(200_000);
    const redirect = await call("a", "/go");
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("https://example.com/elsewhere");

    await expect
      .poll(() => readFileSync(join(dataDir, "logs", "a.log"), "utf8"))
      .toMatch(/stdout serving \/hello\?x=1\n/);
  });

  it("refuses a module graph that does not load, with workerd's reason", async () => {
    const syntax = await publishFailure(single("broken", "export default { fetch( { ;"));
    expect(syntax.reason).toBe("Rejected");
    expect(syntax.description).toMatch(/SyntaxError/);

    const missing = await publishFailure(
      single(
        "missing",
        'import { x } from "./nowhere.js";\nexport default { fetch() { return new Response(x); } };',
      ),
    );
    expect(missing.reason).toBe("Rejected");
    expect(missing.description).toMatch(/nowhere\.js/);
  });

  it("refuses bindings it cannot provide yet", async () => {
    const failure = await publishFailure(
      single("mail", 'export default { fetch() { return new Response("x"); } };', [
        { type: "send_email", name: "MAIL", destinationAddress: "ops@example.com" },
      ]),
    );
    expect(failure.reason).toBe("Rejected");
    expect(failure.description).toBe("Binding MAIL of type send_email is not supported by this runtime yet.");
  });

  it("stops a looping backend within the timeout while others answer, then serves again", async () => {
    await publish(
      single(
        "loop",
        'export default { fetch(req) { if (new URL(req.url).pathname === "/spin") { for (;;) {} } return new Response("ok"); } };',
      ),
    );
    const started = Date.now();
    const spinning = Effect.runPromise(
      Effect.result(runtime.service.dispatch("loop", new Request("http://app.test/spin"))),
    );
    expect(await (await call("b")).json()).toEqual({ other: null });
    const result = await spinning;
    expect(result._tag === "Failure" && result.failure.reason).toBe("Timeout");
    expect(Date.now() - started).toBeLessThan(3000);
    // The isolate never got to say so: the runtime logs the request it stopped, with the client's 504.
    expect(endedFromOutside("loop")).toEqual([
      {
        outcome: "exceededWallTime",
        eventTimestamp: expect.any(Number),
        event: { request: { method: "GET", url: "http://app.test/spin" }, response: { status: 504 } },
        logs: [],
        exceptions: [],
      },
    ]);
    expect(await (await call("loop", "/fine")).text()).toBe("ok");
  });

  it("cannot reach the server's local ports; platform bindings reach the internal API with only the app's headers", async () => {
    await publish(
      single(
        "fetcher",
        `export default {
  async fetch(req, env) {
    if (new URL(req.url).pathname === "/rpc") {
      const r = await env.W7S_RPC.fetch("https://w7s.internal/api/v1/rpc/o/r/x?y=1", { headers: { authorization: "Bearer " + env.W7S_RPC_TOKEN } });
      return new Response(await r.text());
    }
    try { const r = await fetch(env.TARGET); return new Response("reached " + r.status); }
    catch (e) { return new Response("blocked: " + e.message); }
  },
};`,
        [
          { type: "plain_text", name: "TARGET", text: `${localUrl}/private` },
          { type: "secret_text", name: "W7S_RPC_TOKEN", text: "rpc-token" },
          { type: "platform_service", name: "W7S_RPC", service: "rpc" },
        ],
      ),
    );
    expect(await (await call("fetcher")).text()).toMatch(/^blocked/);
    expect(received.some((entry) => entry.url === "/private")).toBe(false);

    expect(await (await call("fetcher", "/rpc")).text()).toBe("platform answered");
    const rpc = received.find((entry) => entry.url === "/api/v1/rpc/o/r/x?y=1");
    expect(rpc?.headers.authorization).toBe("Bearer rpc-token");
    expect(Object.keys(rpc?.headers ?? {}).filter((name) => name.startsWith("x-w7s"))).toEqual([]);
  });
});

describe("workerd isolation and limits", () => {
  it("gives an app no view of host files or the server's environment, even with nodejs_compat", async () => {
    process.env.W7S_TEST_SERVER_SECRET = "server-only-value";
    await publish({
      ...single(
        "host",
        `import fs from "node:fs";
export default {
  fetch() {
    let file;
    try { file = "read " + fs.readFileSync("/etc/hostname", "utf8"); } catch (e) { file = "denied"; }
    return Response.json({ file, env: JSON.stringify(process.env) });
  },
};`,
      ),
      compatibilityFlags: ["nodejs_compat"],
    });
    const seen = (await (await call("host")).json()) as { file: string; env: string };
    expect(seen.file).toBe("denied");
    expect(seen.env).not.toContain("server-only-value");
    expect(seen.env).not.toContain("PATH");
  });

  it("stops an app that allocates without bound (heap or buffers); it serves again afterwards", async () => {
    await publish(
      single(
        "hog",
        `const kept = [];
export default {
  fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/heap") for (;;) kept.push(new Array(1e6).fill(Math.random()));
    if (path === "/buffers") { for (let i = 0; i < 40; i++) kept.push(new Uint8Array(50e6).fill(1)); return new Response("kept " + kept.length); }
    kept.length = 0;
    return new Response("fine");
  },
};`,
      ),
    );
    const heap = await Effect.runPromise(
      Effect.result(runtime.service.dispatch("hog", new Request("http://app.test/heap"))),
    );
    expect(heap._tag).toBe("Failure");
    expect(endedFromOutside("hog").map((trace) => trace.outcome)).toContain(
      heap._tag === "Failure" && heap.failure.reason === "Timeout" ? "exceededWallTime" : "exceededMemory",
    );
    expect(await (await call("hog", "/ok")).text()).toBe("fine");

    // 2 GB of buffers lives outside the V8 heap; the process data limit stops it.
    const buffers = await Effect.runPromise(
      Effect.result(runtime.service.dispatch("hog", new Request("http://app.test/buffers"))),
    );
    if (buffers._tag === "Success") expect(buffers.success.status).toBe(500);
    const hog = runtime.processIds().get("hog");
    if (hog !== undefined) {
      const peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${hog}/status`, "utf8"))?.[1]);
      expect(peakKb).toBeLessThan(400 * 1024);
    }
    expect(await (await call("hog", "/ok")).text()).toBe("fine");
  }, 30_000);

  it("republishing one app leaves another app's process alone; retire stops it", async () => {
    const before = runtime.processIds().get("b");
    expect(before).toBeDefined();
    await publish(single("c", 'export default { fetch() { return new Response("c"); } };'));
    await publish(single("c", 'export default { fetch() { return new Response("c2"); } };'));
    expect(await (await call("c")).text()).toBe("c2");
    expect(runtime.processIds().get("b")).toBe(before);

    const pid = runtime.processIds().get("c")!;
    await Effect.runPromise(runtime.service.retire("c"));
    expect(runtime.processIds().has("c")).toBe(false);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    const gone = await Effect.runPromise(
      Effect.result(runtime.service.dispatch("c", new Request("http://app.test/"))),
    );
    expect(gone._tag === "Failure" && gone.failure.reason).toBe("NotFound");
  });
});

describe("idle backends", () => {
  it("stop after the idle timeout and start again on the next request", async () => {
    const idle = makeWorkerdRuntime({
      dataDir: mkdtempSync(join(tmpdir(), "w7s-idle-")),
      idleTimeoutMs: 300,
    });
    try {
      await Effect.runPromise(
        idle.service.publish(
          single(
            "sleepy",
            'export default { async fetch(req, env) { return new URL(req.url).pathname === "/rpc" ? env.W7S_AI.fetch("https://w7s.internal/api/v1/ai/run") : new Response("awake"); } };',
            [{ type: "platform_service", name: "W7S_AI", service: "ai" }],
          ),
        ),
      );
      const pid = idle.processIds().get("sleepy")!;
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(idle.processIds().has("sleepy")).toBe(false);
      expect(existsSync(`/proc/${pid}`)).toBe(false);
      const response = await Effect.runPromise(
        idle.service.dispatch("sleepy", new Request("http://app.test/")),
      );
      expect(await response.text()).toBe("awake");

      // Without a platform URL, the platform bindings exist and say why they cannot help.
      const rpc = await Effect.runPromise(
        idle.service.dispatch("sleepy", new Request("http://app.test/rpc")),
      );
      expect(rpc.status).toBe(503);
      expect(await rpc.text()).toBe(PLATFORM_NOT_CONFIGURED);
    } finally {
      await Effect.runPromise(idle.shutdown());
    }
  });
});

/** Pids of workerd processes running in a folder under `root`. */
const workerdsUnder = (root: string): number[] =>
  readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return (
          readlinkSync(`/proc/${pid}/cwd`).startsWith(root) &&
          readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")
        );
      } catch {
        return false;
      }
    })
    .map(Number);

describe("a runtime shut down while backends start", () => {
  it("leaves no workerd behind (a publish under way, a restart on request) and refuses later starts", async () => {
    const shared = mkdtempSync(join(tmpdir(), "w7s-shutdown-"));
    const hello = (id: string) => single(id, `export default { fetch() { return new Response("${id}"); } };`);
    const first = makeWorkerdRuntime({ dataDir: shared });
    await Effect.runPromise(first.service.publish(hello("kept")));
    await Effect.runPromise(first.shutdown());
    expect(workerdsUnder(shared)).toEqual([]);

    const second = makeWorkerdRuntime({ dataDir: shared });
    const restarting = Effect.runPromise(
      Effect.result(second.service.dispatch("kept", new Request("http://app.test/"))),
    );
    const publishing = Effect.runPromise(Effect.result(second.service.publish(hello("new"))));
    // Both processes are being spawned (their pid files exist) when the server stops.
    await expect
      .poll(
        () =>
          readdirSync(join(shared, "runtime"), { recursive: true }).filter((name) =>
            String(name).endsWith(".pid"),
          ).length,
      )
      .toBe(2);
    await Effect.runPromise(second.shutdown());
    await Promise.all([restarting, publishing]);
    expect(workerdsUnder(shared)).toEqual([]);

    const late = await Effect.runPromise(
      Effect.result(second.service.dispatch("kept", new Request("http://app.test/"))),
    );
    expect(late._tag === "Failure" && late.failure.description).toBe("The server is stopping.");
    expect(workerdsUnder(shared)).toEqual([]);
  }, 30_000);
});

describe("a server killed with kill -9", () => {
  it("leaves workerd processes that the next start stops, sparing live servers' processes", async () => {
    const live = runtime.processIds().get("b");
    expect(live).toBeDefined();
    const script = `
      const { Effect } = await import("effect");
      const { makeWorkerdRuntime } = await import(${JSON.stringify(resolve(import.meta.dirname, "../src/runtime/index.ts"))});
      const runtime = makeWorkerdRuntime({ dataDir: ${JSON.stringify(dataDir)} });
      await Effect.runPromise(runtime.service.publish({
        deploymentId: "orphan", scriptName: "orphan", mainModule: "index.js",
        modules: [{ name: "index.js", content: 'export default { fetch() { return new Response("o"); } };' }],
        bindings: [], compatibilityDate: "2026-05-23", compatibilityFlags: [], durableObjectClasses: [],
      }));
      console.log("pid " + runtime.processIds().get("orphan"));
      setInterval(() => {}, 1000);`;
    const server = spawn(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        resolve(import.meta.dirname, "../../core/bench/resolveTs.ts"),
        "--input-type=module",
        "-e",
        script,
      ],
      { cwd: resolve(import.meta.dirname, ".."), stdio: ["ignore", "pipe", "inherit"] },
    );
    const orphan = await new Promise<number>((found) => {
      let output = "";
      server.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const pid = /pid (\d+)/.exec(output)?.[1];
        if (pid !== undefined) found(Number(pid));
      });
    });
    server.kill("SIGKILL");
    await new Promise((resolve) => server.once("exit", resolve));
    expect(existsSync(`/proc/${orphan}`)).toBe(true);

    expect(stopOrphanedBackends(dataDir)).toBe(1);
    await expect
      .poll(
        () =>
          existsSync(`/proc/${orphan}/cmdline`) &&
          readFileSync(`/proc/${orphan}/cmdline`, "utf8").includes("workerd"),
      )
      .toBe(false);
    expect(runtime.processIds().get("b")).toBe(live);
    expect(await (await call("b")).json()).toEqual({ other: null });
  }, 30_000);
});
