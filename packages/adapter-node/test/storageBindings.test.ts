/**
 * KV, stateful objects and Postgres bindings, driven through real workerd processes the way a deployed
 * backend uses them: the app's code calls `env.*` and answers what it saw.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropTestSchemas, freshSchemaName, requirePostgres, TEST_DATABASE_URL } from "@w7s/conformance";
import type { BackendBundle } from "@w7s/core";
import { Effect } from "effect";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GRANT_HEADER,
  makeDbGateway,
  makeFsGateway,
  makeGrantSigner,
  makeKvGateway,
  startBindingsHost,
  type UsageEvent,
} from "../src/bindings/index.js";
import { makeWorkerdRuntime } from "../src/runtime/index.js";

const dataDir = mkdtempSync(join(tmpdir(), "w7s-storage-"));
const usage: UsageEvent[] = [];
let clockSkew = 0;
const runtimeOptions = {
  dataDir,
  requestTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  usage: (event: UsageEvent) => usage.push(event),
  now: () => Date.now() + clockSkew,
};
let runtime: ReturnType<typeof makeWorkerdRuntime>;
const pgSchema = freshSchemaName();

beforeAll(() => {
  runtime = makeWorkerdRuntime(runtimeOptions);
});
afterAll(async () => {
  await Effect.runPromise(runtime.shutdown());
  await dropTestSchemas();
});

const app = (repoSlug: string) => ({ environment: "production", orgSlug: "acme", repoSlug });

const bundle = (
  deploymentId: string,
  repoSlug: string,
  content: string,
  bindings: BackendBundle["bindings"],
  extra: Partial<BackendBundle> = {},
): BackendBundle => ({
  deploymentId,
  app: app(repoSlug),
  scriptName: `acme--${repoSlug}--production`,
  mainModule: "index.js",
  modules: [{ name: "index.js", content }],
  bindings,
  compatibilityDate: "2026-05-23",
  compatibilityFlags: [],
  durableObjectClasses: [],
  ...extra,
});

const publish = (published: BackendBundle) => Effect.runPromise(runtime.service.publish(published));
const call = async (id: string, path = "/", init?: RequestInit) => {
  const response = await Effect.runPromise(
    runtime.service.dispatch(id, new Request(`http://app.test${path}`, init)),
  );
  return { status: response.status, body: await response.text() };
};
// biome-ignore lint/suspicious/noExplicitAny: app answers are asserted field by field
const json = async (id: string, path = "/", init?: RequestInit): Promise<any> => {
  const answer = await call(id, path, init);
  expect(answer.status, answer.body).toBe(200);
  return JSON.parse(answer.body);
};

/** An app whose `/<op>` runs one KV call with the query's arguments and answers its result or error. */
const KV_APP = `
const attempt = async (run) => { try { return { ok: await run() }; } catch (error) { return { error: String(error.message ?? error) }; } };
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const q = (name) => url.searchParams.get(name);
    const kv = env[q("binding") ?? "KV"];
    const op = url.pathname.slice(1);
    const options = q("options") === null ? undefined : JSON.parse(q("options"));
    const result = await attempt(async () => {
      switch (op) {
        case "put": return (await kv.put(q("key"), q("value") ?? "x".repeat(Number(q("size"))), options)) ?? null;
        case "put-bytes": return (await kv.put(q("key"), new Uint8Array([1, 2, 3, 255]))) ?? null;
        case "put-stream": {
          const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("str")); c.enqueue(new TextEncoder().encode("eam")); c.close(); } });
          return (await kv.put(q("key"), stream)) ?? null;
        }
        case "get": return await kv.get(q("key"), options);
        case "get-bytes": { const value = await kv.get(q("key"), "arrayBuffer"); return value === null ? null : [...new Uint8Array(value)]; }
        case "get-stream": { const value = await kv.get(q("key"), "stream"); return value === null ? null : await new Response(value).text(); }
        case "get-many": return Object.fromEntries(await kv.get(JSON.parse(q("keys")), options));
        case "meta": return await kv.getWithMetadata(q("key"), options);
        case "meta-many": return Object.fromEntries(await kv.getWithMetadata(JSON.parse(q("keys")), options));
        case "delete": return (await kv.delete(q("key"))) ?? null;
        case "list": return await kv.list(options);
        case "list-all": {
          const names = []; let cursor; let pages = 0;
          do { const page = await kv.list({ prefix: q("prefix") ?? undefined, cursor }); names.push(...page.keys.map((k) => k.name)); cursor = page.list_complete ? undefined : page.cursor; pages += 1; } while (cursor);
          return { count: names.length, pages, first: names[0], last: names.at(-1) };
        }
        case "fill": {
          const total = Number(q("count"));
          for (let i = 0; i < total; i += 50) await Promise.all(Array.from({ length: Math.min(50, total - i) }, (_, j) => kv.put("item:" + String(i + j).padStart(5, "0"), "v")));
          return total;
        }
      }
      throw new Error("unknown op " + op);
    });
    return Response.json(result);
  },
};`;

