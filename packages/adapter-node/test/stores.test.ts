import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssetStore, type DeploymentRecord, DeploymentStore, type DeploymentSwitch } from "@w7s/core";
import { Effect, Layer, Option } from "effect";
import { describe, expect, it } from "vitest";
import { assetStoreLayer, deploymentStoreLayer } from "../src/index.js";

const app = { environment: "production", orgSlug: "acme", repoSlug: "web" };
const record = (sha: string): DeploymentRecord => ({
  version: 1,
  orgSlug: "acme",
  repoSlug: "web",
  sourceRepoSlug: "web",
  application: "web",
  environment: "production",
  repository: "Acme/Web",
  branch: "main",
  commitSha: sha,
  deployedAt: "2026-11-22T00:00:00.000Z",
  targets: {},
});
const change = (deploymentId: string, replaces: string | null, sha = deploymentId): DeploymentSwitch => ({
  app,
  deploymentId,
  replaces,
  record: record(sha),
  tokens: [],
  schedules: [
    {
      version: 1,
      id: `production:acme:web:${sha}`,
      cron: "* * * * *",
      path: "/tick",
      orgSlug: "acme",
      repoSlug: "web",
      environment: "production",
      repository: "Acme/Web",
      deployedAt: "2026-11-22T00:00:00.000Z",
    },
  ],
  queues: [],
  claimDomains: [],
  releaseDomains: [],
});

const withStores = <A, E>(dataDir: string, body: Effect.Effect<A, E, DeploymentStore | AssetStore>) =>
  Effect.runPromise(
    Effect.scoped(
      body.pipe(
        Effect.provide(Layer.mergeAll(deploymentStoreLayer({ dataDir }), assetStoreLayer({ dataDir }))),
      ),
    ),
  );

describe("embedded DeploymentStore (SQLite)", () => {
  it("switches atomically, refuses a stale `replaces`, and survives a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-store-"));
    await withStores(
      dataDir,
      Effect.gen(function* () {
        const store = yield* DeploymentStore;
        expect(Option.isNone(yield* store.current(app))).toBe(true);
        yield* store.switchDeployment(change("d1", null));
        const conflict = yield* Effect.result(store.switchDeployment(change("d2", null)));
        expect(conflict._tag === "Failure" && conflict.failure.reason).toBe("Conflict");
        yield* store.switchDeployment(change("d3", "d1"));
        const schedules = yield* store.listSchedules();
        expect(schedules.map((schedule) => schedule.id)).toEqual(["production:acme:web:d3"]);
      }),
    );
    await withStores(
      dataDir,
      Effect.gen(function* () {
        const current = yield* (yield* DeploymentStore).current(app);
        expect(Option.getOrThrow(current)).toMatchObject({ deploymentId: "d3", record: { commitSha: "d3" } });
      }),
    );
  });

  it("lets exactly one of two concurrent switches from the same state win", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-store-"));
    await withStores(
      dataDir,
      Effect.gen(function* () {
        const store = yield* DeploymentStore;
        const results = yield* Effect.all(
          [store.switchDeployment(change("a", null)), store.switchDeployment(change("b", null))].map(
            Effect.result,
          ),
          { concurrency: "unbounded" },
        );
        expect(results.filter((result) => result._tag === "Success")).toHaveLength(1);
      }),
    );
  });
});

describe("content-addressed AssetStore", () => {
  it("stores identical files once, reads ranges, and never lets a key name a path", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "w7s-assets-"));
    await withStores(
      dataDir,
      Effect.gen(function* () {
        const assets = yield* AssetStore;
        const body = new TextEncoder().encode("hello, static world");
        const metadata = { contentType: "text/plain; charset=utf-8", etag: "e1" };
        yield* assets.putObject("static/v1/a/index.txt", body, metadata);
        yield* assets.putObject("static/v1/b/index.txt", body, metadata);
        yield* assets.putObject("../../../../tmp/escape.txt", body, metadata);
        const blobs = readdirSync(join(dataDir, "blobs"), { recursive: true, withFileTypes: true }).filter(
          (entry) => entry.isFile(),
        );
        expect(blobs).toHaveLength(1);
        const range = Option.getOrThrow(
          yield* assets.getObject("static/v1/b/index.txt", { offset: 7, length: 6 }),
        );
        expect({ text: new TextDecoder().decode(range.body), size: range.size }).toEqual({
          text: "static",
          size: 19,
        });
        yield* assets.deleteObjects(["static/v1/a/index.txt"]);
        expect(Option.isSome(yield* assets.getObject("static/v1/b/index.txt"))).toBe(true);
        yield* assets.deleteObjects(["static/v1/b/index.txt", "../../../../tmp/escape.txt"]);
        const left = readdirSync(join(dataDir, "blobs"), { recursive: true, withFileTypes: true }).filter(
          (entry) => entry.isFile(),
        );
        expect(left).toHaveLength(0);
      }),
    );
  });
});
