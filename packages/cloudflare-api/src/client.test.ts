import { Effect, Option } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { type CloudflareApiOptions, makeCloudflareApi } from "./client.js";
import { CloudflareApiError } from "./errors.js";
import { CloudflareApiClient, cloudflareApiLayer } from "./service.js";
import {
  type CloudflareApiStandIn,
  type CloudflareApiStandInOptions,
  startCloudflareApiStandIn,
} from "./standIn/index.js";

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect);
const failure = <A>(effect: Effect.Effect<A, CloudflareApiError>): Promise<CloudflareApiError> =>
  Effect.runPromise(Effect.flip(effect));

let standIn: CloudflareApiStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

const setup = async (
  standInOptions: CloudflareApiStandInOptions = {},
  clientOptions: Partial<CloudflareApiOptions> = {},
) => {
  const started = await startCloudflareApiStandIn({
    zones: [{ name: "example.com", id: "zone-1" }],
    ...standInOptions,
  });
  standIn = started;
  const api = makeCloudflareApi({
    accountId: started.accountId,
    apiToken: started.apiToken,
    baseUrl: started.url,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...clientOptions,
  });
  return { standIn: started, api };
};

const pagesAsked = (server: CloudflareApiStandIn, path: string): string[] =>
  server.state.requests
    .filter((request) => request.path.endsWith(path) && request.method === "GET")
    .map((request) => new URLSearchParams(request.query).get("page") ?? request.query);

describe("zones", () => {
  it("finds a zone by name, and answers none for a name the account lacks", async () => {
    const { api } = await setup();
    const zone = await run(api.zones.findByName("example.com"));
    expect(Option.getOrUndefined(zone)).toMatchObject({ id: "zone-1", name: "example.com" });
    expect(Option.isNone(await run(api.zones.findByName("other.example")))).toBe(true);
  });
});

describe("kv", () => {
  it("creates namespaces and lists them across pages", async () => {
    const { api, standIn } = await setup({ maxPerPage: 2 });
    for (const title of ["a", "b", "c"]) await run(api.kv.createNamespace(title));
    const namespaces = await run(api.kv.listNamespaces());
    expect(namespaces.map((namespace) => namespace.title)).toEqual(["a", "b", "c"]);
    expect(pagesAsked(standIn, "/storage/kv/namespaces")).toEqual(["1", "2"]);
  });

  it("ensures a namespace: returns the existing one without creating, else creates it", async () => {
    const { api, standIn } = await setup();
    const created = await run(api.kv.createNamespace("w7s-kv"));
    const ensured = await run(api.kv.ensureNamespace("w7s-kv"));
    expect(ensured.id).toBe(created.id);
    expect(standIn.state.requests.filter((request) => request.method === "POST")).toHaveLength(1);
    const fresh = await run(api.kv.ensureNamespace("w7s-kv-2"));
    expect(standIn.state.kvNamespaces.map((namespace) => namespace.id)).toContain(fresh.id);
  });

  it("ensure wins a lost race by listing again after Cloudflare says the namespace exists", async () => {
    let server: CloudflareApiStandIn | undefined;
    const racingFetch: typeof fetch = (input, init) => {
      if (init?.method === "POST") server?.state.kvNamespaces.push({ id: "winner", title: "raced" });
      return fetch(input, init);
    };
    const { api, standIn } = await setup({}, { fetch: racingFetch });
    server = standIn;
    const ensured = await run(api.kv.ensureNamespace("raced"));
    expect(ensured.id).toBe("winner");
    expect(standIn.state.kvNamespaces).toHaveLength(1);
  });

  it("decodes a duplicate into a CloudflareApiError naming the call and Cloudflare's reason", async () => {
    const { api } = await setup();
    await run(api.kv.createNamespace("dup"));
    const error = await failure(api.kv.createNamespace("dup"));
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect(error._tag).toBe("CloudflareApiError");
    expect(error).toMatchObject({
      call: "kv.createNamespace",
      method: "POST",
      status: 400,
      reason: "refused",
      errors: [{ code: 10014, message: "a namespace with this account ID and title already exists" }],
    });
    expect(error.path).toMatch(/^\/accounts\/[0-9a-f]+\/storage\/kv\/namespaces$/);
    expect(error.message).toContain("kv.createNamespace");
    expect(error.message).toContain("a namespace with this account ID and title already exists (code 10014)");
  });
});