const kvCall = (id: string, op: string, params: Record<string, unknown> = {}) =>
  json(
    id,
    `/${op}?${new URLSearchParams(
      Object.entries(params).map(([name, value]) => [
        name,
        typeof value === "string" ? value : JSON.stringify(value),
      ]),
    )}`,
  );

describe("KV binding: the Workers KV surface on a SQLite file per namespace", () => {
  beforeAll(async () => {
    await publish(bundle("kv-a", "kv", KV_APP, [{ type: "kv_namespace", name: "KV", namespaceId: "nsa" }]));
  });

  it("puts and gets text, JSON, bytes and streams, with metadata and multi-key reads", async () => {
    expect(
      await kvCall("kv-a", "put", {
        key: "user/1 ü",
        value: '{"name":"Ada"}',
        options: { metadata: { role: "admin" } },
      }),
    ).toEqual({ ok: null });
    expect(await kvCall("kv-a", "get", { key: "user/1 ü" })).toEqual({ ok: '{"name":"Ada"}' });
    expect(await kvCall("kv-a", "get", { key: "user/1 ü", options: { type: "json" } })).toEqual({
      ok: { name: "Ada" },
    });
    expect(await kvCall("kv-a", "meta", { key: "user/1 ü", options: { type: "json" } })).toEqual({
      ok: { value: { name: "Ada" }, metadata: { role: "admin" }, cacheStatus: "MISS" },
    });
    expect(await kvCall("kv-a", "get", { key: "missing" })).toEqual({ ok: null });
    expect(await kvCall("kv-a", "meta", { key: "missing" })).toEqual({
      ok: { value: null, metadata: null, cacheStatus: "MISS" },
    });
    await kvCall("kv-a", "put-bytes", { key: "bytes" });
    expect(await kvCall("kv-a", "get-bytes", { key: "bytes" })).toEqual({ ok: [1, 2, 3, 255] });
    await kvCall("kv-a", "put-stream", { key: "streamed" });
    expect(await kvCall("kv-a", "get-stream", { key: "streamed" })).toEqual({ ok: "stream" });
    expect(await kvCall("kv-a", "get-many", { keys: ["user/1 ü", "streamed", "missing"] })).toEqual({
      ok: { "user/1 ü": '{"name":"Ada"}', streamed: "stream", missing: null },
    });
    expect(
      await kvCall("kv-a", "meta-many", { keys: ["user/1 ü", "missing"], options: { type: "json" } }),
    ).toEqual({ ok: { "user/1 ü": { value: { name: "Ada" }, metadata: { role: "admin" } }, missing: null } });
    expect(await kvCall("kv-a", "get-many", { keys: ["bytes"], options: { type: "json" } })).toEqual({
      error: "KV GET_BULK failed: 400 At least one of the requested keys corresponds to a non-json value",
    });
    expect(await kvCall("kv-a", "delete", { key: "streamed" })).toEqual({ ok: null });
    expect(await kvCall("kv-a", "get", { key: "streamed" })).toEqual({ ok: null });
  });

  it("lists by prefix in key order, a page of at most 1000 with a cursor, metadata and expiry included", async () => {
    await kvCall("kv-a", "fill", { count: "2300" });
    expect(await kvCall("kv-a", "list-all", { prefix: "item:" })).toEqual({
      ok: { count: 2300, pages: 3, first: "item:00000", last: "item:02299" },
    });
    const page = await kvCall("kv-a", "list", { options: { prefix: "item:", limit: 2 } });
    expect(page.ok.keys).toEqual([{ name: "item:00000" }, { name: "item:00001" }]);
    expect(page.ok.list_complete).toBe(false);
    const next = await kvCall("kv-a", "list", {
      options: { prefix: "item:", limit: 2, cursor: page.ok.cursor },
    });
    expect(next.ok.keys.map((key: { name: string }) => key.name)).toEqual(["item:00002", "item:00003"]);
    const expiration = Math.floor(Date.now() / 1000) + 3600;
    await kvCall("kv-a", "put", { key: "tagged", value: "v", options: { metadata: { n: 1 }, expiration } });
    expect((await kvCall("kv-a", "list", { options: { prefix: "tagged" } })).ok).toEqual({
      keys: [{ name: "tagged", expiration, metadata: { n: 1 } }],
      list_complete: true,
      cacheStatus: null,
    });
  });

  it("expires keys at their expiration and refuses the limits Workers KV refuses, writing nothing", async () => {
    await kvCall("kv-a", "put", { key: "soon", value: "v", options: { expirationTtl: 60 } });
    expect(await kvCall("kv-a", "get", { key: "soon" })).toEqual({ ok: "v" });
    clockSkew = 61_000;
    try {
      expect(await kvCall("kv-a", "get", { key: "soon" })).toEqual({ ok: null });
      expect((await kvCall("kv-a", "list", { options: { prefix: "soon" } })).ok.keys).toEqual([]);
    } finally {
      clockSkew = 0;
    }
    await kvCall("kv-a", "put", { key: "kept", value: "before" });
    const refusals: Array<[string, Record<string, unknown>, string]> = [
      [
        "put",
        { key: "k".repeat(513), value: "v" },
        "KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
      ],
      [
        "get",
        { key: "k".repeat(513) },
        "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
      ],
      [
        "put",
        { key: "kept", size: String(25 * 1024 * 1024 + 1) },
        "KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.",
      ],
      [
        "put",
        { key: "kept", value: "v", options: { metadata: { pad: "x".repeat(1100) } } },
        "KV PUT failed: 413 Metadata length of 1110 exceeds limit of 1024.",
      ],
      [
        "put",
        { key: "kept", value: "v", options: { expirationTtl: 30 } },
        "KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60.",
      ],
      [
        "get",
        { key: "kept", options: { cacheTtl: 10 } },
        "KV GET failed: 400 Invalid cache_ttl of 10. Cache TTL must be at least 30.",
      ],
      [
        "list",
        { options: { limit: 1001 } },
        "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000.",
      ],
    ];
    for (const [op, params, error] of refusals)
      expect(await kvCall("kv-a", op, params), op).toEqual({ error });
    expect(await kvCall("kv-a", "get", { key: "kept" })).toEqual({ ok: "before" });
    // A value of exactly 25 MiB is accepted.
    expect(await kvCall("kv-a", "put", { key: "large", size: String(25 * 1024 * 1024) })).toEqual({
      ok: null,
    });
  });

  it("keeps each namespace to its own app, across restarts, and counts every operation once", async () => {
    await publish(
      bundle("kv-b", "other", KV_APP, [{ type: "kv_namespace", name: "KV", namespaceId: "nsb" }]),
    );
    await kvCall("kv-b", "put", { key: "kept", value: "theirs" });
    expect(await kvCall("kv-a", "get", { key: "kept" })).toEqual({ ok: "before" });
    expect(await kvCall("kv-b", "get", { key: "kept" })).toEqual({ ok: "theirs" });
    expect(readdirSync(join(dataDir, "storage", "kv")).sort()).toEqual(
      expect.arrayContaining(["nsa.sqlite", "nsb.sqlite"]),
    );

    usage.length = 0;
    await kvCall("kv-b", "put", { key: "count", value: "1" });
    await kvCall("kv-b", "get", { key: "count" });
    await kvCall("kv-b", "get-many", { keys: ["count", "kept", "none"] });
    await kvCall("kv-b", "list", {});
    await kvCall("kv-b", "delete", { key: "count" });
    await kvCall("kv-b", "put", { key: "k".repeat(600), value: "v" });
    const counted = usage.map(({ metric, count, units, outcome, app }) => [
      app.repoSlug,
      metric,
      count,
      units,
      outcome,
    ]);
    expect(counted).toEqual([
      ["other", "kv.write", 1, 1, "success"],
      ["other", "kv.read", 1, 1, "success"],
      ["other", "kv.read", 1, 3, "success"],
      ["other", "kv.list", 1, 1, "success"],
      ["other", "kv.delete", 1, 1, "success"],
    ]);

    // A new runtime on the same data directory (a restarted server) reads what the old one wrote.
    await Effect.runPromise(runtime.shutdown());
    runtime = makeWorkerdRuntime(runtimeOptions);
    expect(await kvCall("kv-a", "get", { key: "kept" })).toEqual({ ok: "before" });
  });

  it("refuses storage requests that do not carry a grant this server signed", async () => {
    const hostDir = mkdtempSync(join(tmpdir(), "w7s-host-"));
    const grants = makeGrantSigner(hostDir);
    const host = await startBindingsHost({
      socketPath: join(hostDir, "bindings.sock"),
      grants,
      gateways: {
        kv: makeKvGateway({ dataDir: hostDir }),
        fs: makeFsGateway({ dataDir: hostDir }),
        db: makeDbGateway({ dataDir: hostDir }),
      },
      usage: () => undefined,
    });
    const grant = { kind: "kv" as const, resourceId: "nsa", binding: "KV", app: app("kv") };
    const forged = makeGrantSigner(mkdtempSync(join(tmpdir(), "w7s-other-key-"))).issue(grant);
    const tampered = `${Buffer.from(JSON.stringify({ ...grant, resourceId: "nsb" })).toString("base64url")}.${grants.issue(grant).split(".")[1]}`;
    const status = (value: string | undefined) =>
      new Promise<number | undefined>((resolve, reject) => {
        const outgoing = httpRequest(
          {
            socketPath: host.socketPath,
            path: "/kept",
            headers: value === undefined ? {} : { [GRANT_HEADER]: value },
          },
          (incoming) => {
            incoming.resume();
            resolve(incoming.statusCode);
          },
        );
        outgoing.on("error", reject);
        outgoing.end();
      });
    try {
      expect(await status(undefined)).toBe(403);
      expect(await status(forged)).toBe(403);
      expect(await status(tampered)).toBe(403);
      expect(await status("nsa")).toBe(403);
      expect(await status(grants.issue(grant))).toBe(404);
    } finally {
      await host.close();
    }
  });
});

