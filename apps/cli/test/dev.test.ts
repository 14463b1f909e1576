/**
 * `w7s dev` with real components: the router, the app's TypeScript backend in workerd with a KV namespace
 * and a SQL database with migrations (adapter-node's Provisioner and bindings host, data in .w7s-local/),
 * a code change live within one second, two local repos calling each other over W7S_RPC, and the proxy
 * mode of the local-development page (--backend, x-w7s-* headers, SPA fallback, /_w7s/local/status).
 */

import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import * as adapterNode from "@w7s/adapter-node";
import { request } from "@w7s/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDev, startDev } from "../src/index.js";

/**
 * Whether this adapter-node serves SQL queries to workerd's D1 binding (the db-gateway work). Until it
 * does, the database is provisioned and migrated (checked on disk) and the query tests wait for it.
 */
const sqlServed = "dbMessages" in adapterNode;

/** The rows of the app's one SQL database, read from its file under .w7s-local/. */
const notesOnDisk = (root: string): string[] => {
  const folder = join(root, ".w7s-local/storage/db");
  const [file] = readdirSync(folder).filter((name) => name.endsWith(".sqlite"));
  const database = new DatabaseSync(join(folder, file!), { readOnly: true });
  try {
    return (database.prepare("SELECT body FROM notes ORDER BY id").all() as Array<{ body: string }>).map(
      (row) => row.body,
    );
  } finally {
    database.close();
  }
};

const registry = mkdtempSync(join(tmpdir(), "w7s-registry-"));
const io = (cwd: string, lines: string[] = []) => ({
  cwd,
  env: { ...process.env, W7S_LOCAL_REGISTRY: registry, GREETING: "hi from the shell" },
  out: (line: string) => lines.push(line),
  err: (line: string) => lines.push(line),
});

