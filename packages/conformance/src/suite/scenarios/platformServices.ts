/**
 * E.2-E.7 and events: what backends reach through `W7S_RPC`, `W7S_QUEUE`, `W7S_WORKFLOW`, `W7S_AI` and
 * `W7S_EVENTS`, driven only through HTTP requests to deployed apps (which make the internal calls) and the
 * apps' record of what the platform delivered to them. Queue delays, retries, workflow backoff and schedules need the target's
 * `time` control, so they take seconds rather than minutes.
 */
import { describe, expect, it } from "vitest";
import type { TimeControl } from "../client.js";
import { credentials, type SuiteContext } from "../context.js";
import { platformApp } from "../platformApps.js";

// biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field
type Json = any;

const MINUTE = 60_000;

const eventually = async <A>(read: () => Promise<A>, accept: (value: A) => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline)
      throw new Error(`not reached in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
};

export const platformServiceScenarios = (context: SuiteContext): void => {
  const time = (): TimeControl => {
    const control = context.target().time;
    if (control === undefined)
      throw new Error(
        "The platform-service scenarios need ConformanceTarget.time (control of the server's clock).",
      );
    return control;
  };

  const deploy = async (
    owner: string,
    repo: string,
    manifest: Record<string, unknown> = {},
    options: { branch?: string; sha?: string } = {},
  ) => {
    const answer = await context.deployAs(owner, repo, platformApp(manifest), options);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer;
  };

  /** GET on an app host; answers the JSON body. */
  const get = async (owner: string, path: string, environment?: string): Promise<Json> => {
    const response = await context.get(context.host(owner, environment), path);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return JSON.parse(text);
  };

  /** One internal API call made by the app `owner/repo` through `service`. */
  const call = (
    owner: string,
    repo: string,
    params: {
      service?: string;
      api: string;
      method?: string;
      body?: string;
      /** Sends a JSON string of this many `x` instead of `body` (too long for a URL). */
      bodySize?: number;
      headers?: Record<string, string>;
      token?: string;
    },
    environment?: string,
  ): Promise<{ status: number; body: Json; headers: Record<string, string> }> => {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params))
      if (value !== undefined)
        query.set(name, typeof value === "object" ? JSON.stringify(value) : String(value));
    return get(owner, `/${repo}/call?${query}`, environment);
  };

  const events = (owner: string, repo: string, kind = ""): Promise<Json[]> =>
    get(owner, `/${repo}/events?kind=${encodeURIComponent(kind)}`);

  describe("E.3 RPC", () => {
    it("authorizes same owner, allow-listed owners and repositories, and nobody else; never across environments", async () => {
      await deploy("rpc-a", "target", { rpc: { allow: ["RPC-C", "rpc-d/caller"] } });
      const callers: Array<[string, string, number]> = [
        ["rpc-a", "caller", 200],
        ["rpc-b", "caller", 403],
        ["rpc-c", "caller", 200],
        ["rpc-d", "caller", 200],
        ["rpc-d", "other", 403],
      ];
      for (const [owner, repo, status] of callers) {
        await deploy(owner, repo);
        const answer = await call(owner, repo, { api: "/api/v1/rpc/rpc-a/target/ping" });
        expect({ caller: `${owner}/${repo}`, status: answer.status }).toEqual({
          caller: `${owner}/${repo}`,
          status,
        });
        if (status === 403)
          expect(answer.body).toEqual({
            status: "error",
            error: "RPC caller is not authorized for this target.",
          });
        else expect(answer.body.headers["x-w7s-rpc-caller-repository"]).toBe(`${owner}/${repo}`);
      }
      await deploy("rpc-a", "caller", {}, { branch: "feature/x" });
      const otherEnvironment = await call(
        "rpc-a",
        "caller",
        { api: "/api/v1/rpc/rpc-a/target/ping" },
        "feature-x",
      );
      expect(otherEnvironment).toMatchObject({
        status: 404,
        body: { status: "error", error: "RPC target deployment was not found." },
      });
    }, 120_000);

    it("dispatches the target path with the caller's identity headers; spoofed x-w7s-* headers and the token never arrive", async () => {
      await deploy("rpc-h", "target");
      await deploy("rpc-h", "caller");
      const answer = await call("rpc-h", "caller", {
        api: "/api/v1/rpc/rpc-h/target/session/a%20b/?q=1",
        method: "POST",
        body: "hello",
        headers: {
          cookie: "sid=1",
          "content-type": "text/plain",
          "x-w7s-rpc-caller-owner": "someone-else",
          "x-w7s-rpc-caller": "someone/else",
          "x-w7s-org-slug": "someone-else",
        },
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        path: "/session/a%20b/",
        search: "?q=1",
        method: "POST",
        body: "hello",
        app: { owner: "rpc-h", repo: "target", environment: "production" },
      });
      expect(answer.body.headers).toEqual({
        cookie: "sid=1",
        "content-type": "text/plain",
        "x-w7s-rpc": "1",
        "x-w7s-rpc-caller-owner": "rpc-h",
        "x-w7s-rpc-caller-repo": "caller",
        "x-w7s-rpc-caller-repository": "rpc-h/caller",
        "x-w7s-rpc-caller-environment": "production",
        "x-w7s-org-slug": "rpc-h",
        "x-w7s-repo-slug": "target",
        "x-w7s-original-path": "/api/v1/rpc/rpc-h/target/session/a%20b/",
      });
      expect((await call("rpc-h", "caller", { api: "/api/v1/rpc/rpc-h" })).body.error).toBe(
        "RPC target must be /api/v1/rpc/<owner>/<repo>/<path>.",
      );
      expect((await call("rpc-h", "caller", { api: "/api/v1/rpc/rpc-h/nothing/x" })).body.error).toBe(
        "RPC target deployment was not found.",
      );
      expect(
        (await call("rpc-h", "caller", { api: "/api/v1/rpc/rpc-h/target/x", token: "" })).body.error,
      ).toBe("Missing RPC bearer token.");
    }, 60_000);

    it("rejects the token of a replaced deployment (E.2)", async () => {
      await deploy("rpc-t", "target");
      await deploy("rpc-t", "caller");
      const response = await context.get(context.host("rpc-t"), "/caller/token?name=W7S_RPC_TOKEN");
      const oldToken = await response.text();
      expect(oldToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(
        (await call("rpc-t", "caller", { api: "/api/v1/rpc/rpc-t/target/x", token: oldToken })).status,
      ).toBe(200);
      await deploy("rpc-t", "caller", {}, { sha: "2".repeat(40) });
      expect(
        await call("rpc-t", "caller", { api: "/api/v1/rpc/rpc-t/target/x", token: oldToken }),
      ).toMatchObject({
        status: 401,
        body: { status: "error", error: "Invalid RPC bearer token." },
      });
      expect((await call("rpc-t", "caller", { api: "/api/v1/rpc/rpc-t/target/x" })).status).toBe(200);
    }, 60_000);
  });

  describe("E.4 queues", () => {
    const send = (
      owner: string,
      repo: string,
      target: string,
      body: unknown,
      headers: Record<string, string> = {},
    ) =>
      call(owner, repo, {
        service: "W7S_QUEUE",
        api: `/api/v1/queues/${target}`,
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", ...headers },
      });

    context.itWithClock(
      "delivers the documented batch after the requested delay",
      async () => {
        await deploy("queue-a", "worker", { queues: ["jobs"] });
        const sent = await send(
          "queue-a",
          "worker",
          "queue-a/worker/jobs",
          { type: "ping" },
          {
            "x-w7s-queue-delay-seconds": "60",
          },
        );
        expect(sent.status).toBe(200);
        expect(sent.body).toMatchObject({
          status: "success",
          data: { queue: { owner: "queue-a", repo: "worker", name: "jobs" }, enqueuedAt: expect.any(String) },
        });
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(await events("queue-a", "worker", "/_w7s/queues/")).toEqual([]);
        await time().advance(61_000);
        const [delivered] = await eventually(
          () => events("queue-a", "worker", "/_w7s/queues/"),
          (list) => list.length > 0,
        );
        expect(delivered.headers).toMatchObject({
          "content-type": "application/json",
          "x-w7s-queue": "jobs",
          "x-w7s-queue-name": "w7s-production-queue-a-worker-queue-jobs",
        });
        expect(delivered.body).toEqual({
          queue: "jobs",
          queueName: "w7s-production-queue-a-worker-queue-jobs",
          messages: [
            {
              id: expect.any(String),
              attempts: 1,
              timestamp: expect.any(String),
              enqueuedAt: sent.body.data.enqueuedAt,
              caller: {
                orgSlug: "queue-a",
                repoSlug: "worker",
                repository: "queue-a/worker",
                environment: "production",
              },
              body: { type: "ping" },
            },
          ],
        });
        expect(
          (
            await send("queue-a", "worker", "queue-a/worker/jobs", 1, {
              "x-w7s-queue-delay-seconds": "86401",
            })
          ).body,
        ).toEqual({
          status: "error",
          error: "x-w7s-queue-delay-seconds must be an integer from 0 to 86400.",
        });
        const invalid = await call("queue-a", "worker", {
          service: "W7S_QUEUE",
          api: "/api/v1/queues/queue-a/worker/jobs",
          method: "POST",
          body: "{",
        });
        expect(invalid.body).toEqual({ status: "error", error: "Queue message body must be valid JSON." });
        expect((await send("queue-a", "worker", "queue-a/worker/other", 1)).body.error).toBe(
          "Queue target was not declared by the deployment.",
        );
        const tooLarge = await call("queue-a", "worker", {
          service: "W7S_QUEUE",
          api: "/api/v1/queues/queue-a/worker/jobs",
          method: "POST",
          bodySize: 65_600,
        });
        expect(tooLarge).toMatchObject({
          status: 413,
          body: {
            status: "error",
            error: expect.stringContaining("Queue message envelope exceeds 65536 bytes."),
          },
        });
      },
      60_000,
    );

    context.itWithClock(
      "retries a failing batch whole after 10 s with attempts counted, and keeps what fails 4 times as a dead letter",
      async () => {
        await deploy("queue-r", "worker", { queues: ["jobs"] });
        expect((await send("queue-r", "worker", "queue-r/worker/jobs", { failAttempts: 2 })).status).toBe(
          200,
        );
        const attempts = async () =>
          (await events("queue-r", "worker", "/_w7s/queues/")).map(
            (event) => event.body.messages[0].attempts,
          );
        await eventually(attempts, (list) => list.length === 1);
        for (const expected of [2, 3]) {
          await time().advance(10_000);
          await eventually(attempts, (list) => list.length === expected);
        }
        expect(await attempts()).toEqual([1, 2, 3]);
        const statuses = (await events("queue-r", "worker", "/_w7s/queues/")).map((event) => event.status);
        expect(statuses).toEqual([500, 500, 200]);

        await deploy("queue-d", "worker", { queues: ["jobs"] });
        expect((await send("queue-d", "worker", "queue-d/worker/jobs", { alwaysFail: true })).status).toBe(
          200,
        );
        const deliveries = () => events("queue-d", "worker", "/_w7s/queues/");
        await eventually(deliveries, (list) => list.length === 1);
        for (const expected of [2, 3, 4]) {
          await time().advance(10_000);
          await eventually(deliveries, (list) => list.length === expected);
        }
        const deadLetters = async (token: string | null) => {
          const response = await fetch(
            `${context.target().baseUrl}/api/v1/queues/queue-d/worker/jobs/dead-letters`,
            token === null ? {} : { headers: { authorization: `Bearer ${token}` } },
          );
          return { status: response.status, body: (await response.json()) as Json };
        };
        const letters = await eventually(
          () => deadLetters(credentials.deployToken),
          (answer) => answer.body.data?.deadLetters?.length === 1,
        );
        expect(letters.body.data.queue).toEqual({
          owner: "queue-d",
          repo: "worker",
          name: "jobs",
          queueName: "w7s-production-queue-d-worker-queue-jobs",
          environment: "production",
        });
        expect(letters.body.data.deadLetters[0]).toMatchObject({
          attempts: 4,
          error: "W7S queue consumer failed with HTTP 500.",
          body: { version: 1, body: { alwaysFail: true }, caller: { repository: "queue-d/worker" } },
        });
        await time().advance(60_000);
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await deliveries()).toHaveLength(4);
        expect(await deadLetters(null)).toEqual({
          status: 401,
          body: { status: "error", error: "Missing bearer token." },
        });
        expect((await deadLetters(credentials.readOnlyToken)).status).toBe(401);
      },
      60_000,
    );

    it("lets another owner send only when the target's queue.allow names it", async () => {
      await deploy("queue-o", "worker", { queues: ["jobs"], queue: { allow: ["queue-p"] } });
      await deploy("queue-p", "producer");
      await deploy("queue-s", "producer");
      expect((await send("queue-p", "producer", "queue-o/worker/jobs", { from: "partner" })).status).toBe(
        200,
      );
      expect((await send("queue-s", "producer", "queue-o/worker/jobs", { from: "stranger" })).body).toEqual({
        status: "error",
        error: "Queue caller is not authorized for this target.",
      });
      const [delivered] = await eventually(
        () => events("queue-o", "worker", "/_w7s/queues/"),
        (list) => list.length > 0,
      );
      expect(delivered.body.messages[0]).toMatchObject({
        caller: { repository: "queue-p/producer" },
        body: { from: "partner" },
      });
    }, 60_000);
  });

  describe("events over queues", () => {
    const subscriber = (subjects: string[], allow?: string[]) => ({
      queues: ["inbox"],
      events: {
        subscribe: subjects.map((subject) => ({ subject, queue: "inbox" })),
        ...(allow === undefined ? {} : { allow }),
      },
    });
    const publisher = { events: { publish: ["orders.created"] } };
    const publish = (owner: string, repo: string, body: unknown, environment?: string) =>
      call(
        owner,
        repo,
        {
          service: "W7S_EVENTS",
          api: `/api/v1/events/${owner}/${repo}`,
          method: "POST",
          body: JSON.stringify(body),
          headers: { "content-type": "application/json" },
        },
        environment,
      );
    const inbox = (owner: string, repo: string, environment?: string): Promise<Json[]> =>
      get(owner, `/${repo}/events?kind=${encodeURIComponent("/_w7s/queues/inbox")}`, environment);
    /** Every event message the app's inbox consumer received, across batches. */
    const received = async (owner: string, repo: string, environment?: string) =>
      (await inbox(owner, repo, environment)).flatMap((delivery) => delivery.body.messages);
    /** Long enough for a queue poll to have delivered anything that was enqueued. */
    const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

    it("delivers one publish once to each subscriber queue, as an event envelope from the publisher", async () => {
      await deploy("ev-a", "billing", subscriber(["orders.created"]));
      await deploy("ev-a", "mailer", subscriber(["orders.created", "orders.cancelled"]));
      await deploy("ev-a", "orders", publisher);
      const answer = await publish("ev-a", "orders", {
        subject: "orders.created",
        data: { orderId: "ord_1" },
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.data.deliveries).toEqual([
        { repository: "ev-a/billing", queue: "inbox" },
        { repository: "ev-a/mailer", queue: "inbox" },
      ]);
      const { id, time } = answer.body.data.event;
      for (const repo of ["billing", "mailer"]) {
        const [message] = await eventually(
          () => received("ev-a", repo),
          (list) => list.length > 0,
        );
        expect(message).toMatchObject({
          attempts: 1,
          caller: { repository: "ev-a/orders", environment: "production" },
          body: {
            version: 1,
            type: "w7s.event",
            id,
            subject: "orders.created",
            publisher: {
              orgSlug: "ev-a",
              repoSlug: "orders",
              repository: "ev-a/orders",
              environment: "production",
            },
            time,
            data: { orderId: "ord_1" },
          },
        });
      }
      await settle();
      expect(await received("ev-a", "billing")).toHaveLength(1);
      expect(await received("ev-a", "mailer")).toHaveLength(1);
    }, 60_000);

    it("answers 403 for a subject the publisher did not declare, and enqueues nothing", async () => {
      await deploy("ev-u", "billing", subscriber(["orders.shipped"]));
      await deploy("ev-u", "orders", publisher);
      expect(await publish("ev-u", "orders", { subject: "orders.shipped" })).toMatchObject({
        status: 403,
        body: {
          status: "error",
          error:
            "Subject orders.shipped is not declared in events.publish of ev-u/orders. Add it to w7s.json and redeploy.",
          details: { subject: "orders.shipped", publish: ["orders.created"] },
        },
      });
      expect(await publish("ev-u", "billing", { subject: "orders.shipped" })).toMatchObject({ status: 403 });
      await settle();
      expect(await received("ev-u", "billing")).toEqual([]);
    }, 60_000);

    it("reaches another owner only through its events.allow", async () => {
      await deploy("ev-p", "crm", subscriber(["orders.created"], ["ev-o/orders"]));
      await deploy("ev-s", "spy", subscriber(["orders.created"]));
      await deploy("ev-o", "orders", publisher);
      const answer = await publish("ev-o", "orders", { subject: "orders.created", data: 1 });
      expect(answer.body.data.deliveries).toEqual([{ repository: "ev-p/crm", queue: "inbox" }]);
      await eventually(
        () => received("ev-p", "crm"),
        (list) => list.length === 1,
      );
      await settle();
      expect(await received("ev-s", "spy")).toEqual([]);
    }, 60_000);

    it("keeps a branch's events in the branch, and stops delivering a subscription a redeploy dropped", async () => {
      await deploy("ev-b", "billing", subscriber(["orders.created"]));
      await deploy("ev-b", "billing", subscriber(["orders.created"]), { branch: "feature/x" });
      await deploy("ev-b", "orders", publisher, { branch: "feature/x" });
      const fromBranch = await publish("ev-b", "orders", { subject: "orders.created" }, "feature-x");
      expect(fromBranch.body.data.deliveries).toEqual([{ repository: "ev-b/billing", queue: "inbox" }]);
      const [message] = await eventually(
        () => received("ev-b", "billing", "feature-x"),
        (list) => list.length === 1,
      );
      expect(message.body.publisher.environment).toBe("feature-x");
      await settle();
      expect(await received("ev-b", "billing")).toEqual([]);

      await deploy("ev-b", "billing", { queues: ["inbox"] }, { branch: "feature/x", sha: "4".repeat(40) });
      const dropped = await publish("ev-b", "orders", { subject: "orders.created" }, "feature-x");
      expect(dropped.body.data.deliveries).toEqual([]);
      await settle();
      expect(await received("ev-b", "billing", "feature-x")).toHaveLength(1);
    }, 60_000);
  });

  describe("E.5 schedules", () => {
    context.itWithClock(
      "POSTs each due schedule once per minute with the documented headers and body; stale schedules go on redeploy",
      async () => {
        await deploy("sched-a", "cron", { schedules: [{ cron: "* * * * *", path: "/_w7s/schedules/tick" }] });
        const clock = time();
        await clock.advance(MINUTE - (clock.now() % MINUTE) + 1_000);
        const minute = new Date(Math.floor(clock.now() / MINUTE) * MINUTE).toISOString();
        const ticks = () => events("sched-a", "cron", "/_w7s/schedules/");
        const forMinute = (list: Json[], at: string) =>
          list.filter((event) => event.body.scheduledTime === at);
        await clock.tick();
        await clock.tick();
        const list = await eventually(ticks, (found) => forMinute(found, minute).length > 0);
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(forMinute(await ticks(), minute)).toHaveLength(1);
        const [tick] = forMinute(list, minute);
        expect(tick.headers).toEqual({
          "content-type": "application/json",
          "x-w7s-schedule": "1",
          "x-w7s-schedule-cron": "* * * * *",
          "x-w7s-schedule-time": minute,
          "x-w7s-org-slug": "sched-a",
          "x-w7s-repo-slug": "cron",
          "x-w7s-original-path": "/_w7s/schedules/tick",
        });
        expect(tick.body).toEqual({
          schedule: "* * * * *",
          scheduledTime: minute,
          repository: "sched-a/cron",
          environment: "production",
        });

        await deploy(
          "sched-a",
          "cron",
          { schedules: [{ cron: "*/1 * * * *", path: "/_w7s/schedules/new" }] },
          {
            sha: "3".repeat(40),
          },
        );
        await clock.advance(MINUTE);
        const next = new Date(Math.floor(clock.now() / MINUTE) * MINUTE).toISOString();
        await clock.tick();
        const after = await eventually(ticks, (found) => forMinute(found, next).length > 0);
        expect(forMinute(after, next).map((event) => event.kind)).toEqual(["/_w7s/schedules/new"]);
      },
      60_000,
    );
  });

  describe("E.6 workflows", () => {
    context.itWithClock(
      "starts an instance, retries its failing step after the initial delay, and reports its status",
      async () => {
        await deploy("wf-a", "shop", { workflows: ["process-order"] });
        await deploy("wf-a", "web");
        const started = await call("wf-a", "web", {
          service: "W7S_WORKFLOW",
          api: "/api/v1/workflows/wf-a/shop/process-order",
          method: "POST",
          headers: { "x-w7s-workflow-instance-id": "Order-1" },
          body: JSON.stringify({ orderId: "1", failAttempts: 1 }),
        });
        expect(started.status).toBe(200);
        expect(started.body.data).toEqual({
          workflow: { owner: "wf-a", repo: "shop", name: "process-order" },
          instance: { id: "production-wf-a-shop-process-order-order-1", status: { status: "queued" } },
          createdAt: expect.any(String),
        });
        const steps = () => events("wf-a", "shop", "/_w7s/workflows/");
        const [first] = await eventually(steps, (list) => list.length === 1);
        expect(first.headers).toMatchObject({
          "content-type": "application/json",
          "x-w7s-workflow": "1",
          "x-w7s-workflow-name": "process-order",
          "x-w7s-workflow-instance": "production-wf-a-shop-process-order-order-1",
        });
        expect(first.body).toEqual({
          workflow: "process-order",
          workflowName: "process-order",
          instanceId: "production-wf-a-shop-process-order-order-1",
          createdAt: started.body.data.createdAt,
          caller: { orgSlug: "wf-a", repoSlug: "web", repository: "wf-a/web", environment: "production" },
          target: {
            orgSlug: "wf-a",
            repoSlug: "shop",
            repository: "wf-a/shop",
            environment: "production",
            workflow: "process-order",
            path: "/_w7s/workflows/process-order",
          },
          payload: { orderId: "1", failAttempts: 1 },
        });
        const status = () =>
          call("wf-a", "web", {
            service: "W7S_WORKFLOW",
            api: "/api/v1/workflows/wf-a/shop/process-order/production-wf-a-shop-process-order-order-1",
          });
        expect((await status()).body.data.instance.status).toEqual({ status: "running" });
        await time().advance(9_000);
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await steps()).toHaveLength(1);
        await time().advance(1_000);
        await eventually(steps, (list) => list.length === 2);
        const done = await eventually(
          status,
          (answer) => answer.body.data.instance.status.status === "complete",
        );
        expect(done.body.data).toEqual({
          workflow: { owner: "wf-a", repo: "shop", name: "process-order" },
          instance: {
            id: "production-wf-a-shop-process-order-order-1",
            status: {
              status: "complete",
              output: {
                status: 200,
                contentType: "application/json",
                body: '{"received":"/_w7s/workflows/process-order"}',
              },
            },
          },
        });
        const again = await call("wf-a", "web", {
          service: "W7S_WORKFLOW",
          api: "/api/v1/workflows/wf-a/shop/process-order",
          method: "POST",
          headers: { "x-w7s-workflow-instance-id": "order-1" },
        });
        expect(again.status).toBe(409);
        const stranger = await deploy("wf-b", "web").then(() =>
          call("wf-b", "web", {
            service: "W7S_WORKFLOW",
            api: "/api/v1/workflows/wf-a/shop/process-order",
            method: "POST",
          }),
        );
        expect(stranger.body).toEqual({
          status: "error",
          error: "Workflow caller is not authorized for this target.",
        });
      },
      60_000,
    );
  });

  describe("E.7 AI", () => {
    it("runs a model through the operator's OpenAI-compatible provider and answers { model, result }", async () => {
      await deploy("ai-a", "joke");
      const run = (body: unknown) =>
        call("ai-a", "joke", {
          service: "W7S_AI",
          api: "/api/v1/ai/run",
          method: "POST",
          body: JSON.stringify(body),
        });
      const answer = await run({ input: { prompt: "Write one short deployment joke." } });
      expect(answer).toMatchObject({
        status: 200,
        body: {
          status: "success",
          data: {
            model: "@w7s/meta/llama-3.1-8b-instruct-fp8",
            result: { response: "echo: Write one short deployment joke." },
          },
        },
      });
      expect(context.ai().calls.at(-1)?.body).toMatchObject({
        model: "stand-in-llama-8b",
        messages: [{ role: "user", content: "Write one short deployment joke." }],
      });
      expect((await run({ model: "@cf/qwen/tiny", input: { prompt: "x" } })).body.data.model).toBe(
        "@w7s/qwen/tiny",
      );
      expect(await run({ model: "@w7s/unknown", input: { prompt: "x" } })).toMatchObject({
        status: 400,
        body: {
          error: "AI model is not allowed for this W7S deployment.",
          details: {
            model: "@w7s/unknown",
            allowedModels: ["@w7s/meta/llama-3.1-8b-instruct-fp8", "@w7s/qwen/tiny"],
          },
        },
      });
      expect((await run({ input: { prompt: "x", stream: true } })).body.error).toBe(
        "Streaming AI responses are not supported through W7S_AI yet.",
      );
      context.ai().failNext(500, "The stand-in is overloaded.");
      expect(await run({ input: { prompt: "x" } })).toMatchObject({
        status: 502,
        body: { status: "error", error: "The stand-in is overloaded." },
      });
    }, 60_000);
  });
};