describe("r2", () => {
  it("creates buckets and lists them across cursor pages", async () => {
    const { api, standIn } = await setup({ maxPerPage: 2 });
    for (const name of ["bucket-a", "bucket-b", "bucket-c"]) await run(api.r2.createBucket(name));
    const buckets = await run(api.r2.listBuckets());
    expect(buckets.map((bucket) => bucket.name)).toEqual(["bucket-a", "bucket-b", "bucket-c"]);
    const cursors = standIn.state.requests
      .filter((request) => request.method === "GET")
      .map((request) => new URLSearchParams(request.query).get("cursor"));
    expect(cursors).toEqual([null, "2"]);
  });

  it("ensures a bucket that exists without creating it", async () => {
    const { api, standIn } = await setup();
    await run(api.r2.createBucket("assets"));
    expect((await run(api.r2.ensureBucket("assets"))).name).toBe("assets");
    expect((await run(api.r2.ensureBucket("assets-2"))).name).toBe("assets-2");
    expect(standIn.state.buckets.map((bucket) => bucket.name)).toEqual(["assets", "assets-2"]);
  });

  it("answers a duplicate bucket with the error envelope, decoded and not retried", async () => {
    const { api, standIn } = await setup();
    await run(api.r2.createBucket("assets"));
    const before = standIn.state.requests.length;
    const error = await failure(api.r2.createBucket("assets"));
    expect(error).toMatchObject({ call: "r2.createBucket", status: 409, errors: [{ code: 10004 }] });
    expect(error.message).toContain("The bucket you tried to create already exists, and you own it.");
    expect(standIn.state.requests.length - before).toBe(1);
  });
});

describe("d1", () => {
  it("creates, lists across pages, filters by name and ensures databases", async () => {
    const { api, standIn } = await setup({ maxPerPage: 2 });
    for (const name of ["app-db", "app-db-staging", "other"]) await run(api.d1.createDatabase(name));
    expect((await run(api.d1.listDatabases())).map((database) => database.name)).toEqual([
      "app-db",
      "app-db-staging",
      "other",
    ]);
    expect(pagesAsked(standIn, "/d1/database")).toEqual(["1", "2"]);
    expect((await run(api.d1.listDatabases("app-db"))).map((database) => database.name)).toEqual([
      "app-db",
      "app-db-staging",
    ]);
    const existing = standIn.state.databases[0]!;
    expect((await run(api.d1.ensureDatabase("app-db"))).uuid).toBe(existing.uuid);
    expect((await run(api.d1.ensureDatabase("new-db"))).name).toBe("new-db");
  });

  it("runs migrations for real and queries with parameters", async () => {
    const { api } = await setup();
    const database = await run(api.d1.createDatabase("app-db"));
    const migration = await run(
      api.d1.query(
        database.uuid,
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL); INSERT INTO notes (text) VALUES ('a;b');",
      ),
    );
    expect(migration).toHaveLength(2);
    expect(migration[1]).toMatchObject({ success: true, meta: { changes: 1, last_row_id: 1 } });
    const [selected] = await run(
      api.d1.query(database.uuid, "SELECT id, text FROM notes WHERE text = ?", ["a;b"]),
    );
    expect(selected?.results).toEqual([{ id: 1, text: "a;b" }]);
    const [typed] = await run(
      api.d1.query(database.uuid, "SELECT ? AS n, ? AS b, ? AS z", [2.5, true, null]),
    );
    expect(typed?.results).toEqual([{ n: 2.5, b: 1, z: null }]);
  });

  it("answers an SQL error with D1's error envelope and rolls the query back", async () => {
    const { api } = await setup();
    const database = await run(api.d1.createDatabase("app-db"));
    const error = await failure(api.d1.query(database.uuid, "CREATE TABLE t (id INTEGER); SELEC nonsense"));
    expect(error).toMatchObject({ call: "d1.query", status: 400, errors: [{ code: 7500 }] });
    expect(error.errors[0]?.message).toMatch(/syntax error.*SQLITE_ERROR/);
    const [tables] = await run(
      api.d1.query(database.uuid, "SELECT name FROM sqlite_master WHERE name = 't'"),
    );
    expect(tables?.results).toEqual([]);
  });

  it("answers 404 for a database that does not exist", async () => {
    const { api } = await setup();
    const error = await failure(api.d1.query("00000000-0000-0000-0000-000000000000", "SELECT 1"));
    expect(error).toMatchObject({ call: "d1.query", status: 404, errors: [{ code: 7404 }] });
  });
});