const COUNTER_APP = (version: string) => `
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject {
  async increment(by) {
    const value = ((await this.ctx.storage.get("value")) ?? 0) + by;
    await this.ctx.storage.put("value", value);
    return value;
  }
  async fetch(request) {
    this.ctx.storage.sql.exec("create table if not exists hits (at integer)");
    this.ctx.storage.sql.exec("insert into hits values (?)", Date.now());
    return Response.json({ hits: this.ctx.storage.sql.exec("select count(*) as n from hits").one().n });
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const stub = env.COUNTER.get(env.COUNTER.idFromName(url.searchParams.get("name") ?? "main"));
    if (url.pathname === "/sql") return stub.fetch(request);
    if (url.pathname === "/ids") {
      const named = env.COUNTER.idFromName("main");
      return Response.json({ same: env.COUNTER.idFromString(named.toString()).equals(named), unique: env.COUNTER.newUniqueId().toString().length });
    }
    return Response.json({ version: ${JSON.stringify(version)}, value: await stub.increment(1) });
  },
};`;

const counterBundle = (deploymentId: string, version: string, repoSlug = "counter") =>
  bundle(
    deploymentId,
    repoSlug,
    COUNTER_APP(version),
    [{ type: "durable_object_namespace", name: "COUNTER", className: "Counter" }],
    { durableObjectClasses: ["Counter"] },
  );

