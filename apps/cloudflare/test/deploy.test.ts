/** A deploy goes end to end: the operator's deploy API, R2, the REST stand-in's upload, the dispatch namespace. */
import { request, zipFiles } from "@w7s/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";

const DEPLOY_TOKEN = "operator-deploy-token";
let harness: CoreHarness;

beforeAll(async () => {
  harness = await startCoreHarness({ vars: { W7S_DEPLOY_TOKEN: DEPLOY_TOKEN } });
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

const app = (version: string) =>
  zipFiles({
    "dist/index.html": `<h1>hello ${version}</h1>`,
    "backend/index.ts": `export default {
  async fetch(request: Request, env: Record<string, unknown>): Promise<Response> {
    return Response.json({ version: ${JSON.stringify(version)}, path: new URL(request.url).pathname, owner: env.W7S_OWNER ?? null, rpc: typeof env.W7S_RPC });
  },
};
`,
  });

const deploy = (zip: Uint8Array, repository = "acme/shop") =>
  fetch(`${harness.url}/api/v1/deploy`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${DEPLOY_TOKEN}`,
      "content-type": "application/zip",
      "x-github-repository": repository,
      "x-github-sha": "0123456789abcdef0123456789abcdef01234567",
      "x-github-branch": "main",
    },
    body: zip as Uint8Array<ArrayBuffer>,
  });

// Node's fetch does not send a Host header of our choosing; the suite's client does.
const get = (host: string, path: string) =>
  request({ baseUrl: harness.url, baseDomain: "w7s.localhost", close: async () => {} }, host, path);

describe("the core Worker in workerd", () => {
  it("answers health", async () => {
    const response = await fetch(`${harness.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok" });
  });

  it("deploys a static + backend app and serves both by Host header", async () => {
    const response = await deploy(app("v1"));
    const body = await response.text();
    expect(response.status, body).toBe(200);
    expect(harness.scripts.size).toBe(1);
    const [script] = [...harness.scripts.values()];
    expect(script!.namespace).toBe("w7s-isolate");
    const page = await get("acme.w7s.localhost", "/shop/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("hello v1");
    const api = await get("acme.w7s.localhost", "/shop/api/items");
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ version: "v1", owner: "acme", rpc: "object" });
  });

  it("switches to a redeploy at once", async () => {
    expect((await deploy(app("v2"))).status).toBe(200);
    const api = await get("acme.w7s.localhost", "/shop/api/items");
    expect(await api.json()).toMatchObject({ version: "v2" });
  });

  it("counts the app's requests exactly in the usage API", async () => {
    for (let index = 0; index < 5; index += 1) await get("acme.w7s.localhost", "/shop/api/count");
    // Accounting is flushed after each response, inside the request's waitUntil.
    const read = async () => {
      const response = await fetch(`${harness.url}/api/v1/usage/acme/shop`, {
        headers: { authorization: `Bearer ${DEPLOY_TOKEN}` },
      });
      const body = (await response.json()) as {
        data?: { usage?: { metrics?: Record<string, { count: number }> } };
      };
      return body.data?.usage?.metrics?.["runtime.request"]?.count ?? 0;
    };
    let count = await read();
    for (let attempt = 0; attempt < 20 && count < 5; attempt += 1) {
      await new Promise((done) => setTimeout(done, 100));
      count = await read();
    }
    expect(count).toBeGreaterThanOrEqual(5);
  });

  it("serves the live deployment that the deployments KV namespace holds, or the control plane's without one", async () => {
    const kv = await harness.mf.getKVNamespace("DEPLOYMENTS_KV");
    const liveKey = "deployment:v1:production:acme:shop";
    const live = await kv.get(liveKey);
    const { deploymentId } = JSON.parse(live!) as { deploymentId: string };
    expect(deploymentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await kv.get(`deployment-record:v1:${deploymentId}`)).toBe(live);
    // The first deployment (v1) is still stored under its id: made the live record, it is what serves.
    const records = await kv.list({ prefix: "deployment-record:v1:" });
    const values = await Promise.all(records.keys.map(({ name }) => kv.get(name)));
    const v1 = values.find((value) => value !== null && value !== live && value.includes('"acme/shop"'));
    expect(v1).toBeDefined();
    try {
      await kv.put(liveKey, v1!);
      expect(await (await get("acme.w7s.localhost", "/shop/api/items")).json()).toMatchObject({
        version: "v1",
      });
      await kv.delete(liveKey);
      expect(await (await get("acme.w7s.localhost", "/shop/api/items")).json()).toMatchObject({
        version: "v2",
      });
    } finally {
      await kv.put(liveKey, live!);
    }
  });

  it("answers the deploy of a backend that does not start with the B.8 error and keeps serving", async () => {
    const broken = zipFiles({ "dist/index.html": "<h1>x</h1>", "backend/index.js": "export default {" });
    const response = await deploy(broken);
    expect(response.status).toBe(400);
    const api = await get("acme.w7s.localhost", "/shop/api/items");
    expect(await api.json()).toMatchObject({ version: "v2" });
  });
});
