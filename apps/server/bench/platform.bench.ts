/**
 * `pnpm bench` for the platform services, each number next to a baseline measured in the same run:
 *   1. queue throughput, send -> consumer acknowledgement, through the QueueBroker and the delivery loop, on
 *      SQLite and on Postgres, next to pg-boss on the same Postgres doing send + fetch + complete of the same
 *      messages; and end to end through a server (a backend sends through W7S_QUEUE, a workerd consumer acks);
 *   2. RPC call overhead: a request through `/api/v1/rpc/...` vs the same request straight to the target app;
 *   3. the scheduler: evaluating 10,000 deployed schedules for one minute vs croner matching the same ones.
 * Run with `pnpm bench` (or `pnpm --filter @w7s/server bench`); Postgres at W7S_TEST_DATABASE_URL.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  deploymentStoreLayer,
  idsLayer,
  NodeQueues,
  openLockStore,
  queueBrokerLayer,
  startQueueDelivery,
  usagePolicyStoreLayer,
  usageStoreLayer,
} from "@w7s/adapter-node";
import { dropTestSchemas, freshSchemaName, requirePostgres, TEST_DATABASE_URL } from "@w7s/conformance";
import {
  BackendRuntime,
  type DeploymentRecord,
  DeploymentStore,
  defaultPlatformConfig,
  dispatchScheduledMinute,
  dueMappings,
  QueueBroker,
  type QueueMessageEnvelope,
  SchedulerLock,
} from "@w7s/core";
import { Cron } from "croner";
import { Context, Effect, Layer, ManagedRuntime } from "effect";
import { strToU8, zipSync } from "fflate";
import { PgBoss } from "pg-boss";
import { DEFAULT_SETTINGS } from "../src/config.js";
import { startServer } from "../src/server.js";

const MESSAGES = Number(process.env["W7S_BENCH_MESSAGES"] ?? 5_000);
const SENDERS = 64;
const CONSUMERS = 4;
const BATCH = 10;

const envelope = (n: number): QueueMessageEnvelope => ({
  version: 1,
  body: { n },
  enqueuedAt: new Date().toISOString(),
  caller: { orgSlug: "bench", repoSlug: "p", repository: "bench/p", environment: "production" },
  target: { orgSlug: "bench", repoSlug: "c", repository: "bench/c", queue: "jobs" },
});

/** `count` calls of `one(index)`, `concurrency` at a time. */
const inParallel = async (count: number, concurrency: number, one: (index: number) => Promise<unknown>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await one(next++);
    }),
  );
};

const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000);

/** Our broker and delivery loop: sends through `QueueBroker.send`, the loop acks every batch in-process. */
const ourQueue = async (options: { dataDir: string; databaseUrl?: string; databaseSchema?: string }) => {
  const runtime = ManagedRuntime.make(queueBrokerLayer(options));
  const services = await runtime.context();
  const queues = Context.get(services, NodeQueues);
  const broker = Context.get(services, QueueBroker);
  let acked = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const delivery = startQueueDelivery({
    store: queues.store,
    concurrency: CONSUMERS,
    deliver: async (batch) => {
      acked += batch.messages.length;
      if (acked >= MESSAGES) finished();
      return { _tag: "Acked", status: 200 };
    },
  });
  const stop = queues.onSent(delivery.wake);
  const started = performance.now();
  await inParallel(MESSAGES, SENDERS, (n) =>
    Effect.runPromise(broker.send("w7s-production-bench-c-queue-jobs", envelope(n))),
  );
  await done;
  const elapsed = performance.now() - started;
  stop();
  await delivery.stop();
  await runtime.dispose();
  return perSecond(MESSAGES, elapsed);
};

