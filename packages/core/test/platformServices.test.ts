import { Effect } from "effect";
import { strToU8, zipSync } from "fflate";
import { beforeEach, describe, expect, it } from "vitest";
import { deployApp } from "../src/deploy/deployApp.js";
import { makeHttpApp } from "../src/http/app.js";
import { deliverQueueBatch } from "../src/platform/queues.js";
import { dispatchScheduledMinute } from "../src/platform/schedules.js";
import { deliverWorkflowInstance } from "../src/platform/workflows.js";
import { defaultPlatformConfig, type PlatformConfig } from "../src/platformConfig.js";
import { suspendByOperator } from "../src/usage/usageLimits.js";
import { appKey, type MemoryWorld, makeMemoryWorld, memoryPorts } from "./memoryPorts.js";

// biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field
type Json = any;

const config: PlatformConfig = {
  ...defaultPlatformConfig,
  ai: {
    models: { "@w7s/meta/llama-3.1-8b-instruct-fp8": "llama3.1:8b", "@w7s/tiny": "tiny-1" },
    defaultModel: "@w7s/meta/llama-3.1-8b-instruct-fp8",
  },
};

const backend = 'export default { fetch: () => new Response("ok") };';

let world: MemoryWorld;
// biome-ignore lint/suspicious/noExplicitAny: the memory layer provides every service the core asks for
let run: <A, E>(effect: Effect.Effect<A, E, any>) => Promise<A>;
let app: ReturnType<typeof makeHttpApp>;
const useConfig = (platformConfig: PlatformConfig) => {
  const layer = memoryPorts(world);
  run = (effect) => Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<never>);
  app = makeHttpApp({ config: platformConfig, run: run as never });
};
beforeEach(() => {
  world = makeMemoryWorld();
  useConfig(config);
});

/** Deploys `owner/repo` (branch main unless given) and answers the deployment id and its tokens. */
const deploy = async (
  repository: string,
  manifest: unknown = {},
  options: { branch?: string; staticOnly?: boolean } = {},
) => {
  const files: Record<string, string> = options.staticOnly
    ? { "dist/index.html": "<h1>hi</h1>", "w7s.json": JSON.stringify(manifest) }
    : { "backend/index.js": backend, "w7s.json": JSON.stringify(manifest) };
  const request = new Request("http://w7s.localhost/api/v1/deploy", {
    method: "POST",
    headers: {
      authorization: "Bearer ghs_test",
      "content-type": "application/zip",
      "x-github-repository": repository,
      "x-github-sha": "abc123",
      "x-github-branch": options.branch ?? "main",
    },
    body: zipSync(
      Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)])),
    ) as Uint8Array<ArrayBuffer>,
  });
  const response = await run(deployApp(request, config));
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(200);
  const [owner, repo] = repository.toLowerCase().split("/") as [string, string];
  const environment =
    options.branch === undefined || options.branch === "main" ? "production" : options.branch;
  const stored = world.deployments.get(appKey({ environment, orgSlug: owner, repoSlug: repo }))!;
  const bundle = world.backends.get(stored.deploymentId);
  const token = (name: string) =>
    bundle?.bindings.find((binding) => binding.name === name && binding.type === "secret_text")?.type ===
    "secret_text"
      ? (bundle.bindings.find((binding) => binding.name === name) as { text: string }).text
      : "";
  return {
    deploymentId: stored.deploymentId,
    rpc: token("W7S_RPC_TOKEN"),
    queue: token("W7S_QUEUE_TOKEN"),
    workflow: token("W7S_WORKFLOW_TOKEN"),
    ai: token("W7S_AI_TOKEN"),
    events: token("W7S_EVENTS_TOKEN"),
    body,
  };
};

const call = async (path: string, token: string | undefined, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set("authorization", `Bearer ${token}`);
  const response = await app.fetch(new Request(`https://w7s.internal${path}`, { ...init, headers }));
  const text = await response.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, body: json };
};

/** Backends answer with what they received, so tests see the dispatched request. */
const echoBackends = () => {
  world.backendFetch = (deploymentId, request) =>
    Response.json({
      deploymentId,
      url: request.url,
      method: request.method,
      headers: Object.fromEntries(request.headers),
    });
};

describe("E.2 caller tokens", () => {
  it("a replaced deployment's tokens stop working; unknown tokens and missing bearers are refused", async () => {
    echoBackends();
    await deploy("acme/target");
    const first = await deploy("acme/caller");
    expect((await call("/api/v1/rpc/acme/target/x", first.rpc)).status).toBe(200);
    const second = await deploy("acme/caller");
    expect(await call("/api/v1/rpc/acme/target/x", first.rpc)).toMatchObject({
      status: 401,
      body: { status: "error", error: "Invalid RPC bearer token." },
    });
    expect((await call("/api/v1/rpc/acme/target/x", second.rpc)).status).toBe(200);
    expect((await call("/api/v1/rpc/acme/target/x", "not-a-token")).body.error).toBe(
      "Invalid RPC bearer token.",
    );
    expect((await call("/api/v1/rpc/acme/target/x", undefined)).body.error).toBe("Missing RPC bearer token.");
    // A token of one kind is not a token of another.
    expect((await call("/api/v1/rpc/acme/target/x", second.queue)).body.error).toBe(
      "Invalid RPC bearer token.",
    );
  });

  it("an app redeployed as static-only has no live token: not enabled", async () => {
    echoBackends();
    await deploy("acme/target");
    const caller = await deploy("acme/caller");
    await deploy("acme/caller", {}, { staticOnly: true });
    expect((await call("/api/v1/rpc/acme/target/x", caller.rpc)).body.error).toBe(
      "RPC is not enabled for the caller deployment. Redeploy the caller app.",
    );
  });
});