describe("queues", () => {
  it("creates, lists across pages and ensures queues", async () => {
    const { api, standIn } = await setup({ maxPerPage: 2 });
    for (const name of ["q1", "q2", "q3"]) await run(api.queues.create(name));
    expect((await run(api.queues.list())).map((queue) => queue.queue_name)).toEqual(["q1", "q2", "q3"]);
    expect(pagesAsked(standIn, "/queues")).toEqual(["1", "2"]);
    const q1 = standIn.state.queues[0]!;
    expect((await run(api.queues.ensure("q1"))).queue_id).toBe(q1.queue_id);
    const error = await failure(api.queues.create("q1"));
    expect(error).toMatchObject({ call: "queues.create", status: 409, errors: [{ code: 11009 }] });
  });

  it("creates, lists and ensures a Worker consumer with its settings", async () => {
    const { api, standIn } = await setup();
    const queue = await run(api.queues.ensure("jobs"));
    const dlq = await run(api.queues.ensure("jobs-dlq"));
    const input = {
      script_name: "app-worker",
      type: "worker" as const,
      settings: { batch_size: 10, max_retries: 3, max_wait_time_ms: 5000, retry_delay: 30 },
      dead_letter_queue: dlq.queue_name,
    };
    const created = await run(api.queues.createConsumer(queue.queue_id, input));
    expect(created).toMatchObject({
      script: "app-worker",
      settings: input.settings,
      dead_letter_queue: "jobs-dlq",
    });
    expect(await run(api.queues.listConsumers(queue.queue_id))).toHaveLength(1);
    const ensured = await run(api.queues.ensureConsumer(queue.queue_id, input));
    expect(ensured.consumer_id).toBe(created.consumer_id);
    expect(standIn.state.consumers).toHaveLength(1);
    const changed = await run(
      api.queues.ensureConsumer(queue.queue_id, {
        ...input,
        settings: { ...input.settings, batch_size: 50 },
      }),
    );
    expect(changed).toMatchObject({ consumer_id: created.consumer_id, settings: { batch_size: 50 } });
    expect(standIn.state.consumers[0]?.settings?.batch_size).toBe(50);
    expect(standIn.state.requests.filter((request) => request.method === "PUT")).toHaveLength(1);
    const other = await run(
      api.queues.ensureConsumer(dlq.queue_id, { script_name: "dlq-worker", type: "worker" }),
    );
    expect(other.queue_id).toBe(dlq.queue_id);
  });
});

