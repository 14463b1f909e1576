/** Stateful objects across server restarts and rollbacks, through the real server (SQLite, workerd). */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "@w7s/conformance";
import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../src/config.js";
import { startServer } from "../src/server.js";

const TOKEN = "objects-token";

const clockApp = (version: string) =>
  zipSync({
    "w7s.json": strToU8(JSON.stringify({ bindings: { durableObjects: ["Clock"] } })),
    "backend/index.js": strToU8(`import { DurableObject } from "cloudflare:workers";
export class Clock extends DurableObject {
  async arm(ms) { await this.ctx.storage.setAlarm(Date.now() + ms); return "armed"; }
  async alarm() { await this.ctx.storage.put("rang", { version: ${JSON.stringify(version)}, at: Date.now() }); }
  async state() { return (await this.ctx.storage.get("rang")) ?? null; }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const stub = env.Clock.get(env.Clock.idFromName("main"));
    if (url.pathname.endsWith("/arm")) return Response.json(await stub.arm(Number(url.searchParams.get("ms"))));
    return Response.json({ version: ${JSON.stringify(version)}, rang: await stub.state(), now: Date.now() });
  },
};`),
  });

const deploy = async (baseUrl: string, zip: Uint8Array, sha: string) => {
  const response = await fetch(`${baseUrl}/api/v1/deploy`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/zip",
      "x-github-repository": "objects/clock",
      "x-github-sha": sha,
      "x-github-branch": "main",
    },
    body: zip as Uint8Array<ArrayBuffer>,
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { deploymentId?: string };
};

// biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field
const get = async (baseUrl: string, path: string): Promise<any> => {
  const target = { baseUrl, baseDomain: "", close: async () => {} };
  const response = await request(target, "objects.w7s.localhost", path);
  expect(response.status).toBe(200);
  return response.json();
};

const serve = (dataDir: string) =>
  startServer({ ...DEFAULT_SETTINGS, port: 0, dataDir, deployToken: TOKEN, limitExemptOwners: ["objects"] });

describe("stateful objects and the live deployment", () => {
  it("an alarm set before a restart fires after it, with no request; a rollback runs the older code", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-objects-"));
    let server = await serve(dataDir);
    try {
      await deploy(server.url, clockApp("v1"), "1".repeat(40));
      expect(await get(server.url, "/clock/arm?ms=1500")).toBe("armed");
      await server.close(1_000);
      server = await serve(dataDir);
      // The alarm is due 1.5 s after it was set; nothing asks the app for 4 s.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const after = await get(server.url, "/clock/");
      expect(after.rang?.version).toBe("v1");
      // It rang when it was due, not when this request woke the app.
      expect(after.now - after.rang.at).toBeGreaterThan(1_500);

      await deploy(server.url, clockApp("v2"), "2".repeat(40));
      expect((await get(server.url, "/clock/")).version).toBe("v2");
      const history = await fetch(`${server.url}/api/v1/deployments/objects/clock`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const listed = ((await history.json()) as { data: { deployments: Array<{ deploymentId: string }> } })
        .data.deployments;
      const rollback = await fetch(`${server.url}/api/v1/deployments/objects/clock/rollback`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ deploymentId: listed[1]!.deploymentId }),
      });
      expect(rollback.status, await rollback.clone().text()).toBe(200);
      const rolledBack = await get(server.url, "/clock/");
      expect(rolledBack.version).toBe("v1");
      // Its objects' state came along: the alarm's record is still there.
      expect(rolledBack.rang?.version).toBe("v1");
    } finally {
      await server.close(1_000);
    }
  }, 60_000);
});

const ledgerApp = zipSync({
  "w7s.json": strToU8(JSON.stringify({ bindings: { durableObjects: ["Ledger"] } })),
  "backend/index.js": strToU8(`import { DurableObject } from "cloudflare:workers";
export class Ledger extends DurableObject {
  async record() {
    const storage = this.ctx.storage;
    await storage.put("a", 1);
    await storage.put("b", "two");
    await storage.put("c", { three: 3 });
    await storage.get("a");
    await storage.get("b");
    await storage.delete("c");
    return storage.sql.exec("INSERT INTO items (name) VALUES (?), (?)", "x", "y").rowsWritten;
  }
  setup() { this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS items (name TEXT)"); return "ready"; }
  async wait() { await new Promise((resolve) => setTimeout(resolve, 50)); return "waited"; }
}
export default {
  async fetch(request, env) {
    const stub = env.Ledger.get(env.Ledger.idFromName("main"));
    const { pathname } = new URL(request.url);
    if (pathname.endsWith("/setup")) return Response.json(await stub.setup());
    if (pathname.endsWith("/wait")) return Response.json(await stub.wait());
    return Response.json(await stub.record());
  },
};`),
});

describe("stateful-object usage (F.1), counted in the app's isolate", () => {
  it("3 puts, 2 gets, 1 delete and an insert of 2 rows are those units; a 50 ms wait is wall time", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-objects-usage-"));
    const server = await serve(dataDir);
    try {
      const deployment = await fetch(`${server.url}/api/v1/deploy`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${TOKEN}`,
          "content-type": "application/zip",
          "x-github-repository": "objects/ledger",
          "x-github-sha": "3".repeat(40),
          "x-github-branch": "main",
        },
        body: ledgerApp as Uint8Array<ArrayBuffer>,
      });
      expect(deployment.status, await deployment.clone().text()).toBe(200);
      // biome-ignore lint/suspicious/noExplicitAny: the usage answer is read field by field
      const metricsNow = async (): Promise<Record<string, any>> => {
        const response = await fetch(`${server.url}/api/v1/usage/objects/ledger`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(response.status).toBe(200);
        return ((await response.json()) as { data: { usage: { metrics: Record<string, unknown> } } }).data
          .usage.metrics;
      };
      const afterRequests = async (count: number) => {
        let metrics = await metricsNow();
        for (
          let attempt = 0;
          attempt < 100 && metrics["durable_object.request"]?.count !== count;
          attempt += 1
        ) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          metrics = await metricsNow();
        }
        expect(metrics["durable_object.request"]).toMatchObject({ count, success: count, error: 0 });
        return metrics;
      };
      // The table is made first: SQLite counts the rows its schema change writes too.
      expect(await get(server.url, "/ledger/setup")).toBe("ready");
      const before = (await afterRequests(1))["durable_object.rows_written"]?.units ?? 0;
      expect(await get(server.url, "/ledger/")).toBe(2);
      const metrics = await afterRequests(2);
      expect(metrics["durable_object.storage_write_units"]).toMatchObject({ units: 3 });
      expect(metrics["durable_object.storage_read_units"]).toMatchObject({ units: 2 });
      expect(metrics["durable_object.storage_deletes"]).toMatchObject({ units: 1 });
      expect(metrics["durable_object.rows_written"]?.units).toBe(before + 2);
      expect(await get(server.url, "/ledger/wait")).toBe("waited");
      expect((await afterRequests(3))["durable_object.duration_ms"]?.units).toBeGreaterThanOrEqual(45);
    } finally {
      await server.close(1_000);
    }
  }, 60_000);
});
