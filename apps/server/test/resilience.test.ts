import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { request } from "@w7s/conformance";
import { strToU8, zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../src/config.js";
import { startServer } from "../src/server.js";

const TOKEN = "resilience-token";

const app = (version: number, extra: Record<string, Uint8Array> = {}) =>
  zipSync({
    "dist/index.html": strToU8(`<h1>v${version}</h1>`),
    "backend/index.js": strToU8(
      `export default { fetch(request) { const { pathname } = new URL(request.url); return pathname === "/version" ? Response.json({ version: ${version} }) : new Response("", { status: 404 }); } };`,
    ),
    ...extra,
  });

const deployTo = async (baseUrl: string, zip: Uint8Array, sha = "0".repeat(40)) => {
  const response = await fetch(`${baseUrl}/api/v1/deploy`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/zip",
      "x-github-repository": "load/app",
      "x-github-sha": sha,
      "x-github-branch": "main",
    },
    body: zip as Uint8Array<ArrayBuffer>,
  });
  return { status: response.status, body: (await response.json()) as { status: string } };
};

const get = async (port: number, path: string) => {
  const target = { baseUrl: `http://127.0.0.1:${port}`, baseDomain: "", close: async () => {} };
  const response = await request(target, "load.w7s.localhost", path);
  return { status: response.status, body: await response.text() };
};

/**
 * A server on a fresh data directory. Load tests go over the free tier's burst windows (F.6) at once: the
 * owner is exempt (F.7), as an operator's load test would be.
 */
const startLoadServer = () =>
  startServer({
    ...DEFAULT_SETTINGS,
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "w7s-load-")),
    deployToken: TOKEN,
    limitExemptOwners: ["load"],
  });

describe("redeploying under load (DECISIONS 6)", () => {
  it("ten redeploys while clients keep requesting: no failures, every answer from the old or the new version", async () => {
    const server = await startLoadServer();
    try {
      expect((await deployTo(server.url, app(0))).status).toBe(200);
      let live = 0;
      let stop = false;
      const failures: string[] = [];
      let answered = 0;
      const client = async (path: string, read: (body: string) => number) => {
        let lastSeen = 0;
        while (!stop) {
          const floor = live;
          const answer = await get(server.port, path);
          answered += 1;
          if (answer.status !== 200) {
            failures.push(`${path}: HTTP ${answer.status} ${answer.body.slice(0, 120)}`);
            continue;
          }
          const version = read(answer.body);
          // The version deployed when the request was sent, or the one being switched to.
          if (version < floor || version > live + 1 || version < lastSeen)
            failures.push(`${path}: got v${version}, live v${live}`);
          lastSeen = version;
        }
      };
      const clients = [
        ...Array.from({ length: 3 }, () =>
          client("/app/version", (body) => (JSON.parse(body) as { version: number }).version),
        ),
        ...Array.from({ length: 2 }, () => client("/app/", (body) => Number(/v(\d+)/.exec(body)?.[1]))),
      ];
      for (let version = 1; version <= 10; version += 1) {
        const deployed = await deployTo(server.url, app(version), version.toString(16).padStart(40, "0"));
        expect(deployed.body.status).toBe("success");
        live = version;
      }
      stop = true;
      await Promise.all(clients);
      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(50);
    } finally {
      await server.close(1_000);
    }
  }, 120_000);
});

/** 60,000 requests from 64 keep-alive clients to `/app/version`; prints the count of each status (0: no answer). */
const LOAD = `
import { Agent, request } from "node:http";
const port = Number(process.argv[1]);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const statuses = {};
const count = (status) => { statuses[status] = (statuses[status] ?? 0) + 1; };
let left = 60000;
const once = () => new Promise((done) => {
  request({ host: "127.0.0.1", port, path: "/app/version", agent, headers: { host: "load.w7s.localhost" } }, (response) => {
    response.resume();
    response.on("end", () => { count(response.statusCode); done(); });
  }).on("error", () => { count(0); done(); }).end();
});
await Promise.all(Array.from({ length: 64 }, async () => { while (left-- > 0) await once(); }));
agent.destroy();
console.log(JSON.stringify(statuses));
`;

