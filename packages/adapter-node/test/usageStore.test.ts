/**
 * One behaviour suite for the UsageStore, run on both databases the server supports: the embedded
 * SQLite file (default) and Postgres (`DATABASE_URL`). The races run two stores in this process and a
 * third in a child process on the same database.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { DatabaseSync } from "node:sqlite";
import { dropTestSchemas, freshSchemaName, requirePostgres, TEST_DATABASE_URL } from "@w7s/conformance";
import { type AppRef, StoreError, type UsageRollupKey, UsageStore } from "@w7s/core";
import { Context, Effect, Layer, Option, type Scope } from "effect";
import { TestClock } from "effect/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageStoreLayer } from "../src/usage/index.js";
import { burstCountersOf, DAY, eventOf, NOON, suspensionOf } from "./support/usage.js";

type Store = UsageStore["Service"];

interface Database {
  readonly options: { dataDir: string; databaseUrl?: string; databaseSchema?: string };
  /** Runs SQL on the database directly, as another tool (or a broken disk) might; `?` marks parameters. */
  readonly sql: (statement: string, params?: ReadonlyArray<string | number>) => Promise<unknown[]>;
  /** The name of one of the store's tables as `sql` must spell it. */
  readonly table: (name: "usage_metrics" | "usage_burst_counters" | "usage_suspensions") => string;
}

interface Backend {
  readonly name: string;
  readonly freshDatabase: () => Database;
}

const backends: ReadonlyArray<Backend> = [
  {
    name: "SQLite",
    freshDatabase: () => {
      const dataDir = mkdtempSync(join(tmpdir(), "w7s-usage-"));
      return {
        options: { dataDir },
        sql: async (statement, params = []) => {
          const sqlite = new DatabaseSync(join(dataDir, "w7s.db"));
          try {
            return sqlite.prepare(statement).all(...params);
          } finally {
            sqlite.close();
          }
        },
        table: (name) => name,
      };
    },
  },
  {
    name: "Postgres",
    freshDatabase: () => {
      const dataDir = mkdtempSync(join(tmpdir(), "w7s-usage-"));
      const databaseSchema = freshSchemaName();
      return {
        options: { dataDir, databaseUrl: TEST_DATABASE_URL, databaseSchema },
        sql: async (statement, params = []) => {
          const client = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
          try {
            let index = 0;
            return await client.unsafe(
              statement.replace(/\?/g, () => `$${++index}`),
              params as string[],
            );
          } finally {
            await client.end({ timeout: 1 });
          }
        },
        table: (name) => `"${databaseSchema}".w7s_${name}`,
      };
    },
  },
];

beforeAll(requirePostgres, 30_000);
afterAll(dropTestSchemas);

/** Opens one "server" on the database; it closes with the enclosing scope. */
const open = (database: Database): Effect.Effect<Store, StoreError, Scope.Scope> =>
  Layer.build(usageStoreLayer(database.options)).pipe(
    Effect.map((context) => Context.get(context, UsageStore)),
  );

const run = <A>(body: Effect.Effect<A, StoreError, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(body));