describe("dispatch", () => {
  const wasm = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const data = new Uint8Array([0, 1, 2, 253, 254, 255]);
  const metadata = {
    compatibility_date: "2025-01-01",
    compatibility_flags: ["nodejs_compat"],
    bindings: [
      { type: "plain_text" as const, name: "GREETING", text: "hello" },
      { type: "kv_namespace" as const, name: "KV", namespace_id: "kv-1" },
      { type: "d1" as const, name: "DB", id: "db-1" },
      { type: "durable_object_namespace" as const, name: "COUNTER", class_name: "Counter" },
    ],
    migrations: { new_tag: "v1", new_sqlite_classes: ["Counter"] },
    tags: ["owner:octo"],
  };

  it("creates, lists and ensures namespaces", async () => {
    const { api, standIn } = await setup();
    const created = await run(api.dispatch.createNamespace("w7s-apps"));
    expect((await run(api.dispatch.listNamespaces())).map((namespace) => namespace.namespace_name)).toEqual([
      "w7s-apps",
    ]);
    expect((await run(api.dispatch.ensureNamespace("w7s-apps"))).namespace_id).toBe(created.namespace_id);
    expect(standIn.state.dispatchNamespaces).toHaveLength(1);
    const error = await failure(api.dispatch.createNamespace("w7s-apps"));
    expect(error).toMatchObject({ call: "dispatch.createNamespace", status: 409 });
  });

  it("uploads a module Worker as multipart: the stand-in receives every part and the metadata byte-exact", async () => {
    const uploads: unknown[] = [];
    const { api, standIn } = await setup({
      checkBindings: false,
      onScriptUpload: (event) => void uploads.push(event),
    });
    await run(api.dispatch.ensureNamespace("w7s-apps"));
    const script = await run(
      api.dispatch.uploadScript("w7s-apps", "octo--app", {
        mainModule: "index.js",
        modules: [
          {
            name: "index.js",
            content: 'export default { fetch() { return new Response("hi ✓"); } };',
            type: "esm",
          },
          { name: "notes.txt", content: "plain text", type: "text" },
          { name: "blob.bin", content: data, type: "data" },
          { name: "add.wasm", content: wasm, type: "wasm" },
          { name: "config.json", content: '{"a":1}', type: "json" },
        ],
        metadata,
      }),
    );
    expect(script.id).toBe("octo--app");
    expect(uploads).toEqual([
      {
        namespace: "w7s-apps",
        scriptName: "octo--app",
        metadata: { ...metadata, main_module: "index.js" },
        modules: [
          {
            name: "index.js",
            content: new TextEncoder().encode('export default { fetch() { return new Response("hi ✓"); } };'),
            contentType: "application/javascript+module",
          },
          { name: "notes.txt", content: new TextEncoder().encode("plain text"), contentType: "text/plain" },
          { name: "blob.bin", content: data, contentType: "application/octet-stream" },
          { name: "add.wasm", content: wasm, contentType: "application/wasm" },
          {
            name: "config.json",
            content: new TextEncoder().encode('{"a":1}'),
            contentType: "application/json",
          },
        ],
      },
    ]);
    expect(standIn.state.scripts).toHaveLength(1);
    expect(standIn.state.dispatchNamespaces[0]?.script_count).toBe(1);
    expect((await run(api.dispatch.listScripts("w7s-apps"))).map((entry) => entry.id)).toEqual(["octo--app"]);
    const fetched = await run(api.dispatch.getScript("w7s-apps", "octo--app"));
    expect(fetched).toMatchObject({ dispatch_namespace: "w7s-apps", script: { id: "octo--app" } });
  });

  it("sends the same multipart body again when an upload is retried", async () => {
    const uploads: Array<{ modules: ReadonlyArray<{ content: Uint8Array }> }> = [];
    const { api, standIn } = await setup({ onScriptUpload: (event) => void uploads.push(event) });
    await run(api.dispatch.ensureNamespace("w7s-apps"));
    standIn.failNext(1, 502);
    await run(
      api.dispatch.uploadScript("w7s-apps", "retried", {
        mainModule: "index.js",
        modules: [{ name: "index.js", content: data, type: "esm" }],
        metadata: { compatibility_date: "2025-01-01", bindings: [] },
      }),
    );
    expect(standIn.state.requests.slice(-2).map((request) => request.status)).toEqual([502, 200]);
    expect(uploads.map((upload) => upload.modules[0]?.content)).toEqual([data]);
  });

  it("refuses an upload whose main module is not among the parts", async () => {
    const { api, standIn } = await setup();
    await run(api.dispatch.ensureNamespace("w7s-apps"));
    const error = await failure(
      api.dispatch.uploadScript("w7s-apps", "broken", {
        mainModule: "missing.js",
        modules: [{ name: "index.js", content: "export default {}", type: "esm" }],
        metadata: { compatibility_date: "2025-01-01", bindings: [] },
      }),
    );
    expect(error).toMatchObject({
      call: "dispatch.uploadScript",
      method: "PUT",
      status: 400,
      errors: [{ code: 10021 }],
    });
    expect(error.message).toContain('No such module "missing.js"');
    expect(standIn.state.scripts).toHaveLength(0);
  });

  it("refuses bindings to resources the account does not have, and accepts them once they exist", async () => {
    const { api } = await setup();
    await run(api.dispatch.ensureNamespace("w7s-apps"));
    const upload = (namespaceId: string) =>
      api.dispatch.uploadScript("w7s-apps", "bound", {
        mainModule: "index.js",
        modules: [{ name: "index.js", content: "export default {}", type: "esm" }],
        metadata: {
          compatibility_date: "2025-01-01",
          bindings: [{ type: "kv_namespace", name: "KV", namespace_id: namespaceId }],
        },
      });
    const error = await failure(upload("no-such-namespace"));
    expect(error).toMatchObject({ call: "dispatch.uploadScript", status: 400, errors: [{ code: 10041 }] });
    const kv = await run(api.kv.ensureNamespace("real"));
    expect((await run(upload(kv.id))).id).toBe("bound");
  });

  it("refuses an upload without a metadata part", async () => {
    const { standIn } = await setup();
    const api = makeCloudflareApi({
      accountId: standIn.accountId,
      apiToken: standIn.apiToken,
      baseUrl: standIn.url,
    });
    await run(api.dispatch.ensureNamespace("w7s-apps"));
    const form = new FormData();
    form.append(
      "index.js",
      new Blob(["export default {}"], { type: "application/javascript+module" }),
      "index.js",
    );
    const response = await fetch(
      `${standIn.url}/accounts/${standIn.accountId}/workers/dispatch/namespaces/w7s-apps/scripts/x`,
      { method: "PUT", headers: { authorization: `Bearer ${standIn.apiToken}` }, body: form },
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ success: false, errors: [{ code: 10021 }], result: null });
  });

  it("deletes a script, telling onScriptDelete, and getScript of a missing one is a 404", async () => {
    const deleted: unknown[] = [];
    const { api, standIn } = await setup({ onScriptDelete: (event) => void deleted.push(event) });
    await run(api.dispatch.ensureNamespace("w7s-apps"));
    await run(
      api.dispatch.uploadScript("w7s-apps", "gone", {
        mainModule: "index.js",
        modules: [{ name: "index.js", content: "export default {}", type: "esm" }],
        metadata: { compatibility_date: "2025-01-01", bindings: [] },
      }),
    );
    await run(api.dispatch.deleteScript("w7s-apps", "gone"));
    expect(deleted).toEqual([{ namespace: "w7s-apps", scriptName: "gone" }]);
    expect(standIn.state.scripts).toHaveLength(0);
    expect(standIn.state.requests.at(-1)?.query).toBe("?force=true");
    const error = await failure(api.dispatch.getScript("w7s-apps", "gone"));
    expect(error).toMatchObject({ call: "dispatch.getScript", status: 404, errors: [{ code: 10007 }] });
  });
});