describe("E.3 RPC", () => {
  it("dispatches to the target path in the caller's environment with the identity headers, and never the caller's", async () => {
    echoBackends();
    const target = await deploy("Acme/Auth");
    const caller = await deploy("acme/web");
    const answer = await call("/api/v1/rpc/acme/auth/session/a%20b/?x=1", caller.rpc, {
      method: "POST",
      headers: {
        cookie: "sid=1",
        "x-w7s-rpc-caller-owner": "evil",
        "x-w7s-rpc-caller": "evil/app",
        "x-w7s-org-slug": "evil",
      },
      body: "payload",
    });
    expect(answer.status).toBe(200);
    expect(answer.body.deploymentId).toBe(target.deploymentId);
    expect(answer.body.url).toBe("https://acme.w7s.internal/session/a%20b/?x=1");
    expect(answer.body.method).toBe("POST");
    const headers = answer.body.headers;
    expect(headers.authorization).toBeUndefined();
    expect(headers.cookie).toBe("sid=1");
    expect(headers["x-w7s-rpc-caller"]).toBeUndefined();
    expect(headers).toMatchObject({
      "x-w7s-rpc": "1",
      "x-w7s-rpc-caller-owner": "acme",
      "x-w7s-rpc-caller-repo": "web",
      "x-w7s-rpc-caller-repository": "acme/web",
      "x-w7s-rpc-caller-environment": "production",
      "x-w7s-org-slug": "acme",
      "x-w7s-repo-slug": "auth",
      "x-w7s-original-path": "/api/v1/rpc/acme/auth/session/a%20b/",
    });
    expect((await call("/api/v1/rpc/acme/auth", caller.rpc)).body.url).toBe("https://acme.w7s.internal/");
  });

  it.each<[string, string, unknown, number, string | undefined]>([
    ["same owner", "acme/caller", {}, 200, undefined],
    ["other owner, no allow list", "other/caller", {}, 403, "RPC caller is not authorized for this target."],
    ["other owner allowed by owner", "other/caller", { rpc: { allow: ["Other"] } }, 200, undefined],
    [
      "other owner allowed by repository",
      "other/caller",
      { rpc: { allow: ["other/caller"] } },
      200,
      undefined,
    ],
    [
      "other owner, another repo allowed",
      "other/caller",
      { rpc: { allow: ["other/else"] } },
      403,
      "RPC caller is not authorized for this target.",
    ],
  ])("authorization matrix: %s", async (_name, callerRepo, targetManifest, status, error) => {
    echoBackends();
    await deploy("acme/target", targetManifest);
    const caller = await deploy(callerRepo);
    const answer = await call("/api/v1/rpc/acme/target/ping", caller.rpc);
    expect(answer.status).toBe(status);
    if (error !== undefined) expect(answer.body).toEqual({ status: "error", error });
  });

  it("stays in the caller's environment: no production fallback", async () => {
    echoBackends();
    await deploy("acme/target");
    const branchCaller = await deploy("acme/caller", {}, { branch: "feature" });
    expect(await call("/api/v1/rpc/acme/target/ping", branchCaller.rpc)).toMatchObject({
      status: 404,
      body: { error: "RPC target deployment was not found." },
    });
    const branchTarget = await deploy("acme/target", {}, { branch: "feature" });
    const answer = await call("/api/v1/rpc/acme/target/ping", branchCaller.rpc);
    expect(answer.body.deploymentId).toBe(branchTarget.deploymentId);
    expect(answer.body.headers["x-w7s-rpc-caller-environment"]).toBe("feature");
  });

  it("answers the documented errors", async () => {
    echoBackends();
    await deploy("acme/site", {}, { staticOnly: true });
    const caller = await deploy("acme/caller");
    expect((await call("/api/v1/rpc/acme", caller.rpc)).body.error).toBe(
      "RPC target must be /api/v1/rpc/<owner>/<repo>/<path>.",
    );
    expect((await call("/api/v1/rpc/-/x/y", caller.rpc)).body.error).toBe("Invalid RPC target owner.");
    expect((await call("/api/v1/rpc/acme/site/x", caller.rpc)).body.error).toBe(
      "RPC target deployment has no backend.",
    );
    await run(
      suspendByOperator({ environment: "production", orgSlug: "acme", repoSlug: "caller" }, "paused"),
    );
    await deploy("acme/target");
    const suspended = await call("/api/v1/rpc/acme/target/x", caller.rpc);
    expect(suspended.status).toBe(429);
    expect(suspended.body.error).toBe("paused");
  });

  it("counts rpc.dispatch for the caller with the target's outcome", async () => {
    world.backendFetch = () => new Response("nope", { status: 500 });
    await deploy("acme/target");
    const caller = await deploy("acme/caller");
    const answer = await call("/api/v1/rpc/acme/target/x", caller.rpc);
    expect(answer).toMatchObject({ status: 500, body: "nope" });
    const rollup = [...world.usage.rollups.values()].find(
      (entry) => entry.repoSlug === "caller" && entry.metrics["rpc.dispatch"] !== undefined,
    );
    expect(rollup?.metrics["rpc.dispatch"]).toMatchObject({ count: 1, error: 1 });
    // The same operation is one G.3 analytics event, with the caller as source.
    expect(world.observability.events.filter(({ event }) => event === "rpc")).toEqual([
      expect.objectContaining({
        repository: "acme/caller",
        environment: "production",
        outcome: "error",
        source: "acme/caller",
        target: "acme/target/x",
        method: "GET",
        status: 500,
        durationMs: expect.any(Number),
      }),
    ]);
  });
});

