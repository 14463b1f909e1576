/**
 * Every REST call the adapter makes, inside workerd against the Cloudflare API stand-in: the Provisioner's
 * kv/r2/d1 ensure calls and D1 queries (migrations all or none, the failing file named), and the runtime's
 * script upload (bindings metadata) and delete.
 */
import { fileURLToPath } from "node:url";
import { type CloudflareApiStandIn, startCloudflareApiStandIn } from "@w7s/cloudflare-api/stand-in";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker, startWorker } from "./workerHarness.js";

let mf: Miniflare;
let standIn: CloudflareApiStandIn;

const call = async (operation: string, body: unknown = {}) => {
  const response = await mf.dispatchFetch(`http://adapter.test/${operation}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are inspected field by field
  return (await response.json()) as { ok: boolean; value?: any; error?: string; failure?: any };
};

beforeAll(async () => {
  standIn = await startCloudflareApiStandIn();
  const script = await bundleWorker(fileURLToPath(new URL("./fixtures/adapterWorker.ts", import.meta.url)));
  mf = startWorker(script, {
    durableObjects: { CONTROL_PLANE: { className: "W7sControlPlane", useSQLite: true } },
    r2Buckets: ["STATIC_ASSETS"],
    bindings: {
      CLOUDFLARE_API_BASE_URL: standIn.url,
      CLOUDFLARE_ACCOUNT_ID: standIn.accountId,
      CLOUDFLARE_API_TOKEN: standIn.apiToken,
    },
  });
  await mf.ready;
  await fetch(`${standIn.url}/accounts/${standIn.accountId}/workers/dispatch/namespaces`, {
    method: "POST",
    headers: { authorization: `Bearer ${standIn.apiToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "w7s-isolate" }),
  });
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await standIn?.close();
});

const app = { environment: "production", orgSlug: "acme", repoSlug: "notes" };
const request = (kind: string, binding: string, name: string, of = app) => ({ app: of, kind, binding, name });

describe("Provisioner through the REST API", () => {
  it("creates a KV namespace, an R2 bucket and a D1 database once per app and binding", async () => {
    const kv = await call("ensureResource", { request: request("kv", "STORE", "shared") });
    const r2 = await call("ensureResource", { request: request("r2", "FILES", "shared") });
    const d1 = await call("ensureResource", { request: request("d1", "DB", "shared") });
    expect([kv.ok, r2.ok, d1.ok]).toEqual([true, true, true]);
    expect(kv.value).toMatchObject({ kind: "kv", name: "shared", id: standIn.state.kvNamespaces[0]!.id });
    expect(r2.value.id).toBe(standIn.state.buckets[0]!.name);
    expect(d1.value.id).toBe(standIn.state.databases[0]!.uuid);
    const again = await call("ensureResource", { request: request("kv", "STORE", "other name") });
    expect(again.value.id).toBe(kv.value.id);
    expect(standIn.state.kvNamespaces).toHaveLength(1);
  });

  it("never hands another app the resource of a name it also declares", async () => {
    const mine = await call("ensureResource", { request: request("kv", "STORE", "shared") });
    const theirs = await call("ensureResource", {
      request: request("kv", "STORE", "shared", { ...app, orgSlug: "mallory" }),
    });
    expect(theirs.value.id).not.toBe(mine.value.id);
  });

  it("applies new migrations once, all of them or none, naming the file that failed", async () => {
    const db = (await call("ensureResource", { request: request("d1", "DB", "shared") })).value.id as string;
    const first = [
      { name: "migrations/0001_init.sql", sql: "create table notes (id integer primary key, text text)" },
    ];
    expect((await call("applyMigrations", { databaseId: db, migrations: first })).value).toEqual([
      "migrations/0001_init.sql",
    ]);
    expect((await call("applyMigrations", { databaseId: db, migrations: first })).value).toEqual([]);
    const failing = [
      ...first,
      { name: "migrations/0002_ok.sql", sql: "create table tags (id integer primary key)" },
      { name: "migrations/0003_bad.sql", sql: "create tabel oops (" },
    ];
    const refused = await call("applyMigrations", { databaseId: db, migrations: failing });
    expect(refused.ok).toBe(false);
    expect(refused.error).toContain("MigrationFailed");
    expect(refused.failure).toMatchObject({
      reason: "MigrationFailed",
      migration: "migrations/0003_bad.sql",
    });
    // Nothing of the failed deploy stayed: 0002 applies again with the fixed file.
    const fixed = [
      ...failing.slice(0, 2),
      { name: "migrations/0003_bad.sql", sql: "create table ok (id integer)" },
    ];
    expect((await call("applyMigrations", { databaseId: db, migrations: fixed })).value).toEqual([
      "migrations/0002_ok.sql",
      "migrations/0003_bad.sql",
    ]);
  });
});