describe("deletes", () => {
  it("delete KV namespaces, buckets, databases, consumers and queues, and a second delete is a 404", async () => {
    const { api, standIn } = await setup();
    const kv = await run(api.kv.createNamespace("gone"));
    await run(api.r2.createBucket("gone-bucket"));
    const database = await run(api.d1.createDatabase("gone-db"));
    const queue = await run(api.queues.create("gone-queue"));
    const consumer = await run(
      api.queues.createConsumer(queue.queue_id, { script_name: "w", type: "worker" }),
    );
    await run(api.kv.deleteNamespace(kv.id));
    await run(api.r2.deleteBucket("gone-bucket"));
    await run(api.d1.deleteDatabase(database.uuid));
    await run(api.queues.deleteConsumer(queue.queue_id, consumer.consumer_id));
    await run(api.queues.delete(queue.queue_id));
    const { kvNamespaces, buckets, databases, queues, consumers } = standIn.state;
    expect([kvNamespaces, buckets, databases, queues, consumers].map((list) => list.length)).toEqual([
      0, 0, 0, 0, 0,
    ]);
    const again = await failure(api.r2.deleteBucket("gone-bucket"));
    expect(again).toMatchObject({
      call: "r2.deleteBucket",
      method: "DELETE",
      status: 404,
      errors: [{ code: 10006 }],
    });
    expect(await failure(api.d1.deleteDatabase(database.uuid))).toMatchObject({
      call: "d1.deleteDatabase",
      status: 404,
    });
  });
});