/** pg-boss on the same Postgres: `send` each message, `fetch` batches of 10 and `complete` them. */
const pgBoss = async () => {
  const boss = new PgBoss({
    connectionString: TEST_DATABASE_URL,
    schema: `pgboss_bench_${randomBytes(4).toString("hex")}`,
    max: 10,
    supervise: false,
    schedule: false,
  });
  boss.on("error", () => {});
  await boss.start();
  await boss.createQueue("jobs");
  let completed = 0;
  let sending = true;
  const started = performance.now();
  const consumers = Array.from({ length: CONSUMERS }, async () => {
    while (completed < MESSAGES) {
      const jobs = await boss.fetch("jobs", { batchSize: BATCH });
      if (jobs.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, sending ? 1 : 5));
        continue;
      }
      await boss.complete(
        "jobs",
        jobs.map((job) => job.id),
      );
      completed += jobs.length;
    }
  });
  await inParallel(MESSAGES, SENDERS, (n) => boss.send("jobs", envelope(n)));
  sending = false;
  await Promise.all(consumers);
  const elapsed = performance.now() - started;
  await boss.stop({ graceful: false });
  return perSecond(MESSAGES, elapsed);
};

// ---------------------------------------------------------------------------------------------------------
// A server with a consumer, a target and a caller app.

const TOKEN = "bench-token";
const BENCH_APP = zipSync({
  "w7s.json": strToU8(JSON.stringify({ queues: ["jobs"] })),
  "backend/index.js": strToU8(`let received = 0;
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/_w7s/queues/jobs") { const batch = await request.json(); received += batch.messages.length; return new Response("ok"); }
    if (url.pathname === "/received") return Response.json({ received });
    if (url.pathname === "/token") return new Response(env.W7S_RPC_TOKEN);
    if (url.pathname === "/produce") {
      const count = Number(url.searchParams.get("count"));
      for (let start = 0; start < count; start += 50) {
        const sends = [];
        for (let n = start; n < Math.min(count, start + 50); n += 1)
          sends.push(env.W7S_QUEUE.fetch("https://w7s.internal/api/v1/queues/bench/app/jobs", {
            method: "POST", headers: { authorization: "Bearer " + env.W7S_QUEUE_TOKEN }, body: JSON.stringify({ n }),
          }).then((response) => response.arrayBuffer()));
        await Promise.all(sends);
      }
      return Response.json({ sent: count });
    }
    return new Response("pong");
  },
};`),
});

const agent = new Agent({ keepAlive: true, maxSockets: 32 });
const get = (port: number, path: string, headers: Record<string, string>) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port, path, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    outgoing.on("error", reject);
    outgoing.end();
  });

/** Requests per second over `durationMs` with `concurrency` keep-alive clients; every answer must be 200. */
const load = async (port: number, path: string, headers: Record<string, string>, durationMs = 3_000) => {
  let count = 0;
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < deadline) {
        const answer = await get(port, path, headers);
        if (answer.status !== 200)
          throw new Error(`${path}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
        count += 1;
      }
    }),
  );
  return perSecond(count, performance.now() - started);
};

const step = (what: string) => {
  if (process.env["W7S_BENCH_DEBUG"] !== undefined) console.error(`[bench] ${what}`);
};

const serverBenches = async () => {
  step("starting the server");
  const server = await startServer({
    ...DEFAULT_SETTINGS,
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "w7s-bench-platform-")),
    deployToken: TOKEN,
    limitExemptOwners: ["bench"],
  });
  try {
    const deployed = await fetch(`${server.url}/api/v1/deploy`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKEN}`,
        "content-type": "application/zip",
        "x-github-repository": "bench/app",
        "x-github-sha": "b".repeat(40),
        "x-github-branch": "main",
      },
      body: BENCH_APP as Uint8Array<ArrayBuffer>,
    });
    if (deployed.status !== 200) throw new Error(await deployed.text());
    step("deployed");
    const host = { host: "bench.w7s.localhost" };
    const endToEndCount = Math.min(MESSAGES, 2_000);
    const started = performance.now();
    const produced = await get(server.port, `/app/produce?count=${endToEndCount}`, host);
    if (produced.status !== 200)
      throw new Error(`produce: HTTP ${produced.status} ${produced.body.slice(0, 300)}`);
    for (let polls = 0; ; polls += 1) {
      const { received } = JSON.parse((await get(server.port, "/app/received", host)).body) as {
        received: number;
      };
      if (received >= endToEndCount) break;
      if (polls > 3_000) throw new Error(`the consumer got ${received} of ${endToEndCount} messages`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const endToEnd = perSecond(endToEndCount, performance.now() - started);
    step("end to end done");

    const token = (await get(server.port, "/app/token", host)).body;
    await load(server.port, "/app/ping", host, 500);
    const direct = await load(server.port, "/app/ping", host);
    const rpc = await load(server.port, "/api/v1/rpc/bench/app/ping", { authorization: `Bearer ${token}` });
    return { endToEnd, endToEndCount, direct, rpc };
  } finally {
    await server.close(1_000);
    agent.destroy();
  }
};