describe("E.4 queues", () => {
  it("enqueues the documented envelope on the target's managed queue, delayed when asked", async () => {
    await deploy("acme/worker", { queues: ["jobs"] });
    const producer = await deploy("acme/producer");
    const answer = await call("/api/v1/queues/acme/worker/jobs", producer.queue, {
      method: "POST",
      headers: { "x-w7s-queue-delay-seconds": "60" },
      body: JSON.stringify({ type: "ping" }),
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({ queue: { owner: "acme", repo: "worker", name: "jobs" } });
    expect(world.sent).toEqual([
      {
        queueName: "w7s-production-acme-worker-queue-jobs",
        delaySeconds: 60,
        envelope: {
          version: 1,
          body: { type: "ping" },
          enqueuedAt: answer.body.data.enqueuedAt,
          caller: {
            orgSlug: "acme",
            repoSlug: "producer",
            repository: "acme/producer",
            environment: "production",
          },
          target: { orgSlug: "acme", repoSlug: "worker", repository: "acme/worker", queue: "jobs" },
        },
      },
    ]);
    const empty = await call("/api/v1/queues/acme/worker/jobs", producer.queue, { method: "POST" });
    expect(empty.status).toBe(200);
    expect(world.sent[1]?.envelope.body).toBeNull();
  });

  it.each<[string, RequestInit, number, string]>([
    ["invalid JSON", { body: "{" }, 400, "Queue message body must be valid JSON."],
    [
      "delay not a number",
      { headers: { "x-w7s-queue-delay-seconds": "soon" } },
      400,
      "x-w7s-queue-delay-seconds must be an integer from 0 to 86400.",
    ],
    [
      "delay too long",
      { headers: { "x-w7s-queue-delay-seconds": "86401" } },
      400,
      "x-w7s-queue-delay-seconds must be an integer from 0 to 86400.",
    ],
    [
      "delay negative",
      { headers: { "x-w7s-queue-delay-seconds": "-1" } },
      400,
      "x-w7s-queue-delay-seconds must be an integer from 0 to 86400.",
    ],
    [
      "64 KB",
      { body: JSON.stringify("x".repeat(65_500)) },
      413,
      "Queue message envelope exceeds 65536 bytes. Store large payloads in a database or bucket and enqueue a reference to them.",
    ],
  ])("refuses %s", async (_name, init, status, error) => {
    await deploy("acme/worker", { queues: ["jobs"] });
    const producer = await deploy("acme/producer");
    const answer = await call("/api/v1/queues/acme/worker/jobs", producer.queue, { method: "POST", ...init });
    expect(answer).toMatchObject({ status, body: { status: "error", error } });
    expect(world.sent).toEqual([]);
  });

  it("checks the target, its queue and its allow list", async () => {
    await deploy("acme/worker", { queues: ["jobs"], queue: { allow: ["partner/producer"] } });
    const same = await deploy("acme/producer");
    const partner = await deploy("partner/producer");
    const stranger = await deploy("stranger/producer");
    const send = (path: string, token: string) => call(path, token, { method: "POST", body: "1" });
    expect((await send("/api/v1/queues/acme/worker", same.queue)).body.error).toBe(
      "Queue target must be /api/v1/queues/<owner>/<repo>/<queue>.",
    );
    expect((await send("/api/v1/queues/acme/nobody/jobs", same.queue)).body.error).toBe(
      "Queue target deployment was not found.",
    );
    expect((await send("/api/v1/queues/acme/worker/other", same.queue)).body.error).toBe(
      "Queue target was not declared by the deployment.",
    );
    expect((await send("/api/v1/queues/acme/worker/jobs", partner.queue)).status).toBe(200);
    expect(await send("/api/v1/queues/acme/worker/jobs", stranger.queue)).toMatchObject({
      status: 403,
      body: { error: "Queue caller is not authorized for this target." },
    });
    expect((await send("/api/v1/queues/acme/worker/jobs", "bogus")).body.error).toBe(
      "Invalid queue bearer token.",
    );
  });

  it("delivers one batch to the consumer path: 2xx acks, anything else fails the whole batch", async () => {
    const worker = await deploy("acme/worker", { queues: [{ name: "jobs", consumer: "/internal/jobs" }] });
    const requests: Json[] = [];
    world.backendFetch = (deploymentId, request) => {
      requests.push({
        deploymentId,
        url: request.url,
        headers: Object.fromEntries(request.headers),
        request,
      });
      return new Response(null, { status: requests.length === 1 ? 204 : 503 });
    };
    const envelope = {
      version: 1,
      body: { n: 1 },
      enqueuedAt: "2026-05-24T21:59:00.000Z",
      caller: { orgSlug: "acme", repoSlug: "p", repository: "acme/p", environment: "production" },
      target: { orgSlug: "acme", repoSlug: "worker", repository: "acme/worker", queue: "jobs" },
    };
    const batch = {
      queueName: "w7s-production-acme-worker-queue-jobs",
      messages: [
        { id: "m1", attempts: 1, timestamp: "2026-05-24T22:00:00.000Z", body: envelope },
        { id: "m2", attempts: 2, timestamp: "2026-05-24T22:00:01.000Z", body: "foreign" },
      ],
    };
    expect(await run(deliverQueueBatch(batch, config))).toEqual({ _tag: "Acked", status: 204 });
    expect(requests[0].deploymentId).toBe(worker.deploymentId);
    expect(requests[0].url).toBe("https://acme.w7s.internal/internal/jobs");
    expect(requests[0].headers).toMatchObject({
      "content-type": "application/json",
      "x-w7s-queue": "jobs",
      "x-w7s-queue-name": "w7s-production-acme-worker-queue-jobs",
    });
    expect(await requests[0].request.json()).toEqual({
      queue: "jobs",
      queueName: "w7s-production-acme-worker-queue-jobs",
      messages: [
        {
          id: "m1",
          attempts: 1,
          timestamp: "2026-05-24T22:00:00.000Z",
          enqueuedAt: "2026-05-24T21:59:00.000Z",
          caller: envelope.caller,
          body: { n: 1 },
        },
        {
          id: "m2",
          attempts: 2,
          timestamp: "2026-05-24T22:00:01.000Z",
          enqueuedAt: null,
          caller: null,
          body: "foreign",
        },
      ],
    });
    expect(await run(deliverQueueBatch(batch, config))).toEqual({
      _tag: "Failed",
      status: 503,
      error: "W7S queue consumer failed with HTTP 503.",
    });
    expect(await run(deliverQueueBatch({ ...batch, queueName: "w7s-gone" }, config))).toEqual({
      _tag: "Failed",
      error: "W7S queue mapping was not found for w7s-gone.",
    });
    // A queue.delivery limit defers the batch (no dispatch, no attempt used) instead of failing it.
    world.usage.policies.set("usage_limit_policy:v1:repo:acme:worker", {
      version: 1,
      metrics: { "queue.delivery": 1 },
    });
    const dispatched = requests.length;
    expect(await run(deliverQueueBatch(batch, config))).toMatchObject({
      _tag: "Deferred",
      error: expect.stringContaining("Daily usage limit exceeded for queue.delivery"),
      retryAfterSeconds: expect.any(Number),
    });
    expect(requests).toHaveLength(dispatched);
    expect(
      world.observability.events
        .filter(({ event }) => event === "queue_delivery")
        .map(({ outcome, count, status, target }) => ({ outcome, count, status, target })),
    ).toEqual([
      { outcome: "success", count: 2, status: 204, target: "jobs/internal/jobs" },
      { outcome: "error", count: 2, status: 503, target: "jobs/internal/jobs" },
    ]);
  });
});

describe("events", () => {
  const publish = (repository: string, token: string, body: unknown) =>
    call(`/api/v1/events/${repository}`, token, { method: "POST", body: JSON.stringify(body) });
  const subscriber = (subjects: string[], extra: Record<string, unknown> = {}) => ({
    queues: ["inbox"],
    events: { subscribe: subjects.map((subject) => ({ subject, queue: "inbox" })) },
    ...extra,
  });
  const sentTo = () => world.sent.map((sent) => sent.queueName).sort();

  it("enqueues one event envelope per reachable subscriber queue, with one id and time for all", async () => {
    await deploy("acme/billing", subscriber(["orders.created"]));
    await deploy("acme/mailer", {
      queues: ["a", "b"],
      events: {
        subscribe: [
          { subject: "orders.created", queue: "a" },
          { subject: "orders.created", queue: "b" },
          { subject: "orders.cancelled", queue: "a" },
        ],
      },
    });
    await deploy(
      "partner/crm",
      subscriber(["orders.created"], {
        events: { ...subscriber(["orders.created"]).events, allow: ["acme/orders"] },
      }),
    );
    await deploy("stranger/spy", subscriber(["orders.created"]));
    const orders = await deploy("acme/orders", {
      events: { publish: ["orders.created", "orders.cancelled"] },
    });

    const answer = await publish("acme/orders", orders.events, {
      subject: " Orders.Created ",
      data: { orderId: "ord_123" },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const { event, deliveries } = answer.body.data;
    expect(event).toEqual({ id: expect.any(String), subject: "orders.created", time: expect.any(String) });
    expect(deliveries).toEqual([
      { repository: "acme/billing", queue: "inbox" },
      { repository: "acme/mailer", queue: "a" },
      { repository: "acme/mailer", queue: "b" },
      { repository: "partner/crm", queue: "inbox" },
    ]);
    expect(sentTo()).toEqual([
      "w7s-production-acme-billing-queue-inbox",
      "w7s-production-acme-mailer-queue-a",
      "w7s-production-acme-mailer-queue-b",
      "w7s-production-partner-crm-queue-inbox",
    ]);
    const publisher = {
      orgSlug: "acme",
      repoSlug: "orders",
      repository: "acme/orders",
      environment: "production",
    };
    expect(world.sent.find((sent) => sent.queueName.includes("partner"))).toEqual({
      queueName: "w7s-production-partner-crm-queue-inbox",
      envelope: {
        version: 1,
        body: {
          version: 1,
          type: "w7s.event",
          id: event.id,
          subject: "orders.created",
          publisher,
          time: event.time,
          data: { orderId: "ord_123" },
        },
        enqueuedAt: event.time,
        caller: publisher,
        target: { orgSlug: "partner", repoSlug: "crm", repository: "partner/crm", queue: "inbox" },
      },
    });
    const rollup = [...world.usage.rollups.values()].find(
      (entry) => entry.repoSlug === "orders" && entry.metrics["event.publish"] !== undefined,
    );
    expect(rollup?.metrics["event.publish"]).toMatchObject({ count: 1, units: 1, success: 1 });
    expect(rollup?.metrics["event.delivery"]).toMatchObject({ count: 4, units: 4, success: 4 });

    world.sent.length = 0;
    const cancelled = await publish("acme/orders", orders.events, { subject: "orders.cancelled" });
    expect(cancelled.body.data.deliveries).toEqual([{ repository: "acme/mailer", queue: "a" }]);
    expect(world.sent[0]?.envelope.body).toMatchObject({ subject: "orders.cancelled", data: null });
  });

  it("answers a publish nobody subscribes to with no deliveries", async () => {
    const orders = await deploy("acme/orders", { events: { publish: ["orders.created"] } });
    const answer = await publish("acme/orders", orders.events, { subject: "orders.created", data: 1 });
    expect(answer.status).toBe(200);
    expect(answer.body.data.deliveries).toEqual([]);
    expect(world.sent).toEqual([]);
  });

  it.each<[string, string, unknown, number, string]>([
    [
      "a path without the repo",
      "/api/v1/events/acme",
      {},
      400,
      "Events target must be /api/v1/events/<owner>/<repo>.",
    ],
    [
      "a path with a subject",
      "/api/v1/events/acme/orders/x",
      {},
      400,
      "Events target must be /api/v1/events/<owner>/<repo>.",
    ],
    [
      "a body that is not an object",
      "/api/v1/events/acme/orders",
      ["orders.created"],
      400,
      'Event body must be a JSON object {"subject": "<subject>", "data": <any JSON>}.',
    ],
    [
      "a missing subject",
      "/api/v1/events/acme/orders",
      { data: 1 },
      400,
      'Event body must be a JSON object {"subject": "<subject>", "data": <any JSON>}.',
    ],
    [
      "a wildcard subject",
      "/api/v1/events/acme/orders",
      { subject: "orders.*" },
      400,
      `Invalid event subject "orders.*": use dot-separated letters, digits, '_' or '-' (orders.created), at most 128 characters, no wildcards.`,
    ],
    [
      "another app's path",
      "/api/v1/events/acme/billing",
      { subject: "orders.created" },
      403,
      "An app publishes only its own events: use /api/v1/events/acme/orders.",
    ],
    [
      "an undeclared subject",
      "/api/v1/events/acme/orders",
      { subject: "orders.shipped" },
      403,
      "Subject orders.shipped is not declared in events.publish of acme/orders. Add it to w7s.json and redeploy.",
    ],
  ])("refuses %s", async (_name, path, body, status, error) => {
    await deploy("acme/billing", subscriber(["orders.created", "orders.shipped"]));
    const orders = await deploy("acme/orders", { events: { publish: ["orders.created"] } });
    const answer = await call(path, orders.events, { method: "POST", body: JSON.stringify(body) });
    expect(answer).toMatchObject({ status, body: { status: "error", error } });
    expect(world.sent).toEqual([]);
  });

  it("names the declared subjects in the 403, and checks the token first", async () => {
    const orders = await deploy("acme/orders", { events: { publish: ["orders.created"] } });
    const refused = await publish("acme/orders", orders.events, { subject: "orders.shipped" });
    expect(refused.body.details).toEqual({ subject: "orders.shipped", publish: ["orders.created"] });
    expect((await publish("acme/orders", "", { subject: "orders.created" })).body.error).toBe(
      "Missing events bearer token.",
    );
    expect((await publish("acme/orders", orders.queue, { subject: "orders.created" })).body.error).toBe(
      "Invalid events bearer token.",
    );
    await deploy("acme/orders", {}, { staticOnly: true });
    expect(await publish("acme/orders", orders.events, { subject: "orders.created" })).toMatchObject({
      status: 401,
      body: { error: "Events are not enabled for the caller deployment. Redeploy the caller app." },
    });
  });

  it("follows deploys: a dropped subscription stops receiving, a rollback restores it, a branch sees only its own", async () => {
    await deploy("acme/billing", subscriber(["orders.created"]));
    await deploy("acme/billing", subscriber(["orders.created"]), { branch: "feature" });
    const orders = await deploy("acme/orders", { events: { publish: ["orders.created"] } });
    const branchOrders = await deploy(
      "acme/orders",
      { events: { publish: ["orders.created"] } },
      { branch: "feature" },
    );
    const created = { subject: "orders.created" };

    await publish("acme/orders", branchOrders.events, created);
    expect(sentTo()).toEqual(["w7s-feature-acme-billing-queue-inbox"]);
    world.sent.length = 0;

    await deploy("acme/billing", { queues: ["inbox"] });
    expect((await publish("acme/orders", orders.events, created)).body.data.deliveries).toEqual([]);
    expect(world.sent).toEqual([]);

    const rollback = await app.fetch(
      new Request("http://w7s.localhost/api/v1/deployments/acme/billing/rollback", {
        method: "POST",
        headers: { authorization: "Bearer ghs_test" },
      }),
    );
    expect(rollback.status, await rollback.clone().text()).toBe(200);
    await publish("acme/orders", orders.events, created);
    expect(sentTo()).toEqual(["w7s-production-acme-billing-queue-inbox"]);
  });

  it("limits event.publish and event.delivery like queue.send, before anything is enqueued", async () => {
    await deploy("acme/billing", subscriber(["orders.created"]));
    await deploy("acme/mailer", subscriber(["orders.created"]));
    const orders = await deploy("acme/orders", { events: { publish: ["orders.created"] } });
    world.usage.policies.set("usage_limit_policy:v1:repo:acme:orders", {
      version: 1,
      metrics: { "event.delivery": 3 },
    });
    const created = { subject: "orders.created" };
    expect((await publish("acme/orders", orders.events, created)).status).toBe(200);
    const refused = await publish("acme/orders", orders.events, created);
    expect(refused).toMatchObject({
      status: 429,
      body: {
        error: expect.stringContaining(
          "Daily usage limit exceeded for event.delivery at repo scope (2/3 used, requested 2).",
        ),
      },
    });
    expect(world.sent).toHaveLength(2);
    world.usage.policies.set("usage_limit_policy:v1:repo:acme:orders", {
      version: 1,
      metrics: { "event.publish": 2 },
    });
    expect((await publish("acme/orders", orders.events, created)).status).toBe(200);
    expect((await publish("acme/orders", orders.events, created)).body.error).toContain(
      "Daily usage limit exceeded for event.publish",
    );
    expect(world.sent).toHaveLength(4);
  });
});

describe("E.6 workflows", () => {
  it("starts an instance with the requested id, reports it, and refuses the same id twice", async () => {
    await deploy("acme/shop", { workflows: ["process-order"] });
    const caller = await deploy("acme/web");
    const start = () =>
      call("/api/v1/workflows/acme/shop/process-order", caller.workflow, {
        method: "POST",
        headers: { "x-w7s-workflow-instance-id": "ABC123" },
        body: JSON.stringify({ orderId: "123" }),
      });
    const started = await start();
    expect(started.status).toBe(200);
    expect(started.body.data).toEqual({
      workflow: { owner: "acme", repo: "shop", name: "process-order" },
      instance: { id: "production-acme-shop-process-order-abc123", status: { status: "queued" } },
      createdAt: expect.any(String),
    });
    const stored = world.workflows.get("production-acme-shop-process-order-abc123")!;
    expect(stored.instance).toEqual({
      version: 1,
      createdAt: started.body.data.createdAt,
      payload: { orderId: "123" },
      caller: { orgSlug: "acme", repoSlug: "web", repository: "acme/web", environment: "production" },
      target: {
        orgSlug: "acme",
        repoSlug: "shop",
        repository: "acme/shop",
        environment: "production",
        workflow: "process-order",
        path: "/_w7s/workflows/process-order",
      },
    });
    expect((await start()).status).toBe(409);
    for (const id of ["production-acme-shop-process-order-abc123", "abc123"]) {
      const status = await call(`/api/v1/workflows/acme/shop/process-order/${id}`, caller.workflow);
      expect(status.body.data).toEqual({
        workflow: { owner: "acme", repo: "shop", name: "process-order" },
        instance: { id: "production-acme-shop-process-order-abc123", status: { status: "queued" } },
      });
    }
    expect((await call("/api/v1/workflows/acme/shop/process-order/", caller.workflow)).body.error).toBe(
      "Workflow instance id is required.",
    );
    expect((await call("/api/v1/workflows/acme/shop/process-order/nope", caller.workflow)).status).toBe(404);
  });

  it("caps active instances per target at 50 with the documented 429", async () => {
    await deploy("acme/shop", { workflows: ["flow"] });
    const caller = await deploy("acme/web");
    useConfig({ ...config, platformLimits: { ...config.platformLimits, workflowActiveLimit: 2 } });
    for (let index = 0; index < 2; index += 1)
      expect(
        (await call("/api/v1/workflows/acme/shop/flow", caller.workflow, { method: "POST" })).status,
      ).toBe(200);
    const refused = await call("/api/v1/workflows/acme/shop/flow", caller.workflow, { method: "POST" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(refused.body).toEqual({
      status: "error",
      error: "Active workflow limit exceeded (2/2).",
      details: {
        activeWorkflowLimit: {
          active: 2,
          limit: 2,
          environment: "production",
          orgSlug: "acme",
          repoSlug: "shop",
        },
      },
    });
  });

  it.each<[string, RequestInit, string, number, string]>([
    [
      "undeclared workflow",
      { method: "POST" },
      "/api/v1/workflows/acme/shop/other",
      404,
      "Workflow target was not declared by the deployment.",
    ],
    [
      "bad path",
      { method: "POST" },
      "/api/v1/workflows/acme/shop",
      400,
      "Workflow target must be /api/v1/workflows/<owner>/<repo>/<workflow>.",
    ],
    [
      "invalid JSON",
      { method: "POST", body: "{" },
      "/api/v1/workflows/acme/shop/flow",
      400,
      "Workflow payload must be valid JSON.",
    ],
    [
      "64 KB",
      { method: "POST", body: "x".repeat(65_537) },
      "/api/v1/workflows/acme/shop/flow",
      413,
      "Workflow payload exceeds 65536 bytes.",
    ],
    [
      "instance over 64 KB",
      { method: "POST", body: JSON.stringify("x".repeat(65_300)) },
      "/api/v1/workflows/acme/shop/flow",
      413,
      "Workflow instance payload exceeds 65536 bytes.",
    ],
  ])("refuses %s", async (_name, init, path, status, error) => {
    await deploy("acme/shop", { workflows: ["flow"] });
    const caller = await deploy("acme/web");
    expect(await call(path, caller.workflow, init)).toMatchObject({ status, body: { error } });
  });

  it("delivers the documented payload; non-2xx fails the attempt, 2xx completes with the answer", async () => {
    await deploy("acme/shop", { workflows: [{ name: "flow", path: "/internal/flow" }] });
    const caller = await deploy("acme/web");
    await call("/api/v1/workflows/acme/shop/flow", caller.workflow, {
      method: "POST",
      headers: { "x-w7s-workflow-instance-id": "one" },
      body: '{"a":1}',
    });
    const stored = world.workflows.get("production-acme-shop-flow-one")!;
    const seen: Json[] = [];
    world.backendFetch = (_id, request) => {
      seen.push({ url: request.url, headers: Object.fromEntries(request.headers), request });
      return seen.length === 1 ? new Response("busy", { status: 503 }) : Response.json({ ok: true });
    };
    expect(await run(deliverWorkflowInstance(stored, config))).toEqual({
      _tag: "Failed",
      error: "W7S workflow consumer failed with HTTP 503.",
    });
    expect(await run(deliverWorkflowInstance(stored, config))).toEqual({
      _tag: "Done",
      output: { status: 200, contentType: "application/json", body: '{"ok":true}' },
    });
    expect(seen[0].url).toBe("https://acme.w7s.internal/internal/flow");
    expect(seen[0].headers).toMatchObject({
      "x-w7s-workflow": "1",
      "x-w7s-workflow-name": "flow",
      "x-w7s-workflow-instance": "production-acme-shop-flow-one",
    });
    expect(await seen[1].request.json()).toEqual({
      workflow: "flow",
      workflowName: "flow",
      instanceId: "production-acme-shop-flow-one",
      createdAt: stored.instance.createdAt,
      caller: stored.instance.caller,
      target: stored.instance.target,
      payload: { a: 1 },
    });
  });
});

describe("E.5 schedules", () => {
  it("delivers each due schedule once per minute with the documented request; failures go to the app's logs", async () => {
    await deploy("acme/cron", {
      schedules: [
        { cron: "*/5 * * * *", path: "/_w7s/schedules/sync" },
        { cron: "0 0 1 1 *", path: "/never" },
      ],
    });
    await deploy("acme/broken", { schedules: [{ cron: "* * * * *", path: "/tick" }] });
    const seen: Json[] = [];
    world.backendFetch = (_id, request) => {
      seen.push({ url: request.url, headers: Object.fromEntries(request.headers), request });
      return new Response("", { status: request.url.endsWith("/tick") ? 500 : 200 });
    };
    const at = Date.parse("2026-05-25T12:10:42Z");
    const report = await run(dispatchScheduledMinute(at, config));
    expect(report.scheduledTime).toBe("2026-05-25T12:10:00.000Z");
    expect(report.deliveries.map((delivery) => delivery.outcome).sort()).toEqual(["delivered", "failed"]);
    const sync = seen.find((entry) => entry.url.endsWith("/_w7s/schedules/sync"));
    expect(sync.url).toBe("https://acme.w7s.internal/_w7s/schedules/sync");
    expect(sync.headers).toMatchObject({
      "content-type": "application/json",
      "x-w7s-schedule": "1",
      "x-w7s-schedule-cron": "*/5 * * * *",
      "x-w7s-schedule-time": "2026-05-25T12:10:00.000Z",
    });
    expect(await sync.request.json()).toEqual({
      schedule: "*/5 * * * *",
      scheduledTime: "2026-05-25T12:10:00.000Z",
      repository: "acme/cron",
      environment: "production",
    });
    expect(world.observability.logs.map(({ record }) => record)).toMatchObject([
      {
        kind: "outcome",
        level: "error",
        repoSlug: "broken",
        text: "W7S schedule consumer failed with HTTP 500.",
      },
    ]);
    const again = await run(dispatchScheduledMinute(at + 10_000, config));
    expect(again.deliveries.map((delivery) => delivery.outcome)).toEqual([
      "claimed-elsewhere",
      "claimed-elsewhere",
    ]);
    expect(seen).toHaveLength(2);
    expect((await run(dispatchScheduledMinute(at + 60_000, config))).deliveries).toHaveLength(1);
  });

  it("drops stale schedules on redeploy", async () => {
    await deploy("acme/cron", { schedules: [{ cron: "* * * * *", path: "/old" }] });
    await deploy("acme/cron", { schedules: [{ cron: "* * * * *", path: "/new" }] });
    world.backendFetch = () => new Response("ok");
    const report = await run(dispatchScheduledMinute(Date.parse("2026-05-25T12:10:00Z"), config));
    expect(report.evaluated).toBe(1);
  });
});

describe("E.7 AI", () => {
  const runModel = (token: string, body: unknown) =>
    call("/api/v1/ai/run", token, {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("maps the public model to the provider's and answers { model, result }", async () => {
    const app1 = await deploy("acme/joke");
    world.aiAnswer = { response: "a joke" };
    const answer = await runModel(app1.ai, { input: { prompt: "joke" } });
    expect(answer.body).toEqual({
      status: "success",
      data: { model: "@w7s/meta/llama-3.1-8b-instruct-fp8", result: { response: "a joke" } },
    });
    expect(world.aiRequests).toEqual([
      { providerModel: "llama3.1:8b", input: { prompt: "joke" }, options: {} },
    ]);
    expect((await runModel(app1.ai, { model: "@cf/tiny", inputs: { prompt: "x" } })).body.data.model).toBe(
      "@w7s/tiny",
    );
  });

  it.each<[string, unknown, number, string]>([
    ["invalid JSON", "{", 400, "AI request body must be valid JSON."],
    ["model type", { model: 1, input: {} }, 400, "model must be a string."],
    ["input", { input: "x" }, 400, "input must be a JSON object."],
    ["options", { input: {}, options: [] }, 400, "options must be a JSON object."],
    [
      "streaming",
      { input: { stream: true } },
      400,
      "Streaming AI responses are not supported through W7S_AI yet.",
    ],
    [
      "raw",
      { input: {}, options: { websocket: true } },
      400,
      "Raw, WebSocket, and batch AI responses are not supported through W7S_AI yet.",
    ],
    [
      "model not allowed",
      { model: "@w7s/other", input: {} },
      400,
      "AI model is not allowed for this W7S deployment.",
    ],
    ["too large", { input: { prompt: "x".repeat(33_000) } }, 413, "AI request body exceeds 32768 bytes."],
  ])("refuses %s", async (_name, body, status, error) => {
    const caller = await deploy("acme/joke");
    expect(await runModel(caller.ai, body)).toMatchObject({ status, body: { error } });
  });

  it("answers 503 with a hint when no provider is configured, and 502 when the provider fails", async () => {
    const caller = await deploy("acme/joke");
    useConfig({ ...config, ai: null });
    expect(await runModel(caller.ai, { input: {} })).toMatchObject({
      status: 503,
      body: {
        error: "W7S AI is not configured for this core deployment.",
        details: { hint: expect.any(String) },
      },
    });
    useConfig(config);
    world.aiAnswer = new Error("model overloaded");
    expect(await runModel(caller.ai, { input: {} })).toMatchObject({
      status: 502,
      body: { error: "model overloaded" },
    });
  });
});