describe("routes and dns", () => {
  it("creates, lists and deletes Worker routes of a zone", async () => {
    const { api, standIn } = await setup();
    const route = await run(
      api.routes.create("zone-1", { pattern: "octo.example.com/*", script: "w7s-core" }),
    );
    expect(await run(api.routes.list("zone-1"))).toEqual([
      { id: route.id, pattern: "octo.example.com/*", script: "w7s-core" },
    ]);
    const duplicate = await failure(
      api.routes.create("zone-1", { pattern: "octo.example.com/*", script: "x" }),
    );
    expect(duplicate).toMatchObject({ call: "routes.create", status: 409 });
    expect(await run(api.routes.delete("zone-1", route.id))).toEqual({ id: route.id });
    expect(standIn.state.routes).toHaveLength(0);
    const unknownZone = await failure(api.routes.list("no-such-zone"));
    expect(unknownZone).toMatchObject({ call: "routes.list", status: 400, errors: [{ code: 7003 }] });
  });

  it("adds, finds, ensures and deletes custom hostnames", async () => {
    const { api, standIn } = await setup();
    const created = await run(api.customHostnames.create("zone-1", "shop.customer.example"));
    expect(created).toMatchObject({ hostname: "shop.customer.example", ssl: { method: "http", type: "dv" } });
    expect((await run(api.customHostnames.ensure("zone-1", "shop.customer.example"))).id).toBe(created.id);
    const duplicate = await failure(api.customHostnames.create("zone-1", "shop.customer.example"));
    expect(duplicate).toMatchObject({
      call: "customHostnames.create",
      status: 409,
      errors: [{ code: 1406 }],
    });
    expect(await run(api.customHostnames.list("zone-1", { hostname: "shop.customer.example" }))).toHaveLength(
      1,
    );
    expect(await run(api.customHostnames.delete("zone-1", created.id))).toEqual({ id: created.id });
    expect(standIn.state.customHostnames).toHaveLength(0);
  });

  it("lists DNS records across pages, filtered by name", async () => {
    const { api, standIn } = await setup({ maxPerPage: 2 });
    for (const [index, name] of ["a.example.com", "b.example.com", "a.example.com"].entries()) {
      standIn.state.dnsRecords.push({
        id: `r${index}`,
        zone_id: "zone-1",
        type: "CNAME",
        name,
        content: "w7s.example.net",
        proxied: true,
        ttl: 1,
      });
    }
    expect((await run(api.dns.listRecords("zone-1"))).map((record) => record.id)).toEqual(["r0", "r1", "r2"]);
    expect(
      (await run(api.dns.listRecords("zone-1", { name: "a.example.com" }))).map((record) => record.id),
    ).toEqual(["r0", "r2"]);
  });
});

