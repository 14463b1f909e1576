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