describe("stateful objects: one live instance per id, state on disk per app", () => {
  it("counts exactly under concurrency and keeps its count across redeploys and restarts", async () => {
    await publish(counterBundle("counter-1", "v1"));
    expect(await json("counter-1", "/ids")).toEqual({ same: true, unique: 64 });
    const first = await Promise.all(Array.from({ length: 50 }, () => json("counter-1")));
    expect(first.map((answer) => answer.value).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, index) => index + 1),
    );
    expect((await json("counter-1", "/sql")).hits).toBe(1);

    // A redeploy: the new deployment takes the app's objects over on its first request.
    await publish(counterBundle("counter-2", "v2"));
    expect(await json("counter-1")).toEqual({ version: "v1", value: 51 });
    expect(await json("counter-2")).toEqual({ version: "v2", value: 52 });
    // A request still addressed to the replaced deployment is served by the newer one.
    expect(await json("counter-1")).toEqual({ version: "v2", value: 53 });
    expect((await json("counter-2", "/sql")).hits).toBe(2);

    await Effect.runPromise(runtime.shutdown());
    runtime = makeWorkerdRuntime(runtimeOptions);
    expect(await json("counter-2")).toEqual({ version: "v2", value: 54 });

    // Another app with the same class has objects of its own.
    await publish(counterBundle("counter-other", "v1", "other-counter"));
    expect(await json("counter-other")).toEqual({ version: "v1", value: 1 });
  });
});