const writeApp = (files: Readonly<Record<string, string>>): string => {
  const dir = mkdtempSync(join(tmpdir(), "w7s-dev-app-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
};

const get = async (dev: RunningDev, host: string, path: string, init: Parameters<typeof request>[3] = {}) => {
  const response = await request(
    { baseUrl: dev.url, baseDomain: "", close: async () => {} },
    host,
    path,
    init,
  );
  return { status: response.status, headers: response.headers, body: await response.text() };
};

const notesBackend = (version: string) => `
interface Env {
  CACHE: { get(key: string): Promise<string | null>; put(key: string, value: string): Promise<void> };
  DB: { prepare(sql: string): { bind(...values: unknown[]): any; all(): Promise<{ results: unknown[] }> } };
  GREETING?: string;
  W7S_REPOSITORY: string;
}
import { label } from "./lib/label.ts";

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/visits") {
      const visits = Number((await env.CACHE.get("visits")) ?? "0") + 1;
      await env.CACHE.put("visits", String(visits));
      return Response.json({ visits });
    }
    if (url.pathname === "/notes" && request.method === "POST") {
      const { body } = (await request.json()) as { body: string };
      await env.DB.prepare("INSERT INTO notes (body) VALUES (?)").bind(body).run();
      return new Response(null, { status: 201 });
    }
    if (url.pathname === "/notes") {
      const { results } = await env.DB.prepare("SELECT body FROM notes ORDER BY id").all();
      return Response.json({ notes: results });
    }
    if (url.pathname === "/version") {
      return Response.json({
        version: "${version}",
        label: label(),
        greeting: env.GREETING ?? null,
        repository: env.W7S_REPOSITORY,
        originalPath: request.headers.get("x-w7s-original-path"),
      });
    }
    return new Response("no route", { status: 404 });
  },
};
`;

describe("w7s dev: the app's backend in workerd with its bindings", () => {
  let root: string;
  let dev: RunningDev;
  const lines: string[] = [];
  beforeAll(async () => {
    root = writeApp({
      "package.json": JSON.stringify({ name: "@acme/notes" }),
      "w7s.json": JSON.stringify({
        bindings: { kv: ["CACHE"], db: [{ binding: "DB", migrations: "migrations" }] },
        vars: ["GREETING"],
      }),
      "migrations/0001_notes.sql": "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
      "migrations/0002_seed.sql": "INSERT INTO notes (body) VALUES ('seeded by a migration');",
      "backend/index.ts": notesBackend("one"),
      "backend/lib/label.ts": 'export const label = (): string => "label one";',
      "dist/index.html": "<h1>notes</h1>",
      "dist/app.js": "console.log('app')",
    });
    dev = await startDev(["--owner", "acme", "--port", "0", "--environment", "production"], io(root, lines));
  }, 60_000);
  afterAll(() => dev?.close());

  it("serves static files, the backend with KV and the migrated database, at the W7S URL shape", async () => {
    expect(dev.identity).toMatchObject({ owner: "acme", repo: "notes", environment: "production" });
    expect(lines.join("\n")).toContain(`open   http://acme.local.w7s.cloud:${dev.port}/notes/`);
    expect((await get(dev, "acme.local.w7s.cloud", "/notes/")).body).toBe("<h1>notes</h1>");
    expect((await get(dev, "acme.local.w7s.cloud", "/notes/app.js")).headers.get("content-type")).toBe(
      "application/javascript; charset=utf-8",
    );
    const first = JSON.parse((await get(dev, "acme.local.w7s.cloud", "/notes/visits")).body).visits;
    expect(JSON.parse((await get(dev, "127.0.0.1", "/notes/visits")).body).visits).toBe(first + 1);
    expect(notesOnDisk(root)).toEqual(["seeded by a migration"]);
    expect(JSON.parse((await get(dev, "acme.local.w7s.cloud", "/notes/version")).body)).toEqual({
      version: "one",
      label: "label one",
      greeting: "hi from the shell",
      repository: "acme/notes",
      originalPath: "/notes/version",
    });
    expect(existsSync(join(root, ".w7s-local/storage/kv"))).toBe(true);
    const status = JSON.parse((await get(dev, "127.0.0.1", "/_w7s/local/status")).body);
    expect(status).toMatchObject({
      ok: true,
      owner: "acme",
      repo: "notes",
      environment: "production",
      backend: { mode: "workerd", entrypoint: "backend/index.ts", migrationsApplied: 2 },
    });
    expect(status.backend.bindings.map((binding: { name: string }) => binding.name)).toEqual([
      "GREETING",
      "CACHE",
      "DB",
    ]);
    // SPA fallback after the backend's 404, and an unknown host or repo is not this app.
    expect((await get(dev, "acme.local.w7s.cloud", "/notes/some/page")).body).toBe("<h1>notes</h1>");
    expect((await get(dev, "other.local.w7s.cloud", "/notes/")).status).toBe(404);
    expect((await get(dev, "acme.local.w7s.cloud", "/elsewhere/")).status).toBe(404);
  });

  it.runIf(sqlServed)("answers SQL queries of the backend on the migrated database", async () => {
    expect(JSON.parse((await get(dev, "acme.local.w7s.cloud", "/notes/notes")).body).notes).toEqual([
      { body: "seeded by a migration" },
    ]);
    const added = await get(dev, "acme.local.w7s.cloud", "/notes/notes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ body: "from the test" }),
    });
    expect(added.status).toBe(201);
  });

  it("has a code change live within one second, keeping the data (new migrations only)", async () => {
    const reloaded = dev.reloaded();
    const changedAt = Date.now();
    writeFileSync(join(root, "backend/lib/label.ts"), 'export const label = (): string => "label two";');
    let body: { label?: string } = {};
    while (Date.now() - changedAt < 5_000) {
      body = JSON.parse((await get(dev, "acme.local.w7s.cloud", "/notes/version")).body);
      if (body.label === "label two") break;
      await new Promise((done) => setTimeout(done, 20));
    }
    const elapsed = Date.now() - changedAt;
    expect(body.label).toBe("label two");
    expect(elapsed).toBeLessThan(1_000);
    await reloaded;
    writeFileSync(
      join(root, "migrations/0003_more.sql"),
      "INSERT INTO notes (body) VALUES ('third migration');",
    );
    writeFileSync(join(root, "backend/index.ts"), notesBackend("two"));
    await dev.reloaded();
    expect(notesOnDisk(root)).toEqual([
      "seeded by a migration",
      ...(sqlServed ? ["from the test"] : []),
      "third migration",
    ]);
    expect(
      JSON.parse((await get(dev, "127.0.0.1", "/_w7s/local/status")).body).backend.migrationsApplied,
    ).toBe(1);
  });

  it("keeps the previous version serving when a change does not load, and says why", async () => {
    writeFileSync(join(root, "backend/index.ts"), 'import { nope } from "some-package";\nexport default {};');
    const deadline = Date.now() + 5_000;
    let status: { lastError?: string | null } = {};
    while (Date.now() < deadline) {
      status = JSON.parse((await get(dev, "127.0.0.1", "/_w7s/local/status")).body);
      if (status.lastError) break;
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(status.lastError).toBe(
      "Native deploy currently supports only relative imports inside backend/. Unsupported import: some-package",
    );
    expect(JSON.parse((await get(dev, "acme.local.w7s.cloud", "/notes/version")).body).version).toBe("two");
    writeFileSync(join(root, "backend/index.ts"), notesBackend("three"));
    await dev.reloaded();
  });
});

describe("w7s dev: two local repos over W7S_RPC", () => {
  let time: RunningDev;
  let client: RunningDev;
  beforeAll(async () => {
    const timeRoot = writeApp({
      "w7s.json": JSON.stringify({ rpc: { allow: [] } }),
      "backend/index.js": `export default { fetch(request) {
        return Response.json({ ok: true, service: "rpc-time", path: new URL(request.url).pathname,
          caller: request.headers.get("x-w7s-rpc-caller-repository"), rpc: request.headers.get("x-w7s-rpc"),
          repoSlug: request.headers.get("x-w7s-repo-slug") });
      } };`,
    });
    const clientRoot = writeApp({
      "backend/index.js": `export default { async fetch(request, env) {
        const answer = await env.W7S_RPC.fetch("https://w7s.internal/api/v1/rpc/acme/rpc-time/datetime?x=1", {
          headers: { authorization: "Bearer " + env.W7S_RPC_TOKEN } });
        return Response.json({ ok: answer.ok, status: answer.status, target: await answer.json() });
      } };`,
    });
    const foreignRoot = writeApp({
      "backend/index.js": `export default { async fetch(request, env) {
        const answer = await env.W7S_RPC.fetch("https://w7s.internal/api/v1/rpc/acme/rpc-time/datetime", {
          headers: { authorization: "Bearer " + env.W7S_RPC_TOKEN } });
        return new Response(await answer.text(), { status: answer.status });
      } };`,
    });
    time = await startDev(
      ["--owner", "acme", "--repo", "rpc-time", "--port", "0", "--environment", "production", "--no-watch"],
      io(timeRoot),
    );
    client = await startDev(
      ["--owner", "acme", "--repo", "rpc-client", "--port", "0", "--environment", "production", "--no-watch"],
      io(clientRoot),
    );
    foreign = await startDev(
      ["--owner", "other", "--repo", "outsider", "--port", "0", "--environment", "production", "--no-watch"],
      io(foreignRoot),
    );
  }, 90_000);
  let foreign: RunningDev;
  afterAll(async () => {
    await Promise.all([time?.close(), client?.close(), foreign?.close()]);
  });

  it("routes env.W7S_RPC calls to the other w7s dev with the E.3 caller headers", async () => {
    const answer = JSON.parse((await get(client, "acme.local.w7s.cloud", "/rpc-client/")).body);
    expect(answer).toEqual({
      ok: true,
      status: 200,
      target: {
        ok: true,
        service: "rpc-time",
        path: "/datetime",
        caller: "acme/rpc-client",
        rpc: "1",
        repoSlug: "rpc-time",
      },
    });
    const status = JSON.parse((await get(client, "127.0.0.1", "/_w7s/local/status")).body);
    expect(status.peers.map((peer: { repo: string }) => peer.repo)).toEqual(
      expect.arrayContaining(["rpc-time", "rpc-client"]),
    );
  });

  it("refuses a caller of another owner that the target's rpc.allow does not list", async () => {
    const refused = await get(foreign, "other.local.w7s.cloud", "/outsider/");
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({
      status: "error",
      error: "RPC caller is not authorized for this target.",
    });
  });
});

describe("w7s dev: proxying a dev server (the local-development page)", () => {
  let upstream: ReturnType<typeof createServer>;
  let dev: RunningDev;
  beforeAll(async () => {
    upstream = createServer((incoming, response) => {
      const status = incoming.url?.startsWith("/missing") ? 404 : 200;
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify({ path: incoming.url, headers: incoming.headers }));
    });
    await new Promise<void>((done) => upstream.listen(0, "127.0.0.1", done));
    const root = writeApp({ "dist/index.html": "<p>spa</p>" });
    dev = await startDev(
      [
        "--owner",
        "acme",
        "--repo",
        "app",
        "--environment",
        "feature-login",
        "--port",
        "0",
        "--frontend",
        "dist",
        "--backend",
        `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      ],
      io(root),
    );
  });
  afterAll(async () => {
    await dev?.close();
    upstream?.close();
  });

  it("strips the repo prefix, sets the x-w7s-* headers (dropping the client's), and falls back to the SPA index", async () => {
    const host = "feature-login--acme.local.w7s.cloud";
    const proxied = await get(dev, host, "/app/api/users?x=1", { headers: { "x-w7s-org-slug": "spoofed" } });
    const echoed = JSON.parse(proxied.body);
    expect(echoed.path).toBe("/api/users?x=1");
    expect(echoed.headers).toMatchObject({
      "x-w7s-org-slug": "acme",
      "x-w7s-repo-slug": "app",
      "x-w7s-original-path": "/app/api/users",
    });
    expect(proxied.headers.get("x-w7s-environment")).toBe("feature-login");
    expect((await get(dev, host, "/app/missing/page")).body).toBe("<p>spa</p>");
    expect((await get(dev, host, "/app/")).body).toBe("<p>spa</p>");
    expect((await get(dev, host, "/app")).status).toBe(302);
    expect((await get(dev, "acme.local.w7s.cloud", "/app/")).status).toBe(404);
    const status = JSON.parse((await get(dev, "127.0.0.1", "/_w7s/local/status")).body);
    expect(status).toMatchObject({ environment: "feature-login", backend: { mode: "proxy" } });
  });
});

describe("w7s dev: queue consumer and schedule", () => {
  let dev: RunningDev;
  beforeAll(async () => {
    const root = writeApp({
      "w7s.json": JSON.stringify({
        bindings: { kv: ["STATE"] },
        queues: ["jobs", "inbox"],
        schedules: [{ cron: "*/5 * * * *", path: "/_w7s/schedules/tick" }],
        events: { publish: ["jobs.done"], subscribe: [{ subject: "jobs.done", queue: "inbox" }] },
      }),
      "backend/index.js": `export default { async fetch(request, env) {
        const url = new URL(request.url);
        if (url.pathname === "/enqueue") {
          const sent = await env.W7S_QUEUE.fetch("https://w7s.internal/api/v1/queues/acme/jobs-app/jobs", {
            method: "POST", headers: { authorization: "Bearer " + env.W7S_QUEUE_TOKEN }, body: JSON.stringify({ job: 7 }) });
          return new Response(await sent.text(), { status: sent.status });
        }
        if (url.pathname === "/publish") {
          const published = await env.W7S_EVENTS.fetch("https://w7s.internal/api/v1/events/acme/jobs-app", {
            method: "POST", headers: { authorization: "Bearer " + env.W7S_EVENTS_TOKEN },
            body: JSON.stringify({ subject: url.searchParams.get("subject"), data: { job: 7 } }) });
          return new Response(await published.text(), { status: published.status });
        }
        if (url.pathname === "/_w7s/queues/inbox") {
          const batch = await request.json();
          await env.STATE.put("event", JSON.stringify(batch.messages[0]));
          return new Response("ok");
        }
        if (url.pathname === "/_w7s/queues/jobs") {
          const batch = await request.json();
          await env.STATE.put("delivered", JSON.stringify({ queue: request.headers.get("x-w7s-queue"), body: batch.messages[0].body }));
          return new Response("ok");
        }
        if (url.pathname === "/_w7s/schedules/tick") {
          const body = await request.json();
          await env.STATE.put("tick", JSON.stringify({ cron: request.headers.get("x-w7s-schedule-cron"), schedule: body.schedule }));
          return new Response("ok");
        }
        if (url.pathname === "/state") {
          return Response.json({ delivered: JSON.parse((await env.STATE.get("delivered")) ?? "null"), tick: JSON.parse((await env.STATE.get("tick")) ?? "null"), event: JSON.parse((await env.STATE.get("event")) ?? "null") });
        }
        return new Response("no", { status: 404 });
      } };`,
    });
    dev = await startDev(
      ["--owner", "acme", "--repo", "jobs-app", "--port", "0", "--environment", "production", "--no-watch"],
      io(root),
    );
  }, 60_000);
  afterAll(() => dev?.close());

  it("delivers a W7S_QUEUE message to the consumer path, runs schedules on demand, and keeps /_w7s private", async () => {
    const sent = await get(dev, "acme.local.w7s.cloud", "/jobs-app/enqueue");
    expect(JSON.parse(sent.body)).toMatchObject({
      status: "success",
      data: { queue: { owner: "acme", repo: "jobs-app", name: "jobs" } },
    });
    const deadline = Date.now() + 5_000;
    let state: { delivered: unknown; tick: unknown } = { delivered: null, tick: null };
    while (Date.now() < deadline && state.delivered === null) {
      state = JSON.parse((await get(dev, "acme.local.w7s.cloud", "/jobs-app/state")).body);
      if (state.delivered === null) await new Promise((done) => setTimeout(done, 50));
    }
    expect(state.delivered).toEqual({ queue: "jobs", body: { job: 7 } });
    const ran = JSON.parse((await get(dev, "127.0.0.1", "/_w7s/local/schedules", { method: "POST" })).body);
    expect(ran).toEqual({ ran: [{ cron: "*/5 * * * *", path: "/_w7s/schedules/tick", status: 200 }] });
    state = JSON.parse((await get(dev, "acme.local.w7s.cloud", "/jobs-app/state")).body);
    expect(state.tick).toEqual({ cron: "*/5 * * * *", schedule: "*/5 * * * *" });
    expect(
      (await get(dev, "acme.local.w7s.cloud", "/jobs-app/_w7s/queues/jobs", { method: "POST" })).status,
    ).toBe(404);
  });

  it("publishes a W7S_EVENTS event to the app's own subscription, and refuses an undeclared subject", async () => {
    const published = JSON.parse(
      (await get(dev, "acme.local.w7s.cloud", "/jobs-app/publish?subject=jobs.done")).body,
    );
    expect(published).toMatchObject({
      status: "success",
      data: {
        event: { subject: "jobs.done" },
        deliveries: [{ repository: "acme/jobs-app", queue: "inbox" }],
      },
    });
    const deadline = Date.now() + 5_000;
    let state: { event: Record<string, unknown> | null } = { event: null };
    while (Date.now() < deadline && state.event === null) {
      state = JSON.parse((await get(dev, "acme.local.w7s.cloud", "/jobs-app/state")).body);
      if (state.event === null) await new Promise((done) => setTimeout(done, 50));
    }
    expect(state.event).toMatchObject({
      attempts: 1,
      caller: { repository: "acme/jobs-app" },
      body: {
        type: "w7s.event",
        id: published.data.event.id,
        subject: "jobs.done",
        publisher: { repository: "acme/jobs-app", environment: "production" },
        data: { job: 7 },
      },
    });
    const refused = await get(dev, "acme.local.w7s.cloud", "/jobs-app/publish?subject=jobs.lost");
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error).toBe(
      "Subject jobs.lost is not declared in events.publish of acme/jobs-app. Add it to w7s.json and redeploy.",
    );
  });
});
