import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BackendBundle } from "@w7s/core";
import { Effect } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { makeWorkerdRuntime } from "../src/runtime/index.js";

const dataDir = mkdtempSync(join(tmpdir(), "w7s-runtime-"));
const runtime = makeWorkerdRuntime({
  dataDir,
  requestTimeoutMs: 1500,
  idleTimeoutMs: 60_000,
  memoryLimitMb: 64,
});
afterAll(() => Effect.runPromise(runtime.shutdown()));

const bundle = (
  deploymentId: string,
  modules: BackendBundle["modules"],
  bindings: BackendBundle["bindings"] = [],
): BackendBundle => ({
  deploymentId,
  scriptName: deploymentId,
  mainModule: modules[0]!.name,
  modules,
  bindings,
  compatibilityDate: "2026-05-23",
  compatibilityFlags: [],
  durableObjectClasses: [],
});

const call = (id: string, path = "/") =>
  Effect.runPromise(runtime.service.dispatch(id, new Request(`http://app.test${path}`)));

describe("workerd backend runtime", () => {
  it("runs a module graph with its own bindings only", async () => {
    await Effect.runPromise(
      runtime.service.publish(
        bundle(
          "a",
          [
            {
              name: "index.ts",
              content:
                'import { greet } from "./lib/greet.ts";\nexport default { fetch(req, env) { return Response.json({ text: greet(env.NAME), secret: env.SECRET, other: env.OTHER ?? null, process: typeof process }); } };',
            },
            { name: "lib/greet.ts", content: 'export const greet = (name) => "hello " + name;' },
          ],
          [
            { type: "plain_text", name: "NAME", text: 'ada "quoted"\nline' },
            { type: "secret_text", name: "SECRET", text: "s3cret" },
          ],
        ),
      ),
    );
    await Effect.runPromise(
      runtime.service.publish(
        bundle(
          "b",
          [
            {
              name: "index.js",
              content:
                "export default { fetch(req, env) { return Response.json({ other: env.NAME ?? null }); } };",
            },
          ],
          [{ type: "plain_text", name: "OTHER", text: "b" }],
        ),
      ),
    );
    const a = await (await call("a")).json();
    expect(a).toEqual({
      text: 'hello ada "quoted"\nline',
      secret: "s3cret",
      other: null,
      process: "undefined",
    });
    expect(await (await call("b")).json()).toEqual({ other: null });
  });

  it("refuses a module graph that does not load", async () => {
    const published = await Effect.runPromise(
      Effect.result(
        runtime.service.publish(
          bundle("broken", [{ name: "index.js", content: "export default { fetch( { ;" }]),
        ),
      ),
    );
    expect(published._tag).toBe("Failure");
    if (published._tag === "Failure") expect(published.failure.reason).toBe("Rejected");
  });

  it("stops a looping backend within the timeout while others answer, then serves again", async () => {
    await Effect.runPromise(
      runtime.service.publish(
        bundle("loop", [
          {
            name: "index.js",
            content:
              'export default { fetch(req) { if (new URL(req.url).pathname === "/spin") { for (;;) {} } return new Response("ok"); } };',
          },
        ]),
      ),
    );
    const started = Date.now();
    const spinning = Effect.runPromise(
      Effect.result(runtime.service.dispatch("loop", new Request("http://app.test/spin"))),
    );
    expect(await (await call("b")).json()).toEqual({ other: null });
    const result = await spinning;
    expect(result._tag).toBe("Failure");
    if (result._tag === "Failure") expect(result.failure.reason).toBe("Timeout");
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await (await call("loop", "/fine")).text()).toBe("ok");
  });

  it("cannot reach the server's local ports", async () => {
    await Effect.runPromise(
      runtime.service.publish(
        bundle("fetcher", [
          {
            name: "index.js",
            content:
              'export default { async fetch() { try { const r = await fetch("http://127.0.0.1:5432/"); return new Response("reached " + r.status); } catch (e) { return new Response("blocked: " + e.message); } } };',
          },
        ]),
      ),
    );
    expect(await (await call("fetcher")).text()).toMatch(/^blocked/);
  });
});

describe("workerd isolation and limits", () => {
  it("gives an app no view of host files, even with nodejs_compat", async () => {
    await Effect.runPromise(
      runtime.service.publish({
        ...bundle("files", [
          {
            name: "index.js",
            content:
              'import fs from "node:fs";\nexport default { fetch() { try { return new Response("read " + fs.readFileSync("/etc/hostname", "utf8")); } catch (e) { return new Response("denied: " + e.code); } } };',
          },
        ]),
        compatibilityFlags: ["nodejs_compat"],
      }),
    );
    expect(await (await call("files")).text()).toMatch(/^denied/);
  });

  it("stops an app that allocates without bound; it serves again afterwards", async () => {
    await Effect.runPromise(
      runtime.service.publish(
        bundle("hog", [
          {
            name: "index.js",
            content:
              'const kept = [];\nexport default { fetch(req) { if (new URL(req.url).pathname === "/hog") { for (;;) kept.push(new Array(1e6).fill(Math.random())); } return new Response("fine"); } };',
          },
        ]),
      ),
    );
    const hog = await Effect.runPromise(
      Effect.result(runtime.service.dispatch("hog", new Request("http://app.test/hog"))),
    );
    expect(hog._tag).toBe("Failure");
    expect(await (await call("hog", "/ok")).text()).toBe("fine");
  }, 30_000);

  it("republishing one app leaves another app's process alone; retire stops it", async () => {
    const before = runtime.processIds().get("b");
    await Effect.runPromise(
      runtime.service.publish(
        bundle("c", [
          { name: "index.js", content: 'export default { fetch() { return new Response("c"); } };' },
        ]),
      ),
    );
    await Effect.runPromise(
      runtime.service.publish(
        bundle("c", [
          { name: "index.js", content: 'export default { fetch() { return new Response("c2"); } };' },
        ]),
      ),
    );
    expect(await (await call("c")).text()).toBe("c2");
    expect(runtime.processIds().get("b")).toBe(before);
    await Effect.runPromise(runtime.service.retire("c"));
    expect(runtime.processIds().has("c")).toBe(false);
    const gone = await Effect.runPromise(
      Effect.result(runtime.service.dispatch("c", new Request("http://app.test/"))),
    );
    expect(gone._tag === "Failure" && gone.failure.reason).toBe("NotFound");
  });
});

describe("idle backends", () => {
  it("stop after the idle timeout and start again on the next request", async () => {
    const idle = makeWorkerdRuntime({ dataDir, idleTimeoutMs: 300 });
    try {
      await Effect.runPromise(
        idle.service.publish(
          bundle("sleepy", [
            { name: "index.js", content: 'export default { fetch() { return new Response("awake"); } };' },
          ]),
        ),
      );
      expect(idle.processIds().has("sleepy")).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(idle.processIds().has("sleepy")).toBe(false);
      const response = await Effect.runPromise(
        idle.service.dispatch("sleepy", new Request("http://app.test/")),
      );
      expect(await response.text()).toBe("awake");
    } finally {
      await Effect.runPromise(idle.shutdown());
    }
  });
});