const ALARM_APP = (version: string) => `
import { DurableObject } from "cloudflare:workers";
export class Clock extends DurableObject {
  async arm(ms) { await this.ctx.storage.setAlarm(Date.now() + ms); return "armed"; }
  async alarm() { await this.ctx.storage.put("rang", ${JSON.stringify(version)}); }
  async rang() { return (await this.ctx.storage.get("rang")) ?? null; }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const stub = env.CLOCK.get(env.CLOCK.idFromName("main"));
    if (url.pathname === "/arm") return Response.json(await stub.arm(Number(url.searchParams.get("ms"))));
    return Response.json({ version: ${JSON.stringify(version)}, rang: await stub.rang() });
  },
};`;

const clockBundle = (deploymentId: string, version: string) =>
  bundle(
    deploymentId,
    "clock",
    ALARM_APP(version),
    [{ type: "durable_object_namespace", name: "CLOCK", className: "Clock" }],
    { durableObjectClasses: ["Clock"] },
  );

describe("stateful objects follow the live deployment (BackendRuntime.activate)", () => {
  it("a rollback to an older deployment serves the older code, even for requests addressed to the newer", async () => {
    const activate = (id: string) => Effect.runPromise(runtime.service.activate(id));
    await publish(counterBundle("rollback-1", "v1", "rolled"));
    await activate("rollback-1");
    expect(await json("rollback-1")).toEqual({ version: "v1", value: 1 });
    await publish(counterBundle("rollback-2", "v2", "rolled"));
    await activate("rollback-2");
    expect(await json("rollback-2")).toEqual({ version: "v2", value: 2 });
    // Rolled back: the older deployment is live again and takes the objects back.
    await activate("rollback-1");
    expect(await json("rollback-1")).toEqual({ version: "v1", value: 3 });
    expect(await json("rollback-2")).toEqual({ version: "v1", value: 4 });
  });

  it("an alarm set before a restart fires after it with no request, in the live deployment", async () => {
    await publish(clockBundle("clock-1", "v1"));
    await Effect.runPromise(runtime.service.activate("clock-1"));
    expect(await json("clock-1", "/arm?ms=1500")).toBe("armed");
    await Effect.runPromise(runtime.shutdown());
    runtime = makeWorkerdRuntime(runtimeOptions);
    // What the server does at start for every live deployment: nothing else reaches the app.
    await Effect.runPromise(runtime.service.activate("clock-1"));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const pids = runtime.processIds();
    expect(pids.has("clock-1")).toBe(true);
    expect(await json("clock-1")).toEqual({ version: "v1", rang: "v1" });
  }, 30_000);
});

