/**
 * One behaviour suite for the DeploymentStore, run on both databases the server supports: the embedded
 * SQLite file (default) and Postgres (`DATABASE_URL`).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { dropTestSchemas, freshSchemaName, requirePostgres, TEST_DATABASE_URL } from "@w7s/conformance";
import { type AppRef, DeploymentStore, NotCached, StoreError } from "@w7s/core";
import { Context, Effect, Layer, Option, type Scope } from "effect";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CachedDeployments, deploymentStoreLayer } from "../src/store/index.js";
import {
  domainOf,
  queueOf,
  recordOf,
  scheduleOf,
  subscriptionOf,
  switchTo,
  tokenOf,
  webApp,
} from "./support/deployments.js";

type Store = DeploymentStore["Service"];

interface Database {
  /** A Layer on this database; every call opens the same data. */
  readonly layer: () => Layer.Layer<DeploymentStore, StoreError>;
  /** Overwrites a stored record with text that is not a deployment record, as a broken disk might. */
  readonly damageRecord: (deploymentId: string) => Promise<void>;
}

interface Backend {
  readonly name: string;
  readonly freshDatabase: () => Database;
}

const backends: ReadonlyArray<Backend> = [
  {
    name: "SQLite",
    freshDatabase: () => {
      const dataDir = mkdtempSync(join(tmpdir(), "w7s-store-"));
      return {
        layer: () => deploymentStoreLayer({ dataDir }),
        damageRecord: async (deploymentId) => {
          const sqlite = new DatabaseSync(join(dataDir, "w7s.db"));
          sqlite
            .prepare("update deployments set record = ? where deployment_id = ?")
            .run('{"version":9}', deploymentId);
          sqlite.close();
        },
      };
    },
  },
  {
    name: "Postgres",
    freshDatabase: () => {
      const dataDir = mkdtempSync(join(tmpdir(), "w7s-store-"));
      const databaseSchema = freshSchemaName();
      return {
        layer: () => deploymentStoreLayer({ dataDir, databaseUrl: TEST_DATABASE_URL, databaseSchema }),
        damageRecord: async (deploymentId) => {
          const client = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
          await client.unsafe(
            `update "${databaseSchema}".w7s_deployments set record = '{"version":9}' where deployment_id = $1`,
            [deploymentId],
          );
          await client.end({ timeout: 1 });
        },
      };
    },
  },
];

beforeAll(requirePostgres, 30_000);
afterAll(dropTestSchemas);

/** Opens one "server" on the database; it closes with the enclosing scope. */
const open = (
  layer: Layer.Layer<DeploymentStore, StoreError>,
): Effect.Effect<Store, StoreError, Scope.Scope> =>
  Layer.build(layer).pipe(Effect.map((context) => Context.get(context, DeploymentStore)));

const run = <A>(body: Effect.Effect<A, StoreError, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(body));

const currentId = (store: Store, app: AppRef = webApp) =>
  store
    .current(app)
    .pipe(Effect.map(Option.map((deployment) => deployment.deploymentId)), Effect.map(Option.getOrNull));

/** The error an effect fails with; a success is a test failure. */
const failureOf = <A>(effect: Effect.Effect<A, StoreError>): Effect.Effect<StoreError> =>
  Effect.result(effect).pipe(
    Effect.map((result) => {
      if (result._tag === "Success") throw new Error("expected a StoreError, got a success");
      return result.failure;
    }),
  );

const failureReason = <A>(effect: Effect.Effect<A, StoreError>) =>
  failureOf(effect).pipe(Effect.map((error) => error.reason));

