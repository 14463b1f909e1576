/**
 * The durable queue, the workflow instance store and the scheduler locks, run on both databases the server
 * supports, and the delivery loops over them on a manual clock.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropTestSchemas, freshSchemaName, requirePostgres, TEST_DATABASE_URL } from "@w7s/conformance";
import type { QueueBatch, QueueDeliveryOutcome, WorkflowInstance, WorkflowStepOutcome } from "@w7s/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeManualClock } from "../src/clock.js";
import { openQueueStore } from "../src/queues/queueBroker.js";
import { startQueueDelivery } from "../src/queues/queueDelivery.js";
import type { DurableQueueStore } from "../src/queues/queueStore.js";
import { openLockStore } from "../src/scheduler/schedulerLock.js";
import { openWorkflowStore } from "../src/workflows/workflowEngine.js";
import { startWorkflowRunner } from "../src/workflows/workflowRunner.js";

interface Database {
  readonly name: string;
  readonly options: () => { dataDir: string; databaseUrl?: string; databaseSchema?: string };
}

const databases: Database[] = [
  { name: "SQLite", options: () => ({ dataDir: mkdtempSync(join(tmpdir(), "w7s-platform-")) }) },
  {
    name: "Postgres",
    options: () => ({
      dataDir: mkdtempSync(join(tmpdir(), "w7s-platform-")),
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: freshSchemaName(),
    }),
  },
];

beforeAll(requirePostgres, 60_000);
afterAll(dropTestSchemas);

const message = (queueName: string, index: number, visibleAt = 0) => ({
  id: `${queueName}-m${index}`,
  queueName,
  body: JSON.stringify({ n: index }),
  enqueuedAt: 1_000 + index,
  visibleAt,
});

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const instanceFor = (repoSlug: string, workflow = "flow"): WorkflowInstance => ({
  version: 1,
  createdAt: "2026-05-26T00:00:00.000Z",
  payload: { a: 1 },
  caller: { orgSlug: "acme", repoSlug: "web", repository: "acme/web", environment: "production" },
  target: {
    orgSlug: "acme",
    repoSlug,
    repository: `acme/${repoSlug}`,
    environment: "production",
    workflow,
    path: `/_w7s/workflows/${workflow}`,
  },
});

describe.each(databases)("durable queue on $name", (database) => {
  let store: DurableQueueStore;
  let options: ReturnType<Database["options"]>;
  beforeEach(async () => {
    options = database.options();
    store = await openQueueStore(options);
    return () => store.close();
  });

  it("leases batches of one queue, hides them until the lease runs out, then gives them again with attempts + 1", async () => {
    await store.send(Array.from({ length: 12 }, (_, index) => message("q-lease", index)));
    const first = await store.claim({ now: 5_000, leaseMs: 1_000, batchSize: 10, leaseToken: "a" });
    expect(first?.queueName).toBe("q-lease");
    expect(first?.messages.map((entry) => entry.id)).toEqual(
      Array.from({ length: 10 }, (_, index) => `q-lease-m${index}`),
    );
    expect(first?.messages.every((entry) => entry.attempts === 1)).toBe(true);
    const second = await store.claim({ now: 5_000, leaseMs: 1_000, batchSize: 10, leaseToken: "b" });
    expect(second?.messages.map((entry) => entry.id)).toEqual(["q-lease-m10", "q-lease-m11"]);
    expect(await store.claim({ now: 5_500, leaseMs: 1_000, batchSize: 10, leaseToken: "c" })).toBeUndefined();
    expect(await store.ack(second!)).toBe(true);
    const again = await store.claim({ now: 6_000, leaseMs: 1_000, batchSize: 10, leaseToken: "d" });
    expect(again?.messages).toHaveLength(10);
    expect(again?.messages.every((entry) => entry.attempts === 2)).toBe(true);
    // The first lease was taken over: its holder can no longer settle it.
    expect(await store.ack(first!)).toBe(false);
    expect(await store.retry(again!, 10_000, "HTTP 500")).toBe(true);
    expect(await store.claim({ now: 9_999, leaseMs: 1_000, batchSize: 10, leaseToken: "e" })).toBeUndefined();
    const retried = await store.claim({ now: 10_000, leaseMs: 1_000, batchSize: 10, leaseToken: "f" });
    expect(retried?.messages[0]?.attempts).toBe(3);
    await store.deadLetter(
      retried!,
      retried!.messages.slice(0, 3),
      11_000,
      "W7S queue consumer failed with HTTP 500.",
    );
    await store.ack(retried!);
    expect(await store.pending("q-lease")).toBe(0);
    const page = await store.deadLetters("q-lease", 2, undefined);
    expect(page.items.map((letter) => letter.id)).toEqual(["q-lease-m2", "q-lease-m1"]);
    expect(page.items[0]).toEqual({
      id: "q-lease-m2",
      queueName: "q-lease",
      attempts: 3,
      enqueuedAt: new Date(1_002).toISOString(),
      failedAt: new Date(11_000).toISOString(),
      error: "W7S queue consumer failed with HTTP 500.",
      body: { n: 2 },
    });
    const next = await store.deadLetters("q-lease", 2, page.cursor ?? undefined);
    expect(next).toMatchObject({ items: [{ id: "q-lease-m0" }], cursor: null });
  });

  it("honours visibility times (delays) and never gives one message to two concurrent claimers", async () => {
    await store.send([message("q-delay", 1, 60_000)]);
    expect(
      await store.claim({ now: 59_999, leaseMs: 1_000, batchSize: 10, leaseToken: "x" }),
    ).toBeUndefined();
    expect(
      (await store.claim({ now: 60_000, leaseMs: 1_000, batchSize: 10, leaseToken: "y" }))?.messages,
    ).toHaveLength(1);

    await store.send(
      Array.from({ length: 300 }, (_, index) => message(`q-race-${index % 3}`, 1_000 + index)),
    );
    const claims = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        store.claim({ now: 70_000, leaseMs: 60_000, batchSize: 10, leaseToken: `race-${index}` }),
      ),
    );
    const ids = claims.flatMap((claim) => claim?.messages.map((entry) => entry.id) ?? []);
    expect(new Set(ids).size).toBe(ids.length);
    for (const claim of claims)
      if (claim !== undefined) expect(new Set(claim.messages.map((entry) => entry.queueName)).size).toBe(1);
  });

  it("delivery loop: acks 2xx, retries the whole batch after the retry delay, dead-letters after max retries", async () => {
    const clock = makeManualClock(1_000_000);
    const seen: Array<{ ids: string[]; attempts: number[] }> = [];
    const outcomes: Record<string, QueueDeliveryOutcome> = {};
    const delivery = startQueueDelivery({
      store,
      now: clock.now,
      pollMs: 10,
      deliver: async (batch: QueueBatch) => {
        seen.push({
          ids: batch.messages.map((entry) => entry.id),
          attempts: batch.messages.map((entry) => entry.attempts),
        });
        return outcomes[batch.queueName] ?? { _tag: "Acked", status: 200 };
      },
    });
    try {
      outcomes["q-fail"] = { _tag: "Failed", error: "W7S queue consumer failed with HTTP 500.", status: 500 };
      await store.send([message("q-ok", 1, clock.now()), message("q-fail", 2, clock.now())]);
      delivery.wake();
      await until(async () => (await store.pending("q-ok")) === 0 && seen.length >= 2);
      for (let retry = 1; retry <= 3; retry += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(seen.filter((entry) => entry.ids[0] === "q-fail-m2")).toHaveLength(retry);
        clock.advance(10_000);
        await until(() => seen.filter((entry) => entry.ids[0] === "q-fail-m2").length === retry + 1);
      }
      await until(async () => (await store.pending("q-fail")) === 0);
      expect(seen.filter((entry) => entry.ids[0] === "q-fail-m2").map((entry) => entry.attempts[0])).toEqual([
        1, 2, 3, 4,
      ]);
      expect((await store.deadLetters("q-fail", 10, undefined)).items).toMatchObject([
        { id: "q-fail-m2", attempts: 4, error: "W7S queue consumer failed with HTTP 500." },
      ]);
    } finally {
      await delivery.stop();
    }
  });

  it("two delivery loops on one database (two servers) never deliver a message twice at the same time", async () => {
    const inFlight = new Set<string>();
    const delivered = new Map<string, number>();
    let overlaps = 0;
    const deliver = async (batch: QueueBatch): Promise<QueueDeliveryOutcome> => {
      for (const entry of batch.messages) {
        if (inFlight.has(entry.id)) overlaps += 1;
        inFlight.add(entry.id);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (const entry of batch.messages) {
        inFlight.delete(entry.id);
        delivered.set(entry.id, (delivered.get(entry.id) ?? 0) + 1);
      }
      return { _tag: "Acked", status: 200 };
    };
    const other = await openQueueStore(options);
    const loops = [
      startQueueDelivery({ store, deliver, pollMs: 5, concurrency: 4 }),
      startQueueDelivery({ store: other, deliver, pollMs: 5, concurrency: 4 }),
    ];
    try {
      await store.send(
        Array.from({ length: 300 }, (_, index) => message(`q-two-${index % 4}`, index, Date.now())),
      );
      for (const loop of loops) loop.wake();
      await until(() => delivered.size === 300, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(overlaps).toBe(0);
      expect([...delivered.values()].every((count) => count === 1)).toBe(true);
    } finally {
      for (const loop of loops) await loop.stop();
      await other.close();
    }
  });

  it("a batch deferred by a usage limit comes back later without using an attempt", async () => {
    const clock = makeManualClock(3_000_000);
    const seen: number[] = [];
    const delivery = startQueueDelivery({
      store,
      now: clock.now,
      pollMs: 10,
      deliver: async (batch) => {
        seen.push(batch.messages[0]!.attempts);
        return seen.length < 3
          ? { _tag: "Deferred", error: "Short-window usage limit exceeded.", retryAfterSeconds: 30 }
          : { _tag: "Acked", status: 200 };
      },
    });
    try {
      await store.send([message("q-limited", 1, clock.now())]);
      delivery.wake();
      await until(() => seen.length === 1);
      // Let the deferral be written before jumping past the 15 s lease (a real lease has a heartbeat).
      await new Promise((resolve) => setTimeout(resolve, 100));
      clock.advance(29_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toHaveLength(1);
      for (const expected of [2, 3]) {
        clock.advance(30_000);
        await until(() => seen.length === expected);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await until(async () => (await store.pending("q-limited")) === 0);
      expect(seen).toEqual([1, 1, 1]);
    } finally {
      await delivery.stop();
    }
  });

  it("a lease that was never settled (the server died) is delivered again; past the last attempt it becomes a dead letter", async () => {
    const clock = makeManualClock(2_000_000);
    await store.send([message("q-crash", 1, clock.now())]);
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const lost = await store.claim({
        now: clock.now(),
        leaseMs: 15_000,
        batchSize: 10,
        leaseToken: `dead-${attempt}`,
      });
      expect(lost?.messages[0]?.attempts).toBe(attempt);
      clock.advance(15_000);
    }
    const seen: number[] = [];
    const delivery = startQueueDelivery({
      store,
      now: clock.now,
      pollMs: 10,
      deliver: async (batch) => {
        seen.push(batch.messages.length);
        return { _tag: "Acked", status: 200 };
      },
    });
    try {
      await until(async () => (await store.pending("q-crash")) === 0);
      expect(seen).toEqual([]);
      expect((await store.deadLetters("q-crash", 10, undefined)).items[0]).toMatchObject({ attempts: 5 });
    } finally {
      await delivery.stop();
    }
  });
});

describe.each(databases)("workflow instances on $name", (database) => {
  it("caps active instances per target atomically, refuses a taken id, and runs steps with exponential backoff", async () => {
    const store = await openWorkflowStore(database.options());
    try {
      for (let index = 0; index < 3; index += 1)
        expect(await store.create(`i-${index}`, instanceFor("shop"), 5, 100)).toEqual({ created: true });
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, index) => store.create(`c-${index}`, instanceFor("shop"), 5, 100)),
      );
      expect(results.filter((result) => result.created)).toHaveLength(2);
      expect(results.find((result) => !result.created)).toEqual({ created: false, active: 5 });
      expect(await store.countActive({ environment: "production", orgSlug: "acme", repoSlug: "shop" })).toBe(
        5,
      );
      await expect(store.create("i-0", instanceFor("other"), 5, 100)).rejects.toThrow();
      expect(await store.get("i-0")).toMatchObject({ id: "i-0", status: { status: "queued" } });

      const clock = makeManualClock(1_000);
      const attempts: Record<string, number[]> = {};
      const runner = startWorkflowRunner({
        store,
        now: clock.now,
        pollMs: 10,
        deliver: async ({ id }): Promise<WorkflowStepOutcome> => {
          const tries = attempts[id] ?? [];
          attempts[id] = tries;
          tries.push(clock.now());
          if (id === "i-0")
            return { _tag: "Done", output: { status: 200, contentType: "text/plain", body: "ok" } };
          if (id === "i-1" && tries.length === 3)
            return { _tag: "Done", output: { status: 201, contentType: "", body: "" } };
          return { _tag: "Failed", error: "W7S workflow consumer failed with HTTP 500." };
        },
      });
      try {
        await until(async () => (await store.get("i-0"))?.status.status === "complete");
        expect((await store.get("i-0"))?.status).toEqual({
          status: "complete",
          output: { status: 200, contentType: "text/plain", body: "ok" },
        });
        expect((await store.get("i-2"))?.status).toEqual({ status: "running" });
        // Retries after 10 s, 20 s, 40 s.
        for (const wait of [10_000, 20_000, 40_000]) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          clock.advance(wait - 1);
          await new Promise((resolve) => setTimeout(resolve, 50));
          const before = attempts["i-2"]!.length;
          clock.advance(1);
          await until(() => attempts["i-2"]!.length === before + 1);
        }
        await until(async () => (await store.get("i-2"))?.status.status === "errored");
        expect(attempts["i-2"]!.map((at) => at - 1_000)).toEqual([0, 10_000, 30_000, 70_000]);
        expect((await store.get("i-2"))?.status).toEqual({
          status: "errored",
          error: { name: "Error", message: "W7S workflow consumer failed with HTTP 500." },
        });
        expect((await store.get("i-1"))?.status.status).toBe("complete");
        // The two c-* instances fail on the same schedule as i-2; once their last attempts are in, none is active.
        await until(
          async () =>
            (await store.countActive({ environment: "production", orgSlug: "acme", repoSlug: "shop" })) === 0,
        );
      } finally {
        await runner.stop();
      }
    } finally {
      await store.close();
    }
  }, 30_000);
});

describe.each(databases)("scheduler locks on $name", (database) => {
  it("one claim per key until it expires, whatever the concurrency", async () => {
    const options = database.options();
    const [first, second] = [await openLockStore(options), await openLockStore(options)];
    try {
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? first : second).tryAcquire("minute", 3_600_000, 1_000),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await first.tryAcquire("minute", 3_600_000, 3_600_999)).toBe(false);
      expect(await second.tryAcquire("minute", 3_600_000, 3_601_000)).toBe(true);
      expect(await first.tryAcquire("other", 1_000, 1_000)).toBe(true);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