// ---------------------------------------------------------------------------------------------------------
// 10,000 deployed schedules.

const EXPRESSIONS = [
  "* * * * *",
  "*/5 * * * *",
  "*/15 * * * *",
  "0 * * * *",
  "0 9 * * 1-5",
  "30 8-18 * * 1-5",
  "0 0 * * *",
  "0 0 1 * *",
  "15,45 * * * *",
  "0 6,12,18 * * *",
];

const schedulerBench = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "w7s-bench-schedules-"));
  const stub = Layer.succeed(BackendRuntime, {
    publish: () => Effect.succeed({ startupTimeMs: 0 }),
    dispatch: () => Effect.succeed(new Response("ok")),
    retire: () => Effect.void,
    listPublished: () => Effect.succeed([]),
  });
  const locks = await openLockStore({ dataDir });
  const lockLayer = Layer.succeed(SchedulerLock, {
    tryAcquire: (key, ttl) => Effect.promise(() => locks.tryAcquire(key, ttl * 1000, Date.now())),
  });
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(
      deploymentStoreLayer({ dataDir }),
      usageStoreLayer({ dataDir }),
      usagePolicyStoreLayer({ dataDir }),
      idsLayer,
      stub,
      lockLayer,
    ),
  );
  const apps = 1_000;
  const perApp = 10;
  const deployedAt = new Date().toISOString();
  await runtime.runPromise(
    Effect.gen(function* () {
      const store = yield* DeploymentStore;
      for (let app = 0; app < apps; app += 1) {
        const repoSlug = `app-${app}`;
        const record: DeploymentRecord = {
          version: 1,
          orgSlug: "bench",
          repoSlug,
          sourceRepoSlug: repoSlug,
          application: repoSlug,
          environment: "production",
          repository: `bench/${repoSlug}`,
          branch: "main",
          commitSha: "c".repeat(40),
          deployedAt,
          targets: {
            worker: {
              namespace: "w7s",
              scriptName: repoSlug,
              entrypoint: "backend/index.js",
              compatibilityDate: "2026-05-23",
              startupTimeMs: 0,
            },
          },
        };
        yield* store.switchDeployment({
          app: { environment: "production", orgSlug: "bench", repoSlug },
          deploymentId: `d-${app}`,
          replaces: null,
          record,
          tokens: [],
          schedules: Array.from({ length: perApp }, (_, index) => ({
            version: 1 as const,
            id: `production:bench:${repoSlug}:${index}`,
            cron: EXPRESSIONS[(app + index) % EXPRESSIONS.length]!,
            path: `/tick/${index}`,
            orgSlug: "bench",
            repoSlug,
            environment: "production",
            repository: `bench/${repoSlug}`,
            deployedAt,
          })),
          queues: [],
          subscriptions: [],
          claimDomains: [],
          releaseDomains: [],
        });
      }
    }),
  );
  const minute = Date.parse("2026-05-25T09:17:00Z"); // a Monday; only the every-minute schedules are due
  const crons = EXPRESSIONS.map((expression) => new Cron(expression, { utcOffset: 0, domAndDow: true }));
  const mappings = await runtime.runPromise(
    Effect.flatMap(DeploymentStore, (store) => store.listSchedules()),
  );
  const cronOf = new Map(EXPRESSIONS.map((expression, index) => [expression, crons[index]!]));
  const best = async (rounds: number, body: () => Promise<unknown> | unknown) => {
    let fastest = Number.POSITIVE_INFINITY;
    for (let round = 0; round < rounds; round += 1) {
      const started = performance.now();
      await body();
      fastest = Math.min(fastest, performance.now() - started);
    }
    return fastest;
  };
  const at = new Date(minute);
  let croneDue = 0;
  const croner = await best(7, () => {
    croneDue = mappings.filter((mapping) => cronOf.get(mapping.cron)!.match(at)).length;
  });
  let ourDue = 0;
  const evaluate = await best(7, async () => {
    const listed = await runtime.runPromise(
      Effect.flatMap(DeploymentStore, (store) => store.listSchedules()),
    );
    ourDue = dueMappings(listed, minute).length;
  });
  const matchOnly = await best(7, () => dueMappings(mappings, minute));
  // The whole tick: list, match, claim each due schedule's minute and POST it (to a stub backend).
  const config = { ...defaultPlatformConfig, limitExemptOwners: ["bench"] };
  const tick = await best(1, () => runtime.runPromise(dispatchScheduledMinute(minute, config)));
  await runtime.dispose();
  await locks.close();
  if (croneDue !== ourDue) throw new Error(`croner found ${croneDue} due schedules, we found ${ourDue}`);
  return { schedules: mappings.length, due: ourDue, croner, evaluate, matchOnly, tick };
};