/** Runs `effect` with the clock reading `iso`. */
const at =
  (iso: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    TestClock.setTime(Date.parse(iso)).pipe(Effect.andThen(effect), Effect.provide(TestClock.layer()));

const rollupOf = (store: Store, key: UsageRollupKey) => store.rollup(key).pipe(Effect.map(Option.getOrNull));

const webApp: AppRef = { environment: "production", orgSlug: "acme", repoSlug: "web" };
const repoKey = (app: AppRef = webApp, date = DAY): UsageRollupKey => ({ scope: "repo", date, ...app });
const ownerKey = (app: AppRef = webApp, date = DAY): UsageRollupKey => ({
  scope: "owner",
  date,
  environment: app.environment,
  orgSlug: app.orgSlug,
});
const globalKey = (environment = "production", date = DAY): UsageRollupKey => ({
  scope: "global",
  date,
  environment,
});

/** The metric totals of one rollup, `null` when the rollup does not exist. */
const totalsOf = (store: Store, key: UsageRollupKey, metric: string) =>
  rollupOf(store, key).pipe(Effect.map((rollup) => rollup?.metrics[metric] ?? null));

const failureOf = <A, R>(effect: Effect.Effect<A, StoreError, R>): Effect.Effect<StoreError, never, R> =>
  Effect.result(effect).pipe(
    Effect.map((result) => {
      if (result._tag === "Success") throw new Error("expected a StoreError, got a success");
      return result.failure;
    }),
  );

interface RaceWorker {
  /** Lets the worker start its increments and reservations. */
  readonly go: () => void;
  /** How many of its reservations were applied, once it is done. */
  readonly applied: Promise<number>;
}

const hook = resolve(import.meta.dirname, "../../core/bench/resolveTs.ts");
const workerScript = resolve(import.meta.dirname, "support/usageRaceWorker.ts");

/** Starts a second server process on `database`; resolves when its store is open. */
const startRaceWorker = (
  database: Database,
  work: { increments: number; reservations: number; burstLimit: number },
): Promise<RaceWorker> =>
  new Promise((resolveReady, rejectReady) => {
    const child = spawn(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        hook,
        workerScript,
        JSON.stringify({ ...database.options, ...work }),
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const lines = createInterface({ input: child.stdout });
    let settle: { resolve: (applied: number) => void; reject: (error: Error) => void } | undefined;
    const applied = new Promise<number>((resolveApplied, rejectApplied) => {
      settle = { resolve: resolveApplied, reject: rejectApplied };
    });
    applied.catch(() => {});
    lines.on("line", (line) => {
      if (line === "ready") {
        resolveReady({ go: () => child.stdin.end("go\n"), applied });
        return;
      }
      settle?.resolve((JSON.parse(line) as { applied: number }).applied);
    });
    child.on("exit", (code) => {
      const error = new Error(`race worker exited with ${code}: ${stderr}`);
      rejectReady(error);
      if (code !== 0) settle?.reject(error);
    });
  });

describe.each(backends)("UsageStore on $name", (backend) => {
  it("F.2 adds a success of 3 and an error of 1 into one metric of the repo, owner and global rollups", async () => {
    const database = backend.freshDatabase();
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        yield* at("2026-05-26T12:00:01.000Z")(
          store.increment(eventOf("queue.delivery", { count: 3, outcome: "success" })),
        );
        yield* at("2026-05-26T12:00:02.000Z")(
          store.increment(eventOf("queue.delivery", { count: 1, outcome: "error" })),
        );
        const totals = { count: 4, units: 4, success: 3, error: 1, lastAt: "2026-05-26T12:00:00.000Z" };
        expect(yield* rollupOf(store, repoKey())).toEqual({
          version: 1,
          date: "2026-05-26",
          orgSlug: "acme",
          repoSlug: "web",
          environment: "production",
          repository: "acme/web",
          metrics: { "queue.delivery": totals },
          updatedAt: "2026-05-26T12:00:02.000Z",
        });
        expect(yield* rollupOf(store, ownerKey())).toEqual({
          version: 1,
          date: "2026-05-26",
          orgSlug: "acme",
          repoSlug: "*",
          environment: "production",
          repository: "acme/*",
          metrics: { "queue.delivery": totals },
          updatedAt: "2026-05-26T12:00:02.000Z",
        });
        expect(yield* rollupOf(store, globalKey())).toEqual({
          version: 1,
          date: "2026-05-26",
          orgSlug: "*",
          repoSlug: "*",
          environment: "production",
          repository: "*/*",
          metrics: { "queue.delivery": totals },
          updatedAt: "2026-05-26T12:00:02.000Z",
        });
      }),
    );
  });

  it("keeps days, environments, repos and owners apart, and sums repos into their owner and all owners", async () => {
    const database = backend.freshDatabase();
    const apiApp: AppRef = { environment: "production", orgSlug: "acme", repoSlug: "api" };
    const otherOwner: AppRef = { environment: "production", orgSlug: "globex", repoSlug: "site" };
    const preview: AppRef = { environment: "feature-x", orgSlug: "acme", repoSlug: "web" };
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        yield* store.increment(eventOf("runtime.request", { count: 2 }));
        yield* store.increment(eventOf("runtime.request", { count: 3 }, apiApp));
        yield* store.increment(eventOf("runtime.request", { count: 5 }, otherOwner));
        yield* store.increment(eventOf("runtime.request", { count: 7 }, preview));
        yield* store.increment(eventOf("runtime.request", { count: 11, date: "2026-05-27" }));

        const countAt = (key: UsageRollupKey) =>
          totalsOf(store, key, "runtime.request").pipe(Effect.map((totals) => totals?.count ?? null));
        expect(yield* countAt(repoKey())).toBe(2);
        expect(yield* countAt(repoKey(apiApp))).toBe(3);
        expect(yield* countAt(ownerKey())).toBe(5);
        expect(yield* countAt(ownerKey(otherOwner))).toBe(5);
        expect(yield* countAt(globalKey())).toBe(10);
        expect(yield* countAt(repoKey(preview))).toBe(7);
        expect(yield* countAt(ownerKey(preview))).toBe(7);
        expect(yield* countAt(globalKey("feature-x"))).toBe(7);
        expect(yield* countAt(repoKey(webApp, "2026-05-27"))).toBe(11);
        expect(yield* countAt(globalKey("production", "2026-05-27"))).toBe(11);
        expect(yield* rollupOf(store, repoKey({ ...webApp, repoSlug: "nothing" }))).toBeNull();
        expect(yield* rollupOf(store, ownerKey(webApp, "2026-05-25"))).toBeNull();
        expect(yield* rollupOf(store, globalKey("staging"))).toBeNull();
      }),
    );
  });

  it("keeps units, the latest time and the last source given per metric, and the app's repository", async () => {
    const database = backend.freshDatabase();
    // An app of a monorepo (B.6): its repo slug is not the repository's name.
    const monorepoApp: AppRef = { environment: "production", orgSlug: "acme", repoSlug: "shop-web" };
    const event = (metric: string, fields: Parameters<typeof eventOf>[1] = {}) =>
      eventOf(metric, { repository: "acme/shop", ...fields }, monorepoApp);
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        yield* store.increment(event("static.r2_class_a", { count: 1, units: 42, source: "w7s" }));
        yield* store.increment(
          event("static.r2_class_a", { count: 1, units: 8, at: "2026-05-26T13:00:00.000Z" }),
        );
        yield* store.increment(
          event("static.r2_class_a", { count: 1, units: 1, at: "2026-05-26T12:30:00.000Z" }),
        );
        yield* store.increment(event("kv.read", { units: 5, source: "cloudflare_estimated" }));
        yield* store.increment(event("kv.read", { units: 5, source: "cloudflare" }));
        yield* store.increment(event("deploy"));

        const rollup = (yield* rollupOf(store, repoKey(monorepoApp)))!;
        expect(rollup.repository).toBe("acme/shop");
        expect(rollup.repoSlug).toBe("shop-web");
        expect(rollup.metrics).toEqual({
          deploy: { count: 1, units: 1, success: 1, error: 0, lastAt: NOON },
          "kv.read": { count: 2, units: 10, success: 2, error: 0, lastAt: NOON, source: "cloudflare" },
          "static.r2_class_a": {
            count: 3,
            units: 51,
            success: 3,
            error: 0,
            lastAt: "2026-05-26T13:00:00.000Z",
            source: "w7s",
          },
        });
        expect(Object.keys(rollup.metrics)).toEqual(["deploy", "kv.read", "static.r2_class_a"]);
        expect((yield* rollupOf(store, ownerKey(monorepoApp)))!.repository).toBe("acme/*");
      }),
    );
  });

  it("DECISIONS 7: 1,000 concurrent increments count exactly 1,000 at repo, owner and global scope", async () => {
    const database = backend.freshDatabase();
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        yield* Effect.all(
          Array.from({ length: 1000 }, (_, index) =>
            store.increment(
              eventOf("runtime.request", {
                count: 1,
                units: 2,
                outcome: index % 10 < 3 ? "error" : "success",
              }),
            ),
          ),
          { concurrency: "unbounded", discard: true },
        );
        const expected = { count: 1000, units: 2000, success: 700, error: 300, lastAt: NOON };
        expect(yield* totalsOf(store, repoKey(), "runtime.request")).toEqual(expected);
        expect(yield* totalsOf(store, ownerKey(), "runtime.request")).toEqual(expected);
        expect(yield* totalsOf(store, globalKey(), "runtime.request")).toEqual(expected);
      }),
    );
  }, 60_000);

  it("DECISIONS 7: three servers on one database (two here, one in another process) count every increment once", async () => {
    const database = backend.freshDatabase();
    const perServer = backend.name === "SQLite" ? 2000 : 600;
    const worker = await startRaceWorker(database, { increments: perServer, reservations: 0, burstLimit: 1 });
    await run(
      Effect.gen(function* () {
        const servers = [yield* open(database), yield* open(database)];
        worker.go();
        yield* Effect.all(
          Array.from({ length: 2 * perServer }, (_, index) =>
            servers[index % 2]!.increment(
              eventOf("runtime.request", { outcome: index % 4 === 0 ? "error" : "success" }),
            ),
          ),
          { concurrency: "unbounded", discard: true },
        );
        yield* Effect.promise(() => worker.applied);
        const total = 3 * perServer;
        const expected = {
          count: total,
          units: total,
          success: (total * 3) / 4,
          error: total / 4,
          lastAt: NOON,
        };
        for (const server of servers) {
          expect(yield* totalsOf(server, repoKey(), "runtime.request")).toEqual(expected);
          expect(yield* totalsOf(server, ownerKey(), "runtime.request")).toEqual(expected);
          expect(yield* totalsOf(server, globalKey(), "runtime.request")).toEqual(expected);
        }
      }),
    );
  }, 60_000);

  it("F.6 bumps every counter or none, reporting each counter's value before", async () => {
    const database = backend.freshDatabase();
    const webCounters = burstCountersOf({ repo: 3, owner: 5, global: 100 });
    const apiCounters = burstCountersOf(
      { repo: 3, owner: 5, global: 100 },
      { environment: "production", orgSlug: "acme", repoSlug: "api" },
    );
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        expect(yield* store.reserveBurst(webCounters, 2)).toEqual({ applied: true, used: [0, 0, 0] });
        // The repo counter would pass its limit: nothing moves.
        expect(yield* store.reserveBurst(webCounters, 2)).toEqual({ applied: false, used: [2, 2, 2] });
        expect(yield* store.reserveBurst(webCounters, 1)).toEqual({ applied: true, used: [2, 2, 2] });
        expect(yield* store.reserveBurst(webCounters, 1)).toEqual({ applied: false, used: [3, 3, 3] });
        // Another repo of the owner shares the owner and global counters.
        expect(yield* store.reserveBurst(apiCounters, 2)).toEqual({ applied: true, used: [0, 3, 3] });
        expect(yield* store.reserveBurst(apiCounters, 1)).toEqual({ applied: false, used: [2, 5, 5] });
        // Reaching a limit exactly is allowed; passing it is not.
        expect(yield* store.reserveBurst(webCounters.slice(2), 95)).toEqual({ applied: true, used: [5] });
        expect(yield* store.reserveBurst(webCounters.slice(2), 1)).toEqual({ applied: false, used: [100] });
        // Counters of the next window start from 0.
        expect(
          yield* store.reserveBurst(
            burstCountersOf({ repo: 3, owner: 5, global: 100 }, webApp, "next-window"),
            3,
          ),
        ).toEqual({ applied: true, used: [0, 0, 0] });
        expect(yield* store.reserveBurst([], 1)).toEqual({ applied: true, used: [] });
      }),
    );
  });

  it("DECISIONS 7: twice the limit of concurrent reservations from three servers apply exactly the limit", async () => {
    const database = backend.freshDatabase();
    const limit = 40;
    const worker = await startRaceWorker(database, { increments: 0, reservations: limit, burstLimit: limit });
    await run(
      Effect.gen(function* () {
        const servers = [yield* open(database), yield* open(database)];
        const counters = burstCountersOf({ repo: limit, owner: 1_000_000, global: 1_000_000 });
        worker.go();
        const here = yield* Effect.all(
          Array.from({ length: limit }, (_, index) => servers[index % 2]!.reserveBurst(counters, 1)),
          { concurrency: "unbounded" },
        );
        const appliedThere = yield* Effect.promise(() => worker.applied);
        const appliedHere = here.filter((reservation) => reservation.applied);
        expect(appliedHere.length + appliedThere).toBe(limit);
        // Each applied reservation saw a different value before it: they ran one after another.
        const seen = appliedHere.map((reservation) => reservation.used[0]!);
        expect(new Set(seen).size).toBe(seen.length);
        expect(yield* servers[0]!.reserveBurst(counters, 1)).toEqual({
          applied: false,
          used: [limit, limit, limit],
        });
      }),
    );
  }, 60_000);

  it("F.6 ignores a counter past its TTL and deletes expired counters", async () => {
    const database = backend.freshDatabase();
    const counters = burstCountersOf({ repo: 2, owner: 10, global: 10 });
    const counterRows = () =>
      Effect.promise(() =>
        database.sql(`select key from ${database.table("usage_burst_counters")} order by key`),
      );
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        const start = "2026-05-26T12:00:00.000Z";
        expect(yield* at(start)(store.reserveBurst(counters, 2))).toEqual({ applied: true, used: [0, 0, 0] });
        expect(yield* at("2026-05-26T12:01:59.999Z")(store.reserveBurst(counters, 1))).toEqual({
          applied: false,
          used: [2, 2, 2],
        });
        // The TTL is 120 s: the same key, reused after it, starts again.
        expect(yield* at("2026-05-26T12:02:00.000Z")(store.reserveBurst(counters, 1))).toEqual({
          applied: true,
          used: [0, 0, 0],
        });
        expect(yield* counterRows()).toHaveLength(3);
        const later = burstCountersOf({ repo: 2, owner: 10, global: 10 }, webApp, "later-window");
        yield* at("2026-05-26T12:10:00.000Z")(store.reserveBurst(later, 1));
        expect((yield* counterRows()).map((row) => (row as { key: string }).key)).toEqual(
          later.map((counter) => counter.key).sort(),
        );
      }),
    );
  });

  it("DECISIONS 8: keeps a limit and an operator suspension side by side; only the party that set one lifts it", async () => {
    const database = backend.freshDatabase();
    const apiApp: AppRef = { environment: "production", orgSlug: "acme", repoSlug: "api" };
    const suspensionIn = (store: Store, app: AppRef = webApp) =>
      store.suspension(app).pipe(Effect.map(Option.getOrNull));
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        expect(yield* suspensionIn(store)).toBeNull();

        yield* store.suspend(suspensionOf(webApp, "limit"));
        expect(yield* suspensionIn(store)).toEqual(suspensionOf(webApp, "limit"));
        // A limit suspension replaces the earlier limit suspension.
        const again = {
          ...suspensionOf(webApp, "limit", "W7S free-tier limit exceeded for ai.run."),
          metrics: [],
        };
        yield* store.suspend(again);
        expect(yield* suspensionIn(store)).toEqual(again);

        // The operator's suspension has no end, so it is the one the app answers with.
        yield* store.suspend(suspensionOf(webApp, "operator"));
        expect(yield* suspensionIn(store)).toEqual(suspensionOf(webApp, "operator"));
        yield* store.suspend(suspensionOf(webApp, "limit"));
        expect(yield* suspensionIn(store)).toEqual(suspensionOf(webApp, "operator"));
        yield* store.lift(webApp, "limit");
        expect(yield* suspensionIn(store)).toEqual(suspensionOf(webApp, "operator"));

        yield* store.suspend(suspensionOf(webApp, "limit"));
        yield* store.lift(webApp, "operator");
        expect(yield* suspensionIn(store)).toEqual(suspensionOf(webApp, "limit"));
        yield* store.lift(webApp, "operator");
        expect(yield* suspensionIn(store)).toEqual(suspensionOf(webApp, "limit"));
        yield* store.lift(webApp, "limit");
        expect(yield* suspensionIn(store)).toBeNull();

        yield* store.suspend(suspensionOf(apiApp, "operator"));
        expect(yield* suspensionIn(store)).toBeNull();
        expect(yield* suspensionIn(store, { ...apiApp, environment: "feature-x" })).toBeNull();
      }),
    );
  });

  it("F.8 returns a stored suspension whatever its resumeAfter: expiry is the core's decision", async () => {
    const database = backend.freshDatabase();
    const ended = { ...suspensionOf(webApp, "limit"), resumeAfter: "2020-01-01T00:00:00.000Z" };
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        yield* store.suspend(ended);
      }),
    );
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        expect(Option.getOrNull(yield* store.suspension(webApp))).toEqual(ended);
      }),
    );
  });

  it("F.11 deletes the rollups of days before a date and says how many rollups went", async () => {
    const database = backend.freshDatabase();
    const apiApp: AppRef = { environment: "production", orgSlug: "acme", repoSlug: "api" };
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        yield* store.increment(eventOf("runtime.request", { date: "2026-05-12" }));
        yield* store.increment(eventOf("deploy", { date: "2026-05-12" }));
        yield* store.increment(eventOf("runtime.request", { date: "2026-05-13" }));
        yield* store.increment(eventOf("runtime.request", { date: "2026-05-13" }, apiApp));
        yield* store.increment(eventOf("runtime.request", { date: "2026-05-14" }));

        // 05-12: repo, owner, global (two metrics each); 05-13: two repos, their owner, global.
        expect(yield* store.deleteRollupsBefore("2026-05-14")).toBe(7);
        expect(yield* rollupOf(store, repoKey(webApp, "2026-05-12"))).toBeNull();
        expect(yield* rollupOf(store, globalKey("production", "2026-05-13"))).toBeNull();
        expect((yield* totalsOf(store, repoKey(webApp, "2026-05-14"), "runtime.request"))?.count).toBe(1);
        expect(
          (yield* totalsOf(store, globalKey("production", "2026-05-14"), "runtime.request"))?.count,
        ).toBe(1);
        expect(yield* store.deleteRollupsBefore("2026-05-14")).toBe(0);
      }),
    );
  });

  it("F.11 deletes limit suspensions that have ended, never an operator's", async () => {
    const database = backend.freshDatabase();
    const apiApp: AppRef = { environment: "production", orgSlug: "acme", repoSlug: "api" };
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        yield* store.suspend({ ...suspensionOf(webApp, "limit"), resumeAfter: "2026-05-26T00:00:00.000Z" });
        yield* store.suspend({ ...suspensionOf(apiApp, "limit"), resumeAfter: "2026-05-27T00:00:00.000Z" });
        yield* store.suspend(suspensionOf(webApp, "operator"));
        expect(yield* store.deleteExpiredSuspensions("2026-05-26T12:00:00.000Z")).toBe(1);
        expect(Option.getOrNull(yield* store.suspension(webApp))?.suspendedBy).toBe("operator");
        expect(Option.isSome(yield* store.suspension(apiApp))).toBe(true);
        expect(yield* store.deleteExpiredSuspensions("2026-05-26T12:00:00.000Z")).toBe(0);
      }),
    );
  });

  it("keeps counters, burst windows and suspensions across a restart", async () => {
    const database = backend.freshDatabase();
    const counters = burstCountersOf({ repo: 3, owner: 10, global: 10 });
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        yield* store.increment(eventOf("ai.run", { count: 2 }));
        yield* store.reserveBurst(counters, 2);
        yield* store.suspend(suspensionOf(webApp, "operator"));
      }),
    );
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        yield* store.increment(eventOf("ai.run", { count: 1 }));
        expect((yield* totalsOf(store, globalKey(), "ai.run"))?.count).toBe(3);
        expect(yield* store.reserveBurst(counters, 2)).toEqual({ applied: false, used: [2, 2, 2] });
        expect(Option.getOrNull(yield* store.suspension(webApp))).toEqual(suspensionOf(webApp, "operator"));
      }),
    );
  });

  it("reports stored data that no longer decodes as Corrupt, naming the operation", async () => {
    const database = backend.freshDatabase();
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        yield* store.increment(eventOf("runtime.request"));
        yield* store.suspend(suspensionOf(webApp, "limit"));
      }),
    );
    await database.sql(`update ${database.table("usage_suspensions")} set state = '{"version":9}'`);
    await database.sql(
      `update ${database.table("usage_metrics")} set source = 'guesswork' where scope = 'repo'`,
    );
    await run(
      Effect.gen(function* () {
        const store = yield* open(database);
        const suspension = yield* failureOf(store.suspension(webApp));
        expect(suspension).toBeInstanceOf(StoreError);
        expect({ reason: suspension.reason, operation: suspension.operation }).toEqual({
          reason: "Corrupt",
          operation: "UsageStore.suspension",
        });
        const rollup = yield* failureOf(store.rollup(repoKey()));
        expect({ reason: rollup.reason, operation: rollup.operation }).toEqual({
          reason: "Corrupt",
          operation: "UsageStore.rollup",
        });
        expect(Option.isSome(yield* store.rollup(ownerKey()))).toBe(true);
      }),
    );
  });
});

describe("UsageStore failures", () => {
  it("reports a database it cannot open as StoreError Unavailable, never a driver error", async () => {
    const notADirectory = join(mkdtempSync(join(tmpdir(), "w7s-usage-")), "file");
    writeFileSync(notADirectory, "");
    const sqlite = await Effect.runPromise(
      Effect.scoped(failureOf(Layer.build(usageStoreLayer({ dataDir: notADirectory })))),
    );
    expect({ reason: sqlite.reason, operation: sqlite.operation }).toEqual({
      reason: "Unavailable",
      operation: "UsageStore.open",
    });
    const nobody = await Effect.runPromise(
      Effect.scoped(
        failureOf(
          Layer.build(
            usageStoreLayer({ dataDir: notADirectory, databaseUrl: "postgres://postgres@127.0.0.1:1/test" }),
          ),
        ),
      ),
    );
    expect(nobody).toBeInstanceOf(StoreError);
    expect({ reason: nobody.reason, operation: nobody.operation }).toEqual({
      reason: "Unavailable",
      operation: "UsageStore.open",
    });
  });
});
