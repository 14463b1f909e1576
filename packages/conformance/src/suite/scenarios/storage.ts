/**
 * C, E.1 and the storage docs: KV, object storage, SQL databases with migrations and stateful objects,
 * provisioned per (environment, owner, repo, binding), surviving redeploys, private to their app.
 * Written against the Workers APIs' semantics, so every adapter answers the same.
 */
import { describe, expect, it } from "vitest";
import type { SuiteContext } from "../context.js";
import { bucketApp, counterApp, kvApp, notesApp } from "../storageApps.js";

// biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field
type Json = any;

const deploymentOf = (answer: { body: unknown }): Json => (answer.body as Json).data.deployment;

const query = (params: Record<string, unknown>) =>
  new URLSearchParams(
    Object.entries(params).map(([name, value]) => [
      name,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  ).toString();

export const storageScenarios = (context: SuiteContext): void => {
  const call = async (
    owner: string,
    path: string,
    params: Record<string, unknown> = {},
    init?: RequestInit,
    environment?: string,
  ): Promise<Json> => {
    const response = await context.get(
      context.host(owner, environment),
      `${path}?${query(params)}`,
      init as never,
    );
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return JSON.parse(text);
  };

  describe("KV (bindings.kv)", () => {
    const manifest = { bindings: { kv: ["STORE"] } };

    it("keeps values and metadata across redeploys, lists by prefix, refuses Workers KV's limits", async () => {
      expect((await context.deployAs("storage-kv", "app", kvApp(manifest))).status).toBe(200);
      await call("storage-kv", "/app/put", {
        key: "user:1",
        value: "Ada",
        options: { metadata: { plan: "pro" } },
      });
      await call("storage-kv", "/app/put", { key: "user:2", value: "Grace" });
      await call("storage-kv", "/app/put", { key: "other", value: "x" });
      expect(await call("storage-kv", "/app/meta", { key: "user:1" })).toMatchObject({
        ok: { value: "Ada", metadata: { plan: "pro" } },
      });
      const listed = await call("storage-kv", "/app/list", { options: { prefix: "user:" } });
      expect(listed.ok.keys).toEqual([{ name: "user:1", metadata: { plan: "pro" } }, { name: "user:2" }]);
      expect(listed.ok.list_complete).toBe(true);

      const redeploy = await context.deployAs("storage-kv", "app", kvApp(manifest), { sha: "2".repeat(40) });
      expect(redeploy.status).toBe(200);
      expect(deploymentOf(redeploy).bindings.kv).toEqual([
        {
          binding: "STORE",
          name: "w7s-production-storage-kv-app-kv-store",
          namespaceId: expect.any(String),
        },
      ]);
      expect(await call("storage-kv", "/app/get", { key: "user:2" })).toEqual({ ok: "Grace" });
      await call("storage-kv", "/app/delete", { key: "user:2" });
      expect(await call("storage-kv", "/app/get", { key: "user:2" })).toEqual({ ok: null });

      expect(await call("storage-kv", "/app/put", { key: "k".repeat(513), value: "v" })).toEqual({
        error: "KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
      });
      expect(
        await call("storage-kv", "/app/put-size", { key: "user:1", size: String(25 * 1024 * 1024 + 1) }),
      ).toEqual({
        error: "KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.",
      });
      expect(await call("storage-kv", "/app/get", { key: "user:1" })).toEqual({ ok: "Ada" });
    }, 60_000);

    it("gives a branch environment its own empty namespace", async () => {
      expect((await context.deployAs("storage-kv2", "app", kvApp(manifest))).status).toBe(200);
      await call("storage-kv2", "/app/put", { key: "k", value: "production" });
      const branch = await context.deployAs("storage-kv2", "app", kvApp(manifest), { branch: "feature/kv" });
      expect(branch.status).toBe(200);
      expect(await call("storage-kv2", "/app/get", { key: "k" }, undefined, "feature-kv")).toEqual({
        ok: null,
      });
      await call("storage-kv2", "/app/put", { key: "k", value: "branch" }, undefined, "feature-kv");
      expect(await call("storage-kv2", "/app/get", { key: "k" })).toEqual({ ok: "production" });
    }, 60_000);
  });

  describe("object storage (bindings.fs)", () => {
    const manifest = { bindings: { fs: ["FILES"] } };

    it("stores objects with their metadata across redeploys, lists and deletes them", async () => {
      expect((await context.deployAs("storage-fs", "app", bucketApp(manifest))).status).toBe(200);
      const put = await call("storage-fs", "/app/put", {
        key: "docs/readme.txt",
        value: "hello bucket",
        options: { httpMetadata: { contentType: "text/plain" }, customMetadata: { owner: "ada" } },
      });
      expect(put.ok).toMatchObject({ key: "docs/readme.txt", size: 12, customMetadata: { owner: "ada" } });
      expect(put.ok.httpEtag).toBe(`"${put.ok.etag}"`);
      await call("storage-fs", "/app/put", { key: "docs/guide.txt", value: "guide" });
      await call("storage-fs", "/app/put", { key: "top.txt", value: "top" });
      expect(
        (await context.deployAs("storage-fs", "app", bucketApp(manifest), { sha: "3".repeat(40) })).status,
      ).toBe(200);
      expect(await call("storage-fs", "/app/get", { key: "docs/readme.txt" })).toMatchObject({
        ok: {
          text: "hello bucket",
          httpMetadata: { contentType: "text/plain" },
          customMetadata: { owner: "ada" },
        },
      });
      expect(
        await call("storage-fs", "/app/get", {
          key: "docs/readme.txt",
          options: { range: { offset: 6, length: 6 } },
        }),
      ).toMatchObject({
        ok: { text: "bucket" },
      });
      expect(await call("storage-fs", "/app/list", { options: { prefix: "docs/" } })).toEqual({
        ok: { keys: ["docs/guide.txt", "docs/readme.txt"], truncated: false, delimitedPrefixes: [] },
      });
      expect(await call("storage-fs", "/app/list", { options: { delimiter: "/" } })).toEqual({
        ok: { keys: ["top.txt"], truncated: false, delimitedPrefixes: ["docs/"] },
      });
      await call("storage-fs", "/app/delete", { keys: ["docs/guide.txt", "top.txt"] });
      expect(await call("storage-fs", "/app/head", { key: "top.txt" })).toEqual({ ok: null });
      expect(await call("storage-fs", "/app/get", { key: "missing" })).toEqual({ ok: null });
    }, 60_000);
  });

  describe("SQL databases (bindings.db) and migrations", () => {
    const manifest = { bindings: { db: [{ binding: "DB", migrations: "migrations" }] } };
    const first = { "0001_notes.sql": "create table notes (id integer primary key, body text not null);" };

    it("applies migrations in order at deploy, keeps rows across redeploys, applies only new files", async () => {
      const deployed = await context.deployAs("storage-db", "notes", notesApp(manifest, first));
      expect(deployed.status).toBe(200);
      expect(deploymentOf(deployed).bindings.d1).toEqual([
        {
          binding: "DB",
          name: "w7s-production-storage-db-notes-d1-db",
          databaseId: expect.any(String),
          migrationsApplied: 1,
        },
      ]);
      expect(await call("storage-db", "/notes/notes", {}, { method: "POST", body: "first note" })).toEqual({
        ok: { changes: 1, id: 1 },
      });
      const second = {
        ...first,
        "0002_tags.sql": "alter table notes add column tag text; create table tags (name text primary key);",
      };
      const redeployed = await context.deployAs("storage-db", "notes", notesApp(manifest, second), {
        sha: "4".repeat(40),
      });
      expect(redeployed.status).toBe(200);
      expect(deploymentOf(redeployed).bindings.d1[0].migrationsApplied).toBe(1);
      expect(await call("storage-db", "/notes/notes")).toEqual({ ok: [{ id: 1, body: "first note" }] });
      expect(await call("storage-db", "/notes/migrations")).toEqual({
        ok: ["migrations/0001_notes.sql", "migrations/0002_tags.sql"],
      });
      expect((await call("storage-db", "/notes/tables")).ok).toEqual(["_w7s_migrations", "notes", "tags"]);
      const failed = await call("storage-db", "/notes/batch-fail");
      expect(failed.error).toMatch(/^D1_ERROR: .*no such table: no_such_table/);
      expect(await call("storage-db", "/notes/count")).toEqual({ ok: 1 });
    }, 60_000);

    it("fails a deploy whose migration has an SQL error, naming the file, and changes nothing", async () => {
      expect((await context.deployAs("storage-db2", "notes", notesApp(manifest, first))).status).toBe(200);
      await call("storage-db2", "/notes/notes", {}, { method: "POST", body: "kept" });
      const broken = await context.deployAs(
        "storage-db2",
        "notes",
        notesApp(manifest, {
          ...first,
          "0002_ok.sql": "create table extra (x);",
          "0003_bad.sql": "creat table oops (x);",
        }),
        { sha: "5".repeat(40) },
      );
      expect(broken.status).toBe(400);
      expect(broken.body.status).toBe("error");
      expect(broken.body.error).toMatch(
        /^D1 migration migrations\/0003_bad\.sql for DB failed: .*syntax error/,
      );
      expect((await call("storage-db2", "/notes/tables")).ok).toEqual(["_w7s_migrations", "notes"]);
      expect(await call("storage-db2", "/notes/notes")).toEqual({ ok: [{ id: 1, body: "kept" }] });
    }, 60_000);

    it("gives a branch its own database with its own migrations", async () => {
      expect((await context.deployAs("storage-db3", "notes", notesApp(manifest, first))).status).toBe(200);
      await call("storage-db3", "/notes/notes", {}, { method: "POST", body: "production row" });
      const branch = await context.deployAs("storage-db3", "notes", notesApp(manifest, first), {
        branch: "preview",
      });
      expect(branch.status).toBe(200);
      expect(deploymentOf(branch).bindings.d1[0].migrationsApplied).toBe(1);
      expect(await call("storage-db3", "/notes/notes", {}, undefined, "preview")).toEqual({ ok: [] });
      expect(await call("storage-db3", "/notes/notes")).toEqual({ ok: [{ id: 1, body: "production row" }] });
    }, 60_000);
  });

  describe("stateful objects (bindings.durableObjects)", () => {
    it("increments one counter exactly under concurrent requests and keeps it across redeploys", async () => {
      expect((await context.deployAs("storage-do", "counter", counterApp("v1"))).status).toBe(200);
      const values = await Promise.all(
        Array.from(
          { length: 20 },
          async () => (await call("storage-do", "/counter/increment")).value as number,
        ),
      );
      expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
      const redeployed = await context.deployAs("storage-do", "counter", counterApp("v2"), {
        sha: "6".repeat(40),
      });
      expect(redeployed.status).toBe(200);
      expect(deploymentOf(redeployed).targets.worker.scriptName).toBe("storage-do--counter--production");
      expect(await call("storage-do", "/counter/increment")).toEqual({ version: "v2", value: 21 });
      expect(await call("storage-do", "/counter/peek", { name: "other" })).toEqual({
        version: "v2",
        value: 0,
      });
      const branch = await context.deployAs("storage-do", "counter", counterApp("b1"), { branch: "try" });
      expect(branch.status).toBe(200);
      expect(await call("storage-do", "/counter/increment", {}, undefined, "try")).toEqual({
        version: "b1",
        value: 1,
      });
    }, 60_000);
  });

  describe("storage isolation and bad input", () => {
    it("never lets an app reach another app's storage by any name it declares", async () => {
      const shared = {
        bindings: {
          kv: [{ binding: "STORE", name: "shared-store" }],
          fs: [{ binding: "FILES", bucket: "shared-bucket" }],
          durableObjects: ["Counter"],
        },
      };
      const files = { ...kvApp(shared), "w7s.json": JSON.stringify(shared) };
      expect((await context.deployAs("storage-victim", "vault", files)).status).toBe(200);
      await call("storage-victim", "/vault/put", { key: "secret", value: "victim data" });
      expect((await context.deployAs("storage-intruder", "vault", files)).status).toBe(200);
      expect(await call("storage-intruder", "/vault/get", { key: "secret" })).toEqual({ ok: null });
      expect((await context.deployAs("storage-victim", "other-repo", files)).status).toBe(200);
      expect(await call("storage-victim", "/other-repo/get", { key: "secret" })).toEqual({ ok: null });

      const counters = counterApp("x", shared);
      expect((await context.deployAs("storage-victim", "count", counters)).status).toBe(200);
      await call("storage-victim", "/count/increment");
      await call("storage-victim", "/count/increment");
      expect((await context.deployAs("storage-intruder", "count", counters)).status).toBe(200);
      expect(await call("storage-intruder", "/count/peek")).toEqual({ version: "x", value: 0 });
    }, 60_000);

    it("refuses a binding name that is not an identifier, naming the field", async () => {
      const answer = await context.deployAs("storage-bad", "app", kvApp({ bindings: { kv: ["MY-STORE"] } }));
      expect(answer.status).toBe(400);
      expect(answer.body.error).toContain("bindings.kv[0] must be a valid Worker binding name.");
    });
  });
};
