/**
 * E.4 and E.5 under failure: queued messages and published events survive `kill -9` of the server during
 * delivery, and two servers sharing one Postgres deliver each schedule exactly once per minute; a restart
 * within a minute catches that minute up without delivering it twice.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeManualClock } from "@w7s/adapter-node";
import { request, requirePostgres } from "@w7s/conformance";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, type ServerSettings } from "../src/config.js";
import { type RunningServer, startServer } from "../src/server.js";
import { consumerApp, eventPublisherApp, eventSubscriberApp, tickerApp } from "./support/recorderApps.js";

const TOKEN = "durability-token";
const MINUTE = 60_000;

const deploy = async (baseUrl: string, repository: string, zip: Uint8Array, sha = "d".repeat(40)) => {
  const response = await fetch(`${baseUrl}/api/v1/deploy`, {
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
  const body = await response.text();
  expect(response.status, body).toBe(200);
};

const getJson = async <A>(baseUrl: string, host: string, path: string): Promise<A> => {
  const response = await request({ baseUrl, baseDomain: "", close: async () => {} }, host, path);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as A;
};

const until = async (condition: () => Promise<boolean>, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return;
    } catch {
      // The server may be starting; try again.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
};

/** Server processes the crash tests start, killed when the file is done. */
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});
const cli = resolve(import.meta.dirname, "../src/cli.ts");
const hook = resolve(import.meta.dirname, "../../../packages/core/bench/resolveTs.ts");

/** Runs `w7s serve` on `dataDir` as its own process, so the test can kill it with SIGKILL. */
const serve = (dataDir: string) =>
  new Promise<{ child: ChildProcess; url: string }>((done, fail) => {
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
        "--queue-lease-seconds",
        "2",
        // 1,000 messages in seconds are far over the free-tier queue burst windows.
        "--limit-exempt-owners",
        "crash",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(child);
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      if (port !== undefined) done({ child, url: `http://127.0.0.1:${port}` });
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code, signal) => fail(new Error(`server exited (${code ?? signal}): ${output}`)));
  });

/** Kills the server with SIGKILL and starts a new one on the same data directory. */
const killAndRestart = async (server: { child: ChildProcess }, dataDir: string) => {
  server.child.kill("SIGKILL");
  await new Promise((done) => server.child.once("exit", done));
  return serve(dataDir);
};

describe("kill -9 during queue delivery (E.4 at-least-once)", () => {
  it("1,000 messages, the server killed twice mid-delivery: every message delivered, none lost, at most 4 times each", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-crash-"));
    let server = await serve(dataDir);
    await deploy(server.url, "crash/consumer", consumerApp(300));
    const produced = await getJson<{ sent: number }>(
      server.url,
      "crash.w7s.localhost",
      "/consumer/produce?count=1000&target=crash/consumer/jobs",
    );
    expect(produced).toEqual({ sent: 1000, failed: 0 });

    const seen = async () => getJson<string[]>(server.url, "crash.w7s.localhost", "/consumer/seen");
    const distinct = (keys: string[]) => new Set(keys.map((key) => key.split(":")[1])).size;
    const kills: number[] = [];
    for (const threshold of [150, 500]) {
      await until(async () => distinct(await seen()) >= threshold, 60_000, `${threshold} messages delivered`);
      kills.push(distinct(await seen()));
      server = await killAndRestart(server, dataDir);
    }
    await until(async () => distinct(await seen()) === 1000, 120_000, "all 1,000 messages delivered");
    // Leases of batches that were in flight at the last kill run out after 2 s; let stragglers land.
    await new Promise((done) => setTimeout(done, 4_000));
    const keys = await seen();
    const deliveries = new Map<number, number[]>();
    for (const key of keys) {
      const [, n, , attempts] = key.split(":");
      const list = deliveries.get(Number(n)) ?? [];
      list.push(Number(attempts));
      deliveries.set(Number(n), list);
    }
    expect([...deliveries.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, n) => n));
    const counts = [...deliveries.values()].map((attempts) => attempts.length);
    expect(Math.max(...counts)).toBeLessThanOrEqual(4);
    const redelivered = [...deliveries.values()].filter((attempts) => attempts.length > 1);
    // Each redelivery came with a higher attempt number.
    for (const attempts of redelivered) expect(new Set(attempts).size).toBe(attempts.length);
    console.log(
      `crash test: killed at ${kills.join(" and ")} distinct deliveries; ${keys.length} deliveries for 1000 messages, ${redelivered.length} delivered more than once`,
    );
    server.child.kill("SIGTERM");
  }, 240_000);
});