// ---------------------------------------------------------------------------------------------------------

const ratio = (ours: number, baseline: number) => `${(ours / baseline).toFixed(2)}x`;

await requirePostgres();
console.log(
  `Platform services benchmark (${MESSAGES} messages, ${SENDERS} senders, ${CONSUMERS} consumers, batches of ${BATCH})`,
);
const sqlite = await ourQueue({ dataDir: mkdtempSync(join(tmpdir(), "w7s-bench-queue-")) });
const postgres = await ourQueue({
  dataDir: mkdtempSync(join(tmpdir(), "w7s-bench-queue-")),
  databaseUrl: TEST_DATABASE_URL,
  databaseSchema: freshSchemaName(),
});
const boss = await pgBoss();
console.log("\n1. Queue throughput, send -> consumer acknowledgement");
console.log(`   pg-boss on Postgres (send + fetch + complete)   ${boss} msg/s   (baseline)`);
console.log(
  `   W7S queue on Postgres                            ${postgres} msg/s   ${ratio(postgres, boss)} pg-boss`,
);
console.log(
  `   W7S queue on SQLite                              ${sqlite} msg/s   ${ratio(sqlite, boss)} pg-boss`,
);
const served = await serverBenches();
console.log(
  `   end to end through a server on SQLite (backend sends via W7S_QUEUE, workerd consumer acks, ${served.endToEndCount} messages)`,
);
console.log(
  `                                                    ${served.endToEnd} msg/s   ${ratio(served.endToEnd, sqlite)} the SQLite broker alone`,
);
console.log(
  "\n2. RPC call overhead (16 keep-alive clients, 3 s each; owner exempt from limits, so only counting runs)",
);
console.log(`   direct request to the target app               ${served.direct} req/s   (baseline)`);
console.log(
  `   the same request through /api/v1/rpc/...        ${served.rpc} req/s   ${ratio(served.rpc, served.direct)} of direct (${((1 / served.rpc - 1 / served.direct) * 1000).toFixed(2)} ms more server time per call)`,
);
const scheduler = await schedulerBench();
console.log(`\n3. Scheduler: ${scheduler.schedules} deployed schedules, one minute (${scheduler.due} due)`);
console.log(
  `   croner matching the same schedules              ${scheduler.croner.toFixed(2)} ms   (baseline)`,
);
console.log(
  `   list from the store + match (the tick's evaluation)  ${scheduler.evaluate.toFixed(2)} ms   ${ratio(scheduler.evaluate, scheduler.croner)} croner's time`,
);
console.log(
  `   match only (schedules already in memory)         ${scheduler.matchOnly.toFixed(2)} ms   ${ratio(scheduler.matchOnly, scheduler.croner)} croner's time`,
);
console.log(
  `   whole tick incl. claiming and POSTing ${scheduler.due} due    ${scheduler.tick.toFixed(1)} ms`,
);
await dropTestSchemas();
process.exit(0);
