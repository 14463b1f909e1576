/**
 * E.6 on Cloudflare without clock control: an app starts a workflow instance through `W7S_WORKFLOW`; the
 * core's `W7sWorkflow` (a Cloudflare Workflow in workerd) delivers its step to the target app, and the
 * status reads `complete` with the answer as output.
 */
import { request, zipFiles } from "@w7s/conformance";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";

const DEPLOY_TOKEN = "operator-deploy-token";
let harness: CoreHarness;

beforeAll(async () => {
  harness = await startCoreHarness({ vars: { W7S_DEPLOY_TOKEN: DEPLOY_TOKEN } });
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

const backend = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const internal = (service, path, init = {}) =>
      env[service].fetch("https://w7s.internal" + path, {
        ...init,
        headers: { ...(init.headers ?? {}), authorization: "Bearer " + env[service + "_TOKEN"] },
      });
    if (url.pathname.startsWith("/_w7s/workflows/")) return Response.json({ delivered: url.pathname });
    if (url.pathname === "/start")
      return internal("W7S_WORKFLOW", "/api/v1/workflows/wf/shop/process-order", {
        method: "POST",
        headers: { "x-w7s-workflow-instance-id": "order-1", "content-type": "application/json" },
        body: JSON.stringify({ orderId: "1" }),
      });
    if (url.pathname === "/status")
      return internal("W7S_WORKFLOW", "/api/v1/workflows/wf/shop/process-order/" + url.searchParams.get("id"));
    return new Response("not found", { status: 404 });
  },
};
`;

it("runs a workflow instance to completion through Cloudflare Workflows", async () => {
  const deployed = await fetch(`${harness.url}/api/v1/deploy`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${DEPLOY_TOKEN}`,
      "content-type": "application/zip",
      "x-github-repository": "wf/shop",
      "x-github-sha": "0123456789abcdef0123456789abcdef01234567",
      "x-github-branch": "main",
    },
    body: zipFiles({
      "backend/index.js": backend,
      "w7s.json": JSON.stringify({ workflows: ["process-order"] }),
    }) as Uint8Array<ArrayBuffer>,
  });
  expect(deployed.status, await deployed.clone().text()).toBe(200);
  const target = { baseUrl: harness.url, baseDomain: "w7s.localhost", close: async () => {} };
  const started = await request(target, "wf.w7s.localhost", "/shop/start", { method: "POST" });
  const startBody = (await started.json()) as { data?: { instance?: { id: string } } };
  expect(started.status, JSON.stringify(startBody)).toBe(200);
  const id = startBody.data!.instance!.id;
  let status: { data?: { instance?: { status?: { status: string; output?: unknown } } } } = {};
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const answer = await request(target, "wf.w7s.localhost", `/shop/status?id=${encodeURIComponent(id)}`);
    status = (await answer.json()) as typeof status;
    if (status.data?.instance?.status?.status === "complete") break;
    await new Promise((done) => setTimeout(done, 100));
  }
  expect(status.data?.instance?.status, JSON.stringify(status)).toMatchObject({ status: "complete" });
  expect(JSON.stringify(status.data?.instance?.status?.output)).toContain("/_w7s/workflows/process-order");
}, 60_000);
