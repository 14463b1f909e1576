import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DnsStandIn, request, startDnsStandIn, zipFiles } from "@w7s/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../src/config.js";
import { type RunningServer, startServer } from "../src/server.js";

const TOKEN = "domains-token";

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are asserted field by field
type Json = any;

const app = (version: number, cname = "") =>
  zipFiles({
    "dist/index.html": `<h1>v${version}</h1>`,
    "backend/index.js": `export default { fetch(request) { const { pathname } = new URL(request.url); return pathname === "/version" ? Response.json({ version: ${version} }) : new Response("", { status: 404 }); } };`,
    ...(cname === "" ? {} : { CNAME: cname }),
  });

let server: RunningServer;
let dns: DnsStandIn;

beforeAll(async () => {
  dns = await startDnsStandIn();
  server = await startServer({
    ...DEFAULT_SETTINGS,
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "w7s-domains-")),
    deployToken: TOKEN,
    dnsServers: [dns.address],
    historyDepth: 4,
    // Many deploys of one app in a minute are past the deploy burst limit (F.6) of any other owner.
    limitExemptOwners: ["load"],
  });
}, 60_000);

afterAll(async () => {
  await server.close(1_000);
  await dns.close();
});

const deploy = async (repository: string, zip: Uint8Array, sha = "0".repeat(40)) => {
  const response = await fetch(`${server.url}/api/v1/deploy`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/zip",
      "x-github-repository": repository,
      "x-github-sha": sha,
      "x-github-branch": "main",
    },
    body: zip as Uint8Array<ArrayBuffer>,
  });
  return { status: response.status, body: (await response.json()) as Json };
};

const target = () => ({ baseUrl: server.url, baseDomain: server.config.baseDomain, close: async () => {} });
const get = async (host: string, path: string, headers: Record<string, string> = {}) => {
  const response = await request(target(), host, path, { headers });
  return { status: response.status, body: await response.text(), headers: response.headers };
};

describe("the Node server's custom domains", () => {
  it("asks the configured DNS server, and serves an attached domain from the fast path too", async () => {
    dns.setTxt("_w7s.fast.example", ["load/app"]);
    const deployed = await deploy("load/app", app(1, "www.fast.example\n"));
    expect(deployed.body.data.customDomains).toEqual(["www.fast.example"]);
    expect(deployed.body.data.customDomainWarnings).toBeUndefined();
    expect(dns.queries).toContainEqual({ name: "_w7s.fast.example", type: "TXT" });

    const before = server.answered();
    for (let index = 0; index < 3; index += 1) {
      expect((await get("www.fast.example", "/")).body).toBe("<h1>v1</h1>");
      expect(JSON.parse((await get("www.fast.example", "/version")).body)).toEqual({ version: 1 });
    }
    expect(server.answered().fastPath - before.fastPath).toBeGreaterThan(0);
    // The fast path leaves oversized cookies to the app's guard.
    expect((await get("www.fast.example", "/", { cookie: `a=${"x".repeat(9000)}` })).status).toBe(431);
    expect((await get("www.fast.example", "/_w7s/x")).status).toBe(404);
  });

  it("answers the reverse proxy's TLS question", async () => {
    const ask = async (domain: string) => (await get("127.0.0.1", `/api/v1/tls/ask?domain=${domain}`)).status;
    expect(await ask("www.fast.example")).toBe(200);
    expect(await ask(`load.${server.config.baseDomain}`)).toBe(200);
    expect(await ask("nope.fast.example")).toBe(404);
  });
});

describe("rollback under load", () => {
  it("switches every client to the earlier version in one step, with no failed request", async () => {
    for (let version = 1; version <= 3; version += 1) {
      expect((await deploy("load/rb", app(version), String(version).repeat(40))).status).toBe(200);
    }
    const list = await fetch(`${server.url}/api/v1/deployments/load/rb`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const history = ((await list.json()) as Json).data.deployments as Json[];
    expect(history.map((entry) => entry.deployment.commitSha[0])).toEqual(["3", "2", "1"]);

    let stop = false;
    let switched = false;
    const failures: string[] = [];
    let answered = 0;
    const client = async (path: string, read: (body: string) => number) => {
      while (!stop) {
        const after = switched;
        const answer = await get("load.w7s.localhost", path);
        answered += 1;
        if (answer.status !== 200) failures.push(`${path}: HTTP ${answer.status}`);
        else if (after && read(answer.body) !== 1)
          failures.push(`${path}: v${read(answer.body)} after the rollback`);
        else if (![1, 3].includes(read(answer.body))) failures.push(`${path}: v${read(answer.body)}`);
      }
    };
    const clients = [
      ...Array.from({ length: 3 }, () => client("/rb/version", (body) => (JSON.parse(body) as Json).version)),
      ...Array.from({ length: 3 }, () => client("/rb/", (body) => Number(/v(\d+)/.exec(body)?.[1]))),
    ];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rolled = await fetch(`${server.url}/api/v1/deployments/load/rb/rollback`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ steps: 2 }),
    });
    expect(rolled.status).toBe(200);
    switched = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
    stop = true;
    await Promise.all(clients);
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(50);

    // Past the history depth, the oldest go; the live one stays listed.
    for (let version = 4; version <= 8; version += 1) {
      expect((await deploy("load/rb", app(version), String(version).repeat(40))).status).toBe(200);
    }
    const after = await fetch(`${server.url}/api/v1/deployments/load/rb`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect((((await after.json()) as Json).data.deployments as Json[]).length).toBe(4);
  }, 120_000);
});
