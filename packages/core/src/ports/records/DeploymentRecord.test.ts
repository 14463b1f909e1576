import { Result, Schema } from "effect";
import { describe, expect, it } from "vitest";
import { DeploymentRecord } from "./DeploymentRecord.js";

const record: DeploymentRecord = {
  version: 1,
  orgSlug: "w7s-io",
  repoSlug: "demo",
  sourceRepoSlug: "demo",
  application: "demo",
  environment: "production",
  repository: "W7S-io/Demo",
  branch: "main",
  commitSha: "abc123",
  deployedAt: "2026-05-25T12:10:42.000Z",
  customDomains: ["demo.example.com", "example.com/demo"],
  routing: { defaultDomain: false, customDomainBranchMode: "direct" },
  bindings: {
    kv: [{ binding: "CACHE", name: "w7s-production-w7s-io-demo-kv-cache", namespaceId: "ns1" }],
    d1: [
      { binding: "DB", name: "w7s-production-w7s-io-demo-d1-db", databaseId: "db1", migrationsApplied: 2 },
    ],
    vars: ["PUBLIC_API_KEY"],
    secrets: ["PRIVATE_API_KEY"],
  },
  ai: { binding: "W7S_AI", tokenHash: "h-ai" },
  rpc: { binding: "W7S_RPC", tokenHash: "h-rpc", allow: ["w7s-io"] },
  queue: {
    binding: "W7S_QUEUE",
    tokenHash: "h-queue",
    allow: [],
    queues: [
      {
        name: "jobs",
        queueName: "w7s-production-w7s-io-demo-queue-jobs",
        queueId: "q1",
        consumer: "/_w7s/queues/jobs",
      },
    ],
  },
  workflow: {
    binding: "W7S_WORKFLOW",
    tokenHash: "h-wf",
    allow: [],
    workflows: [{ name: "process-order", path: "/_w7s/workflows/process-order" }],
  },
  schedules: [{ cron: "*/5 * * * *", path: "/_w7s/schedules/sync" }],
  targets: {
    worker: {
      namespace: "w7s-isolate",
      scriptName: "w7s-io--demo--production--abc123",
      entrypoint: "worker/index.ts",
      compatibilityDate: "2026-05-23",
      startupTimeMs: null,
      tags: ["w7s"],
    },
    static: {
      manifestKey: "static_manifest:v1:production:w7s-io:demo:static-v1-production-w7s-io-demo-abc123",
      assetPrefix: "static/v1/production/w7s-io/demo/abc123",
      fileCount: 3,
      totalSize: 2048,
      hasIndex: true,
    },
  },
};

const fromJson = Schema.fromJsonString(DeploymentRecord);

describe("B.12 deployment record schema", () => {
  it("round-trips through its stored JSON form unchanged", () => {
    const json = Schema.encodeSync(fromJson)(record);
    expect(JSON.parse(json)).toEqual(record);
    expect(Schema.decodeUnknownSync(fromJson)(json)).toEqual(record);
  });

  it("accepts a static-only record with no optional sections", () => {
    const minimal = {
      version: 1,
      orgSlug: "acme",
      repoSlug: "site",
      sourceRepoSlug: "site",
      application: "site",
      environment: "feature-x",
      repository: "acme/site",
      branch: "feature/x",
      commitSha: "def",
      deployedAt: "2026-05-25T00:00:00.000Z",
      targets: {},
    };
    expect(Schema.decodeUnknownSync(DeploymentRecord)(minimal)).toEqual(minimal);
  });

  it.each<[string, unknown]>([
    ["another version", { ...record, version: 2 }],
    ["no targets", { ...record, targets: undefined }],
    ["a wrong platform binding name", { ...record, rpc: { binding: "RPC", tokenHash: "h", allow: [] } }],
    [
      "a non-direct branch mode",
      { ...record, routing: { defaultDomain: true, customDomainBranchMode: "prefixed" } },
    ],
  ])("rejects a record with %s", (_label, input) => {
    expect(Result.isFailure(Schema.decodeUnknownResult(DeploymentRecord)(input))).toBe(true);
  });
});