describe("retries", () => {
  it("retries 429 with backoff and then succeeds", async () => {
    const { api, standIn } = await setup();
    standIn.failNext(2, 429);
    expect((await run(api.kv.createNamespace("after-429"))).title).toBe("after-429");
    expect(standIn.state.requests.map((request) => request.status)).toEqual([429, 429, 200]);
  });

  it("gives up on persistent 5xx after `attempts` and says so", async () => {
    const { api, standIn } = await setup({}, { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    standIn.failNext(10, 500);
    const error = await failure(api.r2.listBuckets());
    expect(error).toMatchObject({ call: "r2.listBuckets", status: 500, reason: "refused" });
    expect(error.message).toContain("gave up after 3 attempts");
    expect(standIn.state.requests).toHaveLength(3);
  });

  it("makes 4 attempts by default", async () => {
    const { api, standIn } = await setup();
    standIn.failNext(10, 503);
    await failure(api.queues.list());
    expect(standIn.state.requests).toHaveLength(4);
  });

  it("honours Retry-After", async () => {
    const { api, standIn } = await setup({}, { retry: { baseDelayMs: 1, maxDelayMs: 2000 } });
    standIn.failNext(1, 429, { retryAfterSeconds: 1 });
    const started = Date.now();
    await run(api.kv.listNamespaces());
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(standIn.state.requests).toHaveLength(2);
  });

  it("retries a network failure and reports it as unreachable", async () => {
    let calls = 0;
    const flaky: typeof fetch = (input, init) => {
      calls += 1;
      return calls === 1 ? Promise.reject(new TypeError("fetch failed")) : fetch(input, init);
    };
    const { api } = await setup({}, { fetch: flaky });
    expect(await run(api.kv.listNamespaces())).toEqual([]);
    expect(calls).toBe(2);
    const { standIn: closed } = await setup();
    const url = closed.url;
    await closed.close();
    standIn = undefined;
    const offline = makeCloudflareApi({
      accountId: "acc",
      apiToken: "t0ken",
      baseUrl: url,
      retry: { attempts: 2, baseDelayMs: 1 },
    });
    const error = await failure(offline.kv.listNamespaces());
    expect(error).toMatchObject({ call: "kv.listNamespaces", status: 0, reason: "unreachable" });
    expect(error.message).toContain("no answer");
  });

  it("gives an attempt that does not answer in time up as unreachable", async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    const api = makeCloudflareApi({
      accountId: "acc",
      apiToken: "test-token-0001",
      fetch: hanging,
      timeoutMs: 20,
      retry: { attempts: 2, baseDelayMs: 1 },
    });
    const error = await failure(api.queues.list());
    expect(error).toMatchObject({ call: "queues.list", status: 0, reason: "unreachable" });
    expect(error.message).toContain("no answer within 20 ms (gave up after 2 attempts)");
  });

  it("does not retry a 400 or a 403", async () => {
    const { api, standIn } = await setup();
    const invalid = await failure(api.r2.createBucket("Not_A_Bucket"));
    expect(invalid).toMatchObject({ status: 400, errors: [{ code: 10005 }] });
    expect(standIn.state.requests).toHaveLength(1);
    const foreign = makeCloudflareApi({
      accountId: "someone-else",
      apiToken: standIn.apiToken,
      baseUrl: standIn.url,
    });
    const forbidden = await failure(foreign.kv.listNamespaces());
    expect(forbidden).toMatchObject({ call: "kv.listNamespaces", status: 403, errors: [{ code: 9109 }] });
    expect(standIn.state.requests).toHaveLength(2);
  });
});

describe("the API token", () => {
  it("is checked: a wrong one answers 401 Authentication error, and appears in no error", async () => {
    const { standIn } = await setup();
    const secret = "wrong-but-secret-token-123";
    const api = makeCloudflareApi({ accountId: standIn.accountId, apiToken: secret, baseUrl: standIn.url });
    const error = await failure(api.kv.createNamespace("x"));
    expect(error).toMatchObject({ status: 401, errors: [{ code: 10000, message: "Authentication error" }] });
    expect(error.message).toContain("Authentication error");
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(String(error)).not.toContain(secret);
    expect(error.message).not.toContain(secret);
  });

  it("is scrubbed from a thrown fetch error and from Cloudflare's error text", async () => {
    const secret = "leaky-token-456";
    const leaking: typeof fetch = () => Promise.reject(new Error(`connect failed for Bearer ${secret}`));
    const api = makeCloudflareApi({
      accountId: "acc",
      apiToken: secret,
      fetch: leaking,
      retry: { attempts: 1 },
    });
    const error = await failure(api.d1.listDatabases());
    expect(error.message).toContain("<api token>");
    expect(JSON.stringify(error)).not.toContain(secret);
    const echoing: typeof fetch = async () =>
      Response.json(
        { success: false, errors: [{ code: 1, message: `bad token ${secret}` }], messages: [], result: null },
        { status: 400 },
      );
    const echoed = await failure(
      makeCloudflareApi({ accountId: "acc", apiToken: secret, fetch: echoing }).d1.listDatabases(),
    );
    expect(JSON.stringify(echoed)).not.toContain(secret);
    expect(echoed.message).not.toContain(secret);
  });
});

describe("answers that are not the documented shape", () => {
  it("fail as invalid_response, naming the call", async () => {
    const notEnvelope: typeof fetch = async () => Response.json({ hello: "world" });
    const api = makeCloudflareApi({ accountId: "acc", apiToken: "test-token-0001", fetch: notEnvelope });
    const error = await failure(api.kv.listNamespaces());
    expect(error).toMatchObject({ call: "kv.listNamespaces", status: 200, reason: "invalid_response" });
    const wrongResult: typeof fetch = async () =>
      Response.json({ success: true, errors: [], messages: [], result: { nope: true } });
    const shaped = await failure(
      makeCloudflareApi({
        accountId: "acc",
        apiToken: "test-token-0001",
        fetch: wrongResult,
      }).kv.createNamespace("x"),
    );
    expect(shaped).toMatchObject({ call: "kv.createNamespace", reason: "invalid_response" });
    expect(shaped.message).toContain("does not have the documented shape");
  });

  it("sends the default base URL and the bearer token", async () => {
    const seen: Array<{ url: string; authorization: string | null }> = [];
    const recording: typeof fetch = async (input, init) => {
      seen.push({ url: String(input), authorization: new Headers(init?.headers).get("authorization") });
      return Response.json({ success: true, errors: [], messages: [], result: [] });
    };
    const api = makeCloudflareApi({ accountId: "acc", apiToken: "tok", fetch: recording });
    await run(api.routes.list("zone"));
    expect(seen).toEqual([
      { url: "https://api.cloudflare.com/client/v4/zones/zone/workers/routes", authorization: "Bearer tok" },
    ]);
  });
});

describe("the service", () => {
  it("provides the client through a Layer", async () => {
    const { standIn } = await setup();
    const program = Effect.gen(function* () {
      const api = yield* CloudflareApiClient;
      return yield* api.queues.ensure("via-layer");
    });
    const layer = cloudflareApiLayer({
      accountId: standIn.accountId,
      apiToken: standIn.apiToken,
      baseUrl: standIn.url,
    });
    const queue = await run(Effect.provide(program, layer));
    expect(queue.queue_name).toBe("via-layer");
  });
});