describe.each(backends)("DeploymentStore on $name", (backend) => {
  it("makes a first deploy live with its record as written", async () => {
    const { layer } = backend.freshDatabase();
    await run(
      Effect.gen(function* () {
        const store = yield* open(layer());
        expect(yield* currentId(store)).toBeNull();
        yield* store.switchDeployment(switchTo("d1", null));
        const current = Option.getOrThrow(yield* store.current(webApp));
        expect(current).toEqual({ deploymentId: "d1", record: recordOf(webApp, "d1") });
        expect(yield* currentId(store, { ...webApp, environment: "feature-x" })).toBeNull();
      }),
    );
  });

  it("switches only from the deployment it expects, and a refused switch changes nothing", async () => {
    const { layer } = backend.freshDatabase();
    await run(
      Effect.gen(function* () {
        const store = yield* open(layer());
        expect(yield* failureReason(store.switchDeployment(switchTo("d0", "ghost")))).toBe("Conflict");
        yield* store.switchDeployment(
          switchTo("d1", null, {
            schedules: [scheduleOf(webApp, "sync")],
            queues: [queueOf(webApp, "jobs")],
            claimDomains: [domainOf(webApp, "web.example.com")],
          }),
        );
        const stale = switchTo("d2", null, {
          tokens: [tokenOf(webApp, "ai", "ai-d2")],
          schedules: [scheduleOf(webApp, "other")],
          queues: [],
          claimDomains: [domainOf(webApp, "stale.example.com")],
          releaseDomains: [{ hostname: "web.example.com", pathPrefix: "/" }],
        });
        expect(yield* failureReason(store.switchDeployment(stale))).toBe("Conflict");
        expect(yield* failureReason(store.switchDeployment({ ...stale, replaces: "d0" }))).toBe("Conflict");

        expect(yield* currentId(store)).toBe("d1");
        expect(Option.isNone(yield* store.findToken("ai", "ai-d2"))).toBe(true);
        expect((yield* store.listSchedules()).map((schedule) => schedule.id)).toEqual([
          "production:acme:web:sync",
        ]);
        expect(Option.isSome(yield* store.findQueue(queueOf(webApp, "jobs").queueName))).toBe(true);
        expect(yield* store.domainRoutes("web.example.com")).toHaveLength(1);
        expect(yield* store.domainRoutes("stale.example.com")).toEqual([]);

        yield* store.switchDeployment({ ...stale, replaces: "d1" });
        expect(yield* currentId(store)).toBe("d2");
      }),
    );
  });

  it("lets exactly one of several concurrent switches from the same deployment win", async () => {
    const { layer } = backend.freshDatabase();
    await run(
      Effect.gen(function* () {
        const servers = [yield* open(layer()), yield* open(layer())];
        yield* servers[0]!.switchDeployment(switchTo("d1", null));
        const contenders = ["a", "b", "c", "d", "e", "f"];
        const results = yield* Effect.all(
          contenders.map((id, index) =>
            Effect.result(servers[index % 2]!.switchDeployment(switchTo(id, "d1"))),
          ),
          { concurrency: "unbounded" },
        );
        const winners = contenders.filter((_, index) => results[index]!._tag === "Success");
        expect(winners).toHaveLength(1);
        for (const result of results) {
          if (result._tag === "Failure") expect(result.failure.reason).toBe("Conflict");
        }
        for (const server of servers) expect(yield* currentId(server)).toBe(winners[0]);
        // Only the winner's token was written.
        for (const id of contenders) {
          const token = yield* servers[1]!.findToken("rpc", `rpc-${id}`);
          expect(Option.isSome(token)).toBe(id === winners[0]);
        }
      }),
    );
  }, 30_000);

  it("keeps everything across a restart", async () => {
    const { layer } = backend.freshDatabase();
    await run(
      Effect.gen(function* () {
        const store = yield* open(layer());
        yield* store.switchDeployment(
          switchTo("d1", null, {
            schedules: [scheduleOf(webApp, "sync")],
            queues: [queueOf(webApp, "jobs")],
            claimDomains: [domainOf(webApp, "web.example.com", "/docs")],
          }),
        );
      }),
    );
    await run(
      Effect.gen(function* () {
        const store = yield* open(layer());
        expect(Option.getOrThrow(yield* store.current(webApp))).toEqual({
          deploymentId: "d1",
          record: recordOf(webApp, "d1"),
        });
        expect(Option.getOrThrow(yield* store.findToken("rpc", "rpc-d1"))).toEqual(
          tokenOf(webApp, "rpc", "rpc-d1"),
        );
        expect(yield* store.listSchedules()).toEqual([scheduleOf(webApp, "sync")]);
        expect(Option.getOrThrow(yield* store.findQueue(queueOf(webApp, "jobs").queueName))).toEqual(
          queueOf(webApp, "jobs"),
        );
        expect(yield* store.domainRoutes("web.example.com")).toEqual([
          domainOf(webApp, "web.example.com", "/docs"),
        ]);
        yield* store.switchDeployment(switchTo("d2", "d1"));
        expect(yield* currentId(store)).toBe("d2");
      }),
    );
  });

  it("pages through every live deployment in a stable order", async () => {
    const { layer } = backend.freshDatabase();
    const apps: AppRef[] = [
      { environment: "production", orgSlug: "zed", repoSlug: "a" },
      { environment: "production", orgSlug: "acme", repoSlug: "web" },
      { environment: "feature-x", orgSlug: "acme", repoSlug: "web" },
      { environment: "production", orgSlug: "acme", repoSlug: "api" },
      { environment: "production", orgSlug: "acme", repoSlug: "acme" },
    ];
    await run(
      Effect.gen(function* () {
        const store = yield* open(layer());
        for (const [index, app] of apps.entries()) {
          yield* store.switchDeployment(switchTo(`first-${index}`, null, {}, app));
        }
        // A redeploy lists only the live deployment of that app.
        yield* store.switchDeployment(switchTo("second-1", "first-1", {}, apps[1]));

        const seen: string[] = [];
        const cursors: Array<string | null> = [];
        let cursor: string | undefined;
        do {
          const page = yield* store.listCurrent(cursor === undefined ? { limit: 2 } : { limit: 2, cursor });
          expect(page.items.length).toBeLessThanOrEqual(2);
          for (const item of page.items) {
            seen.push(
              `${item.record.environment}/${item.record.orgSlug}/${item.record.repoSlug}=${item.deploymentId}`,
            );
          }
          cursors.push(page.cursor);
          cursor = page.cursor ?? undefined;
        } while (cursor !== undefined);

        expect(seen).toEqual([
          "feature-x/acme/web=first-2",
          "production/acme/acme=first-4",
          "production/acme/api=first-3",
          "production/acme/web=second-1",
          "production/zed/a=first-0",
        ]);
        expect(cursors.at(-1)).toBeNull();
        expect(cursors).toHaveLength(3);

        const everything = yield* store.listCurrent({ limit: 100 });
        expect(everything.items).toHaveLength(5);
        expect(everything.cursor).toBeNull();

        const refused = yield* failureOf(store.listCurrent({ limit: 2, cursor: "not a cursor" }));
        expect(refused).toBeInstanceOf(StoreError);
        expect(refused.reason).toBe("NotFound");
      }),
    );
  });

  it("finds every token ever issued, by kind and hash", async () => {
    const { layer } = backend.freshDatabase();
    await run(
      Effect.gen(function* () {
        const store = yield* open(layer());
        yield* store.switchDeployment(
          switchTo("d1", null, { tokens: [tokenOf(webApp, "rpc", "h1"), tokenOf(webApp, "queue", "h1q")] }),
        );
        yield* store.switchDeployment(switchTo("d2", "d1", { tokens: [tokenOf(webApp, "rpc", "h2")] }));
        expect(Option.getOrThrow(yield* store.findToken("rpc", "h1"))).toEqual(tokenOf(webApp, "rpc", "h1"));
        expect(Option.getOrThrow(yield* store.findToken("rpc", "h2"))).toEqual(tokenOf(webApp, "rpc", "h2"));
        expect(Option.isSome(yield* store.findToken("queue", "h1q"))).toBe(true);
        expect(Option.isNone(yield* store.findToken("ai", "h1"))).toBe(true);
        expect(Option.isNone(yield* store.findToken("rpc", "unknown"))).toBe(true);
      }),
    );
  });

  it("replaces an app's schedules and queue mappings as a set, leaving other apps alone", async () => {
    const { layer } = backend.freshDatabase();
    const otherApp: AppRef = { environment: "production", orgSlug: "acme", repoSlug: "api" };
    await run(
      Effect.gen(function* () {
        const store = yield* open(layer());
        yield* store.switchDeployment(
          switchTo(
            "api1",
            null,
            { schedules: [scheduleOf(otherApp, "nightly")], queues: [queueOf(otherApp, "mail")] },
            otherApp,
          ),
        );
        yield* store.switchDeployment(
          switchTo("d1", null, {
            schedules: [scheduleOf(webApp, "a"), scheduleOf(webApp, "b")],
            queues: [queueOf(webApp, "jobs"), queueOf(webApp, "events")],
          }),
        );
        yield* store.switchDeployment(
          switchTo("d2", "d1", {
            schedules: [scheduleOf(webApp, "b", "/_w7s/schedules/b-moved"), scheduleOf(webApp, "c")],
            queues: [queueOf(webApp, "events")],
          }),
        );
        expect(yield* store.listSchedules()).toEqual(
          [
            scheduleOf(otherApp, "nightly"),
            scheduleOf(webApp, "b", "/_w7s/schedules/b-moved"),
            scheduleOf(webApp, "c"),
          ].sort((left, right) => (left.id < right.id ? -1 : 1)),
        );
        expect(Option.isNone(yield* store.findQueue(queueOf(webApp, "jobs").queueName))).toBe(true);
        expect(Option.getOrThrow(yield* store.findQueue(queueOf(webApp, "events").queueName))).toEqual(
          queueOf(webApp, "events"),
        );
        expect(Option.isSome(yield* store.findQueue(queueOf(otherApp, "mail").queueName))).toBe(true);

        yield* store.switchDeployment(switchTo("d3", "d2"));
        expect((yield* store.listSchedules()).map((schedule) => schedule.repoSlug)).toEqual(["api"]);
        expect(Option.isNone(yield* store.findQueue(queueOf(webApp, "events").queueName))).toBe(true);
      }),
    );
  });

  it("finds event subscriptions by environment and subject, and replaces an app's as a set", async () => {
    const { layer } = backend.freshDatabase();
    const billing: AppRef = { environment: "production", orgSlug: "acme", repoSlug: "billing" };
    const branchBilling: AppRef = { ...billing, environment: "feature" };
    const partner: AppRef = { environment: "production", orgSlug: "partner", repoSlug: "crm" };
    await run(
      Effect.gen(function* () {
        const store = yield* open(layer());
        const created = { environment: "production", subject: "orders.created" };
        yield* store.switchDeployment(
          switchTo(
            "p1",
            null,
            { subscriptions: [subscriptionOf(partner, "orders.created", "in", ["acme"])] },
            partner,
          ),
        );
        yield* store.switchDeployment(
          switchTo(
            "b1",
            null,
            {
              subscriptions: [
                subscriptionOf(billing, "orders.created", "b"),
                subscriptionOf(billing, "orders.created", "a"),
                subscriptionOf(billing, "orders.cancelled", "a"),
              ],
            },
            billing,
          ),
        );
        yield* store.switchDeployment(
          switchTo(
            "f1",
            null,
            { subscriptions: [subscriptionOf(branchBilling, "orders.created", "a")] },
            branchBilling,
          ),
        );
        expect(yield* store.listSubscriptions(created)).toEqual([
          subscriptionOf(billing, "orders.created", "a"),
          subscriptionOf(billing, "orders.created", "b"),
          subscriptionOf(partner, "orders.created", "in", ["acme"]),
        ]);
        expect(yield* store.listSubscriptions({ environment: "feature", subject: "orders.created" })).toEqual(
          [subscriptionOf(branchBilling, "orders.created", "a")],
        );
        expect(yield* store.listSubscriptions({ ...created, subject: "orders.shipped" })).toEqual([]);

        yield* store.switchDeployment(
          switchTo(
            "b2",
            "b1",
            { subscriptions: [subscriptionOf(billing, "orders.cancelled", "a")] },
            billing,
          ),
        );
        expect((yield* store.listSubscriptions(created)).map((found) => found.repository)).toEqual([
          "partner/crm",
        ]);
        expect(yield* store.listSubscriptions({ ...created, subject: "orders.cancelled" })).toEqual([
          subscriptionOf(billing, "orders.cancelled", "a"),
        ]);
        yield* store.switchDeployment(switchTo("b3", "b2", {}, billing));
        expect(yield* store.listSubscriptions({ ...created, subject: "orders.cancelled" })).toEqual([]);
      }),
    );
  });

  it("claims and releases custom-domain routes per hostname and prefix", async () => {
    const { layer } = backend.freshDatabase();
    const otherApp: AppRef = { environment: "production", orgSlug: "acme", repoSlug: "blog" };
    await run(
      Effect.gen(function* () {
        const store = yield* open(layer());
        yield* store.switchDeployment(
          switchTo("blog1", null, { claimDomains: [domainOf(otherApp, "example.com", "/blog")] }, otherApp),
        );
        yield* store.switchDeployment(
          switchTo("d1", null, {
            claimDomains: [domainOf(webApp, "example.com"), domainOf(webApp, "example.com", "/docs")],
          }),
        );
        const byPrefix = (routes: ReadonlyArray<{ pathPrefix?: string; repoSlug: string }>) =>
          routes.map((route) => `${route.pathPrefix ?? "/"}=${route.repoSlug}`).sort();
        expect(byPrefix(yield* store.domainRoutes("example.com"))).toEqual([
          "/=web",
          "/blog=blog",
          "/docs=web",
        ]);
        expect(yield* store.domainRoutes("other.example.com")).toEqual([]);

        // The new deployment no longer claims /docs; releasing another app's route is not this app's to do.
        yield* store.switchDeployment(
          switchTo("d2", "d1", {
            claimDomains: [domainOf(webApp, "example.com"), domainOf(webApp, "www.example.com")],
            releaseDomains: [
              { hostname: "example.com", pathPrefix: "/docs" },
              { hostname: "example.com", pathPrefix: "/blog" },
            ],
          }),
        );
        expect(byPrefix(yield* store.domainRoutes("example.com"))).toEqual(["/=web", "/blog=blog"]);
        expect(yield* store.domainRoutes("www.example.com")).toEqual([domainOf(webApp, "www.example.com")]);
      }),
    );
  });

  it("keeps a history newest first, trims it to `retain`, and switches back to a stored record", async () => {
    const { layer } = backend.freshDatabase();
    const sleep = (ms: number) => Effect.promise(() => new Promise((done) => setTimeout(done, ms)));
    await run(
      Effect.gen(function* () {
        const store = yield* open(layer());
        const ids = (items: ReadonlyArray<{ deploymentId: string }>) =>
          items.map((item) => item.deploymentId);
        let previous: string | null = null;
        for (const id of ["h1", "h2", "h3", "h4"]) {
          yield* store.switchDeployment({ ...switchTo(id, previous), retain: 3 });
          previous = id;
          yield* sleep(3);
        }
        expect(ids(yield* store.history(webApp, 10))).toEqual(["h4", "h3", "h2"]);
        expect(ids(yield* store.history(webApp, 2))).toEqual(["h4", "h3"]);

        // A rollback: the stored record of h2 becomes live again, and stays where it was in the history.
        const h2 = (yield* store.history(webApp, 10))[2]!;
        yield* store.switchDeployment({
          ...switchTo("h2", "h4", { tokens: [tokenOf(webApp, "rpc", "rpc-h2")] }),
          record: h2.record,
          retain: 3,
        });
        expect(yield* currentId(store)).toBe("h2");
        expect(ids(yield* store.history(webApp, 10))).toEqual(["h4", "h3", "h2"]);

        // The live record is never trimmed, even when it is the oldest.
        yield* sleep(3);
        yield* store.switchDeployment({ ...switchTo("h5", "h2"), retain: 1 });
        expect(ids(yield* store.history(webApp, 10))).toEqual(["h5"]);
        expect(yield* store.history({ ...webApp, repoSlug: "nothing" }, 10)).toEqual([]);
      }),
    );
  });

  it("lists every retained deployment, a repository's live ones, and whether an owner has any", async () => {
    const { layer } = backend.freshDatabase();
    const dev: AppRef = { ...webApp, environment: "dev" };
    const blog: AppRef = { ...webApp, repoSlug: "blog" };
    await run(
      Effect.gen(function* () {
        const store = yield* open(layer());
        yield* store.switchDeployment(switchTo("a1", null));
        yield* store.switchDeployment(switchTo("a2", "a1"));
        yield* store.switchDeployment(switchTo("b1", null, {}, dev));
        yield* store.switchDeployment(switchTo("c1", null, {}, blog));
        const retained: string[] = [];
        let cursor: string | undefined;
        do {
          const page = yield* store.listRetained({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
          retained.push(...page.items.map((item) => item.deploymentId));
          cursor = page.cursor ?? undefined;
        } while (cursor !== undefined);
        expect(retained).toEqual(["a1", "a2", "b1", "c1"]);
        expect((yield* failureOf(store.listRetained({ limit: 2, cursor: "bogus!" }))).reason).toBe(
          "NotFound",
        );
        const live = yield* store.repoDeployments({ orgSlug: "acme", repoSlug: "web" });
        expect(live.map((item) => `${item.record.environment}=${item.deploymentId}`)).toEqual([
          "dev=b1",
          "production=a2",
        ]);
        expect(yield* store.ownerHasDeployments({ environment: "production", orgSlug: "acme" })).toBe(true);
        expect(yield* store.ownerHasDeployments({ environment: "staging", orgSlug: "acme" })).toBe(false);
        expect(yield* store.ownerHasDeployments({ environment: "production", orgSlug: "other" })).toBe(false);
      }),
    );
  });

  it("lists the routes one app holds", async () => {
    const { layer } = backend.freshDatabase();
    const blog: AppRef = { ...webApp, repoSlug: "blog" };
    await run(
      Effect.gen(function* () {
        const store = yield* open(layer());
        yield* store.switchDeployment(
          switchTo("d1", null, {
            claimDomains: [domainOf(webApp, "b.example.com"), domainOf(webApp, "a.example.com", "/x")],
          }),
        );
        yield* store.switchDeployment(
          switchTo("e1", null, { claimDomains: [domainOf(blog, "c.example.com")] }, blog),
        );
        expect(yield* store.appDomainRoutes(webApp)).toEqual([
          domainOf(webApp, "a.example.com", "/x"),
          domainOf(webApp, "b.example.com"),
        ]);
        expect(yield* store.appDomainRoutes({ ...webApp, environment: "dev" })).toEqual([]);
      }),
    );
  });

  it("shows one server's writes to another server on the same database", async () => {
    const { layer } = backend.freshDatabase();
    await run(
      Effect.gen(function* () {
        const first = yield* open(layer());
        const second = yield* open(layer());
        yield* first.switchDeployment(
          switchTo("d1", null, { claimDomains: [domainOf(webApp, "web.example.com")] }),
        );
        expect(yield* currentId(second)).toBe("d1");
        expect(Option.isSome(yield* second.findToken("rpc", "rpc-d1"))).toBe(true);
        expect(yield* second.domainRoutes("web.example.com")).toHaveLength(1);
        yield* second.switchDeployment(switchTo("d2", "d1"));
        expect(yield* currentId(first)).toBe("d2");
        expect(yield* failureReason(first.switchDeployment(switchTo("d3", "d1")))).toBe("Conflict");
      }),
    );
  });

  it("reports a stored record that no longer decodes as Corrupt, naming the operation", async () => {
    const database = backend.freshDatabase();
    await run(
      Effect.gen(function* () {
        const store = yield* open(database.layer());
        yield* store.switchDeployment(switchTo("d1", null));
      }),
    );
    await database.damageRecord("d1");
    await run(
      Effect.gen(function* () {
        const store = yield* open(database.layer());
        const error = yield* failureOf(store.current(webApp));
        expect({ reason: error.reason, operation: error.operation }).toEqual({
          reason: "Corrupt",
          operation: "DeploymentStore.current",
        });
        expect((yield* failureOf(store.listCurrent({ limit: 10 }))).reason).toBe("Corrupt");
      }),
    );
  });
});

describe("CachedDeployments: the deployment store's memory, without waiting", () => {
  it("on SQLite: NotCached until a record was decoded, then current's answer; a switch is seen at once", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-store-"));
    await run(
      Effect.gen(function* () {
        const context = yield* Layer.build(deploymentStoreLayer({ dataDir }));
        const store = Context.get(context, DeploymentStore);
        const cached = Context.get(context, CachedDeployments);
        expect(cached.current(webApp)).toBeUndefined();
        yield* store.switchDeployment(switchTo("d1", null));
        expect(cached.current(webApp)).toBe(NotCached);
        const current = Option.getOrThrow(yield* store.current(webApp));
        expect(cached.current(webApp)).toBe(current);
        yield* store.switchDeployment(switchTo("d2", "d1"));
        expect(cached.current(webApp)).toBe(NotCached);
        const next = Option.getOrThrow(yield* store.current(webApp));
        expect(next.deploymentId).toBe("d2");
        expect(cached.current(webApp)).toBe(next);
      }),
    );
  });

  it("on SQLite: custom-domain routes at once, and a switch that claims or releases them is seen at once", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-store-"));
    await run(
      Effect.gen(function* () {
        const context = yield* Layer.build(deploymentStoreLayer({ dataDir }));
        const store = Context.get(context, DeploymentStore);
        const cached = Context.get(context, CachedDeployments);
        expect(cached.domainRoutes("shop.example.com")).toEqual([]);
        yield* store.switchDeployment(
          switchTo("d1", null, { claimDomains: [domainOf(webApp, "shop.example.com")] }),
        );
        expect(cached.domainRoutes("shop.example.com")).toEqual([domainOf(webApp, "shop.example.com")]);
        expect(cached.domainRoutes("shop.example.com")).toBe(cached.domainRoutes("shop.example.com"));
        yield* store.switchDeployment(
          switchTo("d2", "d1", { releaseDomains: [{ hostname: "shop.example.com", pathPrefix: "/" }] }),
        );
        expect(cached.domainRoutes("shop.example.com")).toEqual([]);
        expect(yield* store.domainRoutes("shop.example.com")).toEqual([]);
      }),
    );
  });

  it("on Postgres: always NotCached, since other servers switch the pointers", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-store-"));
    const layer = deploymentStoreLayer({
      dataDir,
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: freshSchemaName(),
    });
    await run(
      Effect.gen(function* () {
        const context = yield* Layer.build(layer);
        yield* Context.get(context, DeploymentStore).switchDeployment(switchTo("d1", null));
        yield* Context.get(context, DeploymentStore).current(webApp);
        expect(Context.get(context, CachedDeployments).current(webApp)).toBe(NotCached);
        expect(Context.get(context, CachedDeployments).domainRoutes("shop.example.com")).toBe(NotCached);
      }),
    );
  });
});