describe("kill -9 during event delivery (events keep the queues' at-least-once)", () => {
  it("500 events to two subscribers, the server killed twice mid-delivery: each reaches both, none lost", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-event-crash-"));
    let server = await serve(dataDir);
    const subscribers = ["billing", "mailer"];
    for (const repo of subscribers) await deploy(server.url, `crash/${repo}`, eventSubscriberApp(300));
    await deploy(server.url, "crash/orders", eventPublisherApp());
    const published = await getJson<{ published: number }>(
      server.url,
      "crash.w7s.localhost",
      "/orders/publish?count=500",
    );
    expect(published).toEqual({ published: 500, failed: 0 });

    /** `<subscriber> <n> <event id> <attempts>` for every delivery recorded so far. */
    const seen = async () =>
      (
        await Promise.all(
          subscribers.map(async (repo) =>
            (
              await getJson<string[]>(server.url, "crash.w7s.localhost", `/${repo}/seen`)
            ).map((key) => {
              const [, n, eventId, , attempts] = key.split(":");
              return { repo, n: Number(n), eventId: eventId!, attempts: Number(attempts) };
            }),
          ),
        )
      ).flat();
    const distinct = (deliveries: Awaited<ReturnType<typeof seen>>) =>
      new Set(deliveries.map((delivery) => `${delivery.repo} ${delivery.n}`)).size;
    const kills: number[] = [];
    for (const threshold of [150, 500]) {
      await until(async () => distinct(await seen()) >= threshold, 60_000, `${threshold} deliveries`);
      kills.push(distinct(await seen()));
      server = await killAndRestart(server, dataDir);
    }
    await until(async () => distinct(await seen()) === 1000, 120_000, "all 1,000 deliveries");
    await new Promise((done) => setTimeout(done, 4_000));
    const deliveries = await seen();
    for (const repo of subscribers) {
      const mine = deliveries.filter((delivery) => delivery.repo === repo);
      expect([...new Set(mine.map((delivery) => delivery.n))].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 500 }, (_, n) => n),
      );
      const perEvent = new Map<number, number[]>();
      for (const delivery of mine)
        perEvent.set(delivery.n, [...(perEvent.get(delivery.n) ?? []), delivery.attempts]);
      for (const attempts of perEvent.values()) {
        expect(attempts.length).toBeLessThanOrEqual(4);
        // A redelivery is the same message again, with a higher attempt number.
        expect(new Set(attempts).size).toBe(attempts.length);
      }
    }
    // One publish is one event: both subscribers saw the same id for each n, and no n got two ids.
    const idsOf = new Map<number, Set<string>>();
    for (const delivery of deliveries)
      idsOf.set(delivery.n, (idsOf.get(delivery.n) ?? new Set()).add(delivery.eventId));
    expect([...idsOf.values()].every((ids) => ids.size === 1)).toBe(true);
    console.log(
      `event crash test: killed at ${kills.join(" and ")} distinct deliveries; ${deliveries.length} deliveries for 1000`,
    );
    server.child.kill("SIGTERM");
  }, 240_000);
});

