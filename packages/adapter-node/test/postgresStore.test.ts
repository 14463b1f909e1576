import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { type DeploymentRecord, DeploymentStore, type DeploymentSwitch } from "@w7s/core";
import { Context, Effect, Layer, Option } from "effect";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresDeploymentStoreLayer } from "../src/index.js";

const DATABASE_URL = process.env["W7S_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `w7s_test_${randomBytes(6).toString("hex")}`;

/** Starts the machine's PostgreSQL when it is down (see the machine notes); fails loudly if it cannot. */
const ensurePostgres = async () => {
  const probe = postgres(DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await probe`select 1`;
  } catch {
    execFileSync("sh", ["-c", "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"], {
      stdio: "ignore",
    });
    await probe`select 1`;
  } finally {
    await probe.end({ timeout: 1 });
  }
};

beforeAll(ensurePostgres, 30_000);
afterAll(async () => {
  const admin = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop schema if exists "${schema}" cascade`);
  await admin.end({ timeout: 1 });
});

const app = { environment: "production", orgSlug: "acme", repoSlug: "web" };
const record = (sha: string): DeploymentRecord => ({
  version: 1,
  orgSlug: "acme",
  repoSlug: "web",
  sourceRepoSlug: "web",
  application: "web",
  environment: "production",
  repository: "acme/web",
  branch: "main",
  commitSha: sha,
  deployedAt: "2026-11-22T00:00:00.000Z",
  targets: {},
});
const change = (deploymentId: string, replaces: string | null): DeploymentSwitch => ({
  app,
  deploymentId,
  replaces,
  record: record(deploymentId),
  tokens: [
    {
      version: 1,
      kind: "rpc",
      tokenHash: `hash-${deploymentId}`,
      orgSlug: "acme",
      repoSlug: "web",
      environment: "production",
      repository: "acme/web",
      deployedAt: "2026-11-22T00:00:00.000Z",
    },
  ],
  schedules: [],
  queues: [],
  claimDomains: [],
  releaseDomains: [],
});

/** One server's store, open until the surrounding scope closes. */
const server = () =>
  Layer.build(postgresDeploymentStoreLayer({ databaseUrl: DATABASE_URL, schema })).pipe(
    Effect.map((context) => Context.get(context, DeploymentStore)),
  );

describe("Postgres DeploymentStore", () => {
  it("is shared by two servers, and only one of two racing switches wins", async () => {
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const [first, second] = yield* Effect.all([server(), server()]);
          yield* first.switchDeployment(change("d1", null));
          expect(Option.getOrThrow(yield* second.current(app)).deploymentId).toBe("d1");
          expect(Option.isSome(yield* second.findToken("rpc", "hash-d1"))).toBe(true);
          const race = yield* Effect.all(
            [first.switchDeployment(change("d2", "d1")), second.switchDeployment(change("d3", "d1"))].map(
              Effect.result,
            ),
            { concurrency: "unbounded" },
          );
          expect(race.filter((result) => result._tag === "Success")).toHaveLength(1);
          const winner = race[0]!._tag === "Success" ? "d2" : "d3";
          expect(Option.getOrThrow(yield* first.current(app)).deploymentId).toBe(winner);
          expect(Option.getOrThrow(yield* second.current(app)).deploymentId).toBe(winner);
          const page = yield* first.listCurrent({ limit: 10 });
          expect(page.items.map((item) => item.deploymentId)).toEqual([winner]);
        }),
      ),
    );
  }, 30_000);
});
