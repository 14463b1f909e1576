import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request, requirePostgres } from "@w7s/conformance";
import { strToU8, zipSync } from "fflate";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../src/config.js";
import { type RunningServer, startServer } from "../src/server.js";

const ADMIN_URL = process.env["W7S_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = `w7s_e2e_${randomBytes(5).toString("hex")}`;
const admin = () => postgres(ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 3 });

beforeAll(async () => {
  await requirePostgres();
  const sql = admin();
  await sql.unsafe(`create database ${database}`);
  await sql.end({ timeout: 1 });
}, 30_000);

afterAll(async () => {
  const sql = admin();
  await sql.unsafe(`drop database if exists ${database} with (force)`);
  await sql.end({ timeout: 1 });
});

const databaseUrl = () => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
};

const get = async (server: RunningServer, path: string) =>
  (
    await request(
      { baseUrl: server.url, baseDomain: "", close: async () => {} },
      "shared.w7s.localhost",
      path,
    )
  ).text();

describe("two servers on one Postgres (DATABASE_URL)", () => {
  it("see the same deployments", async () => {
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    const settings = {
      ...DEFAULT_SETTINGS,
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), "w7s-shared-")),
      databaseUrl: url.toString(),
      deployToken: "shared-token",
    };
    const [first, second] = [await startServer(settings), await startServer(settings)];
    try {
      const deployed = await fetch(`${first.url}/api/v1/deploy`, {
        method: "POST",
        headers: {
          authorization: "Bearer shared-token",
          "content-type": "application/zip",
          "x-github-repository": "shared/app",
          "x-github-sha": "c".repeat(40),
          "x-github-branch": "main",
        },
        body: zipSync({
          "dist/index.html": strToU8("<h1>shared</h1>"),
          "backend/index.js": strToU8(
            'export default { fetch() { return new Response("backend", { status: 404 }); } };',
          ),
        }),
      });
      expect(deployed.status).toBe(200);
      expect(await get(second, "/app/")).toBe("<h1>shared</h1>");
      expect(await get(second, "/app/anything")).toBe("<h1>shared</h1>");
    } finally {
      await first.close(1_000);
      await second.close(1_000);
    }
  }, 60_000);
});

describe("usage, logs and the cleanup lock shared on Postgres", () => {
  it("counts exactly across servers, lists one server's logs on the other, cleans once an hour", async () => {
    const settings = {
      ...DEFAULT_SETTINGS,
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), "w7s-shared-")),
      databaseUrl: databaseUrl(),
      deployToken: "shared-token",
      limitExemptOwners: ["shared"],
    };
    const options = { cleanupTimer: false };
    const [first, second] = [await startServer(settings, options), await startServer(settings, options)];
    try {
      const deployed = await fetch(`${first.url}/api/v1/deploy`, {
        method: "POST",
        headers: {
          authorization: "Bearer shared-token",
          "content-type": "application/zip",
          "x-github-repository": "shared/counted",
          "x-github-sha": "d".repeat(40),
          "x-github-branch": "main",
        },
        body: zipSync({
          "backend/index.js": strToU8(
            'export default { fetch(request) { if (new URL(request.url).pathname === "/warn") console.warn("from the first"); return new Response("ok"); } };',
          ),
        }),
      });
      expect(deployed.status).toBe(200);
      const target = (server: RunningServer) => ({
        baseUrl: server.url,
        baseDomain: "",
        close: async () => {},
      });
      await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          request(target(index % 2 === 0 ? first : second), "shared.w7s.localhost", "/counted/"),
        ),
      );
      await request(target(first), "shared.w7s.localhost", "/counted/warn");
      await first.flushAccounting();
      await second.flushAccounting();
      const read = async (server: RunningServer, path: string) =>
        (await (
          await fetch(`${server.url}${path}`, { headers: { authorization: "Bearer shared-token" } })
        ).json()) as {
          // biome-ignore lint/suspicious/noExplicitAny: JSON read field by field
          data: any;
        };
      const usage = await read(second, "/api/v1/usage/shared/counted");
      expect(usage.data.usage.metrics["runtime.request"]).toMatchObject({ count: 201, units: 201 });
      let records: Array<{ text: string }> = [];
      for (let attempt = 0; attempt < 80 && records.length === 0; attempt += 1) {
        records = (await read(second, "/api/v1/logs/shared/counted")).data.logs.records;
        if (records.length === 0) await new Promise((done) => setTimeout(done, 25));
      }
      expect(records.map((record) => record.text)).toEqual(["from the first"]);
      const cleanups = [await first.cleanup(), await second.cleanup()];
      expect(cleanups.map((report) => report.cleaned)).toEqual([true, false]);
    } finally {
      await first.close(1_000);
      await second.close(1_000);
    }
  }, 60_000);
});