describe("two servers on one Postgres run a * * * * * schedule (E.5 exactly once per minute)", () => {
  const ADMIN_URL = process.env["W7S_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const databases: string[] = [];
  const admin = () => postgres(ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  const freshDatabase = async () => {
    const name = `w7s_sched_${randomBytes(5).toString("hex")}`;
    const sql = admin();
    await sql.unsafe(`create database ${name}`);
    await sql.end({ timeout: 1 });
    databases.push(name);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    return url.toString();
  };
  beforeAll(requirePostgres, 30_000);
  afterAll(async () => {
    const sql = admin();
    for (const name of databases) await sql.unsafe(`drop database if exists ${name} with (force)`);
    await sql.end({ timeout: 1 });
  });

  const settingsFor = (databaseUrl: string | undefined, dataDir: string): ServerSettings => ({
    ...DEFAULT_SETTINGS,
    port: 0,
    dataDir,
    databaseUrl,
    deployToken: TOKEN,
  });
  const ticks = (server: RunningServer) =>
    getJson<string[]>(server.url, "cron.w7s.localhost", "/ticker/ticks");
  const minuteOf = (key: string) => key.slice("tick:".length, "tick:".length + 24);

  it("ten simulated minutes: exactly ten deliveries, one per minute", async () => {
    const databaseUrl = await freshDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-sched-"));
    const clock = makeManualClock(Date.parse("2026-06-01T00:00:30.000Z"));
    const options = { clock, schedulerPollMs: 20 };
    const [first, second] = [
      await startServer(settingsFor(databaseUrl, dataDir), options),
      await startServer(settingsFor(databaseUrl, dataDir), options),
    ];
    try {
      await deploy(first.url, "cron/ticker", tickerApp());
      for (let minute = 1; minute <= 10; minute += 1) {
        clock.advance(MINUTE);
        // Both servers' own loops run the minute too; these ticks race them on purpose.
        await Promise.all([first.platform.tick(), second.platform.tick(), first.platform.tick()]);
      }
      await until(async () => (await ticks(first)).length >= 10, 20_000, "ten deliveries");
      await new Promise((done) => setTimeout(done, 500));
      const keys = await ticks(second);
      expect(keys).toHaveLength(10);
      expect(keys.map(minuteOf).sort()).toEqual(
        Array.from({ length: 10 }, (_, index) =>
          new Date(Date.parse("2026-06-01T00:00:00.000Z") + (index + 1) * MINUTE).toISOString(),
        ),
      );
    } finally {
      await first.close(1_000);
      await second.close(1_000);
    }
  }, 120_000);

  it("a restart within a minute catches that minute up once (SQLite)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-restart-"));
    const clock = makeManualClock(Date.parse("2026-06-01T00:00:30.000Z"));
    const options = { clock, schedulerPollMs: 20 };
    let server = await startServer(settingsFor(undefined, dataDir), options);
    await deploy(server.url, "cron/ticker", tickerApp());
    await server.close(1_000);
    // Minute 00:01 begins while no server runs; the next start delivers it, a second restart does not again.
    clock.advance(MINUTE - 10_000);
    server = await startServer(settingsFor(undefined, dataDir), options);
    await until(async () => (await ticks(server)).length === 1, 20_000, "the caught-up minute");
    await server.close(1_000);
    clock.advance(20_000);
    server = await startServer(settingsFor(undefined, dataDir), options);
    try {
      await new Promise((done) => setTimeout(done, 1_000));
      expect((await ticks(server)).map(minuteOf)).toEqual(["2026-06-01T00:01:00.000Z"]);
    } finally {
      await server.close(1_000);
    }
  }, 60_000);

  it("real time: two servers, one minute boundary, one delivery", async () => {
    const databaseUrl = await freshDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-sched-real-"));
    const [first, second] = [
      await startServer(settingsFor(databaseUrl, dataDir), { schedulerPollMs: 200 }),
      await startServer(settingsFor(databaseUrl, dataDir), { schedulerPollMs: 200 }),
    ];
    try {
      await deploy(first.url, "cron/ticker", tickerApp());
      const deployedMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
      const next = new Date(deployedMinute + MINUTE).toISOString();
      await until(
        async () => (await ticks(first)).some((key) => minuteOf(key) === next),
        90_000,
        `a tick for ${next}`,
      );
      await new Promise((done) => setTimeout(done, 2_000));
      expect((await ticks(second)).filter((key) => minuteOf(key) === next)).toHaveLength(1);
    } finally {
      await first.close(1_000);
      await second.close(1_000);
    }
  }, 120_000);
});