describe("BackendRuntime through the REST API", () => {
  const bundle = {
    deploymentId: "0b1c2d3e-0000-4000-8000-000000000001",
    app,
    scriptName: "notes-acme",
    mainModule: "index.js",
    modules: [{ name: "index.js", content: "export default { fetch: () => new Response('ok') };" }],
    bindings: [
      { type: "plain_text", name: "GREETING", text: "hi" },
      { type: "secret_text", name: "API_KEY", text: "s3cret" },
      { type: "platform_service", name: "W7S_RPC", service: "rpc" },
      { type: "durable_object_namespace", name: "COUNTER", className: "Counter" },
    ],
    compatibilityDate: "2026-06-01",
    compatibilityFlags: ["nodejs_compat"],
    durableObjectClasses: ["Counter"],
  };

  it("uploads one script per deployment with its bindings, tags and tail consumer", async () => {
    const stateless = {
      ...bundle,
      bindings: bundle.bindings.filter((binding) => binding.type !== "durable_object_namespace"),
      durableObjectClasses: [],
    };
    const published = await call("publish", { bundle: stateless });
    expect(published.ok, published.error).toBe(true);
    const script = standIn.state.scripts.find((entry) => entry.scriptName === `w7s-${bundle.deploymentId}`)!;
    expect(script.namespace).toBe("w7s-isolate");
    expect(script.metadata).toMatchObject({
      main_module: "index.js",
      compatibility_date: "2026-06-01",
      compatibility_flags: ["nodejs_compat"],
      bindings: [
        { type: "plain_text", name: "GREETING", text: "hi" },
        { type: "secret_text", name: "API_KEY", text: "s3cret" },
        { type: "service", name: "W7S_RPC", service: "w7s-core", entrypoint: "PlatformService" },
      ],
      tags: ["w7s-env:production", "w7s-owner:acme", "w7s-repo:notes"],
      tail_consumers: [{ service: "w7s-core" }],
    });
    expect(script.metadata).not.toHaveProperty("migrations");
    expect(
      (await call("listPublished")).value.map((entry: { deploymentId: string }) => entry.deploymentId),
    ).toEqual([bundle.deploymentId]);
    expect((await call("retire", { deploymentId: bundle.deploymentId })).ok).toBe(true);
    expect(standIn.state.scripts).toHaveLength(0);
    expect((await call("listPublished")).value).toEqual([]);
    expect((await call("retire", { deploymentId: bundle.deploymentId })).ok).toBe(true);
  });

  it("keeps an app with stateful objects in one script, migrating only new classes, deleted with its last deployment", async () => {
    const first = await call("publish", { bundle });
    expect(first.ok, first.error).toBe(true);
    const [script] = standIn.state.scripts;
    expect(script!.scriptName).toMatch(/^w7s-app-[0-9a-f]{24}$/);
    expect(script!.metadata).toMatchObject({
      bindings: expect.arrayContaining([
        { type: "durable_object_namespace", name: "COUNTER", class_name: "Counter" },
      ]),
      migrations: { new_tag: "v1", new_sqlite_classes: ["Counter"] },
    });
    const secondId = "0b1c2d3e-0000-4000-8000-000000000003";
    expect((await call("publish", { bundle: { ...bundle, deploymentId: secondId } })).ok).toBe(true);
    expect(standIn.state.scripts).toHaveLength(1);
    expect(standIn.state.scripts[0]!.metadata).not.toHaveProperty("migrations");
    const thirdId = "0b1c2d3e-0000-4000-8000-000000000004";
    const withNewClass = { ...bundle, deploymentId: thirdId, durableObjectClasses: ["Counter", "Room"] };
    expect((await call("publish", { bundle: withNewClass })).ok).toBe(true);
    expect(standIn.state.scripts[0]!.metadata).toMatchObject({
      migrations: { old_tag: "v1", new_tag: "v2", new_sqlite_classes: ["Room"] },
    });
    for (const id of [bundle.deploymentId, secondId])
      expect((await call("retire", { deploymentId: id })).ok).toBe(true);
    expect(standIn.state.scripts).toHaveLength(1);
    expect((await call("retire", { deploymentId: thirdId })).ok).toBe(true);
    expect(standIn.state.scripts).toHaveLength(0);
  });

  it("answers Unavailable when the API is down", async () => {
    standIn.failNext(1, 503);
    const failed = await call("publish", {
      bundle: { ...bundle, deploymentId: "0b1c2d3e-0000-4000-8000-000000000002" },
    });
    expect(failed.ok).toBe(false);
    expect(failed.error).toContain("Unavailable");
  });
});