describe("Postgres binding (bindings.hyperdrive)", () => {
  let postgresApp: string;
  beforeAll(async () => {
    await requirePostgres();
    const source = `import postgres from "postgres";
export default {
  async fetch(request, env) {
    const sql = postgres(env.PG.connectionString, { max: 1, fetch_types: false });
    try {
      await sql.unsafe("create table if not exists ${pgSchema}.visits (id serial primary key, at timestamptz default now())");
      await sql.unsafe("insert into ${pgSchema}.visits default values");
      const [{ now }] = await sql\`select now() as now\`;
      const [{ count }] = await sql.unsafe("select count(*)::int as count from ${pgSchema}.visits");
      return Response.json({ now, count, binding: { host: typeof env.PG.host, port: env.PG.port, user: env.PG.user, database: env.PG.database, hasPassword: typeof env.PG.password === "string" } });
    } finally {
      await sql.end();
    }
  },
};`;
    const built = await build({
      stdin: { contents: source, resolveDir: join(import.meta.dirname, ".."), sourcefile: "index.js" },
      bundle: true,
      format: "esm",
      platform: "neutral",
      conditions: ["workerd", "worker", "import"],
      mainFields: ["module", "main"],
      external: ["cloudflare:sockets", "node:*"],
      write: false,
      logLevel: "silent",
    });
    postgresApp = built.outputFiles[0]!.text;
    const admin = (await import("postgres")).default(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create schema if not exists "${pgSchema}"`);
    await admin.end();
  });

  it("runs real queries through the postgres driver against the operator's database", async () => {
    await Effect.runPromise(runtime.shutdown());
    runtime = makeWorkerdRuntime({ ...runtimeOptions, hyperdrive: { "main-pg": TEST_DATABASE_URL } });
    await publish(
      bundle("pg-1", "pg", postgresApp, [{ type: "hyperdrive", name: "PG", id: "main-pg" }], {
        compatibilityFlags: ["nodejs_compat"],
      }),
    );
    const first = await json("pg-1");
    expect(Math.abs(Date.parse(first.now) - Date.now())).toBeLessThan(60_000);
    expect(first.binding).toEqual({
      host: "string",
      port: 5432,
      user: "postgres",
      database: "test",
      hasPassword: true,
    });
    expect((await json("pg-1")).count).toBe(first.count + 1);
  });

  it("refuses to publish a backend naming a Postgres binding the operator did not configure", async () => {
    const result = await Effect.runPromise(
      Effect.result(
        runtime.service.publish(
          bundle("pg-2", "pg", postgresApp, [{ type: "hyperdrive", name: "PG", id: "nope" }]),
        ),
      ),
    );
    expect(result._tag).toBe("Failure");
    if (result._tag === "Failure") {
      expect(result.failure.reason).toBe("NotFound");
      expect(result.failure.description).toContain('PG names the Postgres binding "nope"');
    }
  });
});