describe("a backend under sustained load", () => {
  it("keeps answering: the memory limit leaves room for workerd's own growth under load", async () => {
    const server = await startLoadServer();
    try {
      expect((await deployTo(server.url, app(1))).status).toBe(200);
      // With 128 MB of headroom past its first answer, workerd aborted after about 50,000 of these (64
      // answers of 502). The load comes from its own process: in this one it would share the event loop.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--input-type=module", "-e", LOAD, String(server.port)],
        { encoding: "utf8", timeout: 90_000 },
      );
      const statuses = JSON.parse(stdout) as Record<string, number>;
      const answered = Object.values(statuses).reduce((sum, count) => sum + count, 0);
      expect(statuses).toEqual({ 200: answered });
      expect(answered).toBe(60_000);
    } finally {
      await server.close(1_000);
    }
  }, 120_000);
});

describe("kill -9 in the middle of a deploy", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  const cli = resolve(import.meta.dirname, "../src/cli.ts");
  const hook = resolve(import.meta.dirname, "../../../packages/core/bench/resolveTs.ts");
  const serve = (dataDir: string) =>
    new Promise<{ child: ChildProcess; port: number }>((done, fail) => {
      const child = spawn(
        process.execPath,
        [
          "--conditions=source",
          "--import",
          hook,
          cli,
          "serve",
          "--port",
          "0",
          "--data-dir",
          dataDir,
          "--deploy-token",
          TOKEN,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      children.push(child);
      let output = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
        if (port !== undefined) done({ child, port: Number(port) });
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once("exit", (code) => fail(new Error(`server exited (${code}): ${output}`)));
    });

  it("leaves the previous deployment serving and nothing of the half-done one visible", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-kill-"));
    const first = await serve(dataDir);
    expect((await deployTo(`http://127.0.0.1:${first.port}`, app(1))).status).toBe(200);
    const blobsBefore = readdirSync(join(dataDir, "blobs"), { recursive: true }).length;

    const big: Record<string, Uint8Array> = {};
    for (let index = 0; index < 800; index += 1) {
      big[`dist/files/${index}.bin`] = new Uint8Array(16 * 1024).map(() => Math.floor(Math.random() * 256));
    }
    const pending = deployTo(`http://127.0.0.1:${first.port}`, app(2, big), "2".repeat(40)).catch(
      () => "killed",
    );
    for (let waited = 0; waited < 20_000; waited += 5) {
      if (readdirSync(join(dataDir, "blobs"), { recursive: true }).length > blobsBefore + 20) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    first.child.kill("SIGKILL");
    expect(await pending).toBe("killed");

    const second = await serve(dataDir);
    expect(await get(second.port, "/app/")).toEqual({ status: 200, body: "<h1>v1</h1>" });
    expect(JSON.parse((await get(second.port, "/app/version")).body)).toEqual({ version: 1 });
    expect(await get(second.port, "/app/files/3.bin")).toEqual({ status: 404, body: "Not found." });
    second.child.kill("SIGTERM");
  }, 120_000);

  it("on SIGTERM finishes the request in flight, then exits 0", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-term-"));
    const { child, port } = await serve(dataDir);
    const slow = zipSync({
      "backend/index.js": strToU8(
        'export default { async fetch() { await new Promise((done) => setTimeout(done, 1500)); return new Response("finished"); } };',
      ),
    });
    expect((await deployTo(`http://127.0.0.1:${port}`, slow)).status).toBe(200);
    const inFlight = get(port, "/app/");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    child.kill("SIGTERM");
    expect(await inFlight).toEqual({ status: 200, body: "finished" });
    expect(await exited).toBe(0);
  }, 60_000);
});
