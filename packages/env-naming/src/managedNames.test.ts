import { describe, expect, it } from "vitest";
import { hash7 } from "./hash.js";
import {
  assetPrefix,
  managedQueueName,
  managedResourceName,
  scheduleId,
  staticManifestKey,
  workflowInstanceId,
} from "./managedNames.js";

const demo = { environment: "production", owner: "w7s-io", repo: "demo" } as const;
const longScope = {
  environment: "production",
  owner: "some-organisation",
  repo: "a-very-long-repository-name",
};

describe("E.1 managedResourceName", () => {
  it.each([
    [{ ...demo, kind: "kv", binding: "CACHE" }, "w7s-production-w7s-io-demo-kv-cache"],
    [{ ...demo, kind: "r2", binding: "FILES" }, "w7s-production-w7s-io-demo-r2-files"],
    [{ ...demo, kind: "d1", binding: "DB" }, "w7s-production-w7s-io-demo-d1-db"],
    [
      { environment: "feature-x", owner: "My.Org", repo: "web_app", kind: "kv", binding: "a.b" },
      "w7s-feature-x-my-org-web-app-kv-a-b",
    ],
    // Only R2 bucket names are compacted: 55 chars, `-`, hash7 of the full name.
    [
      { ...longScope, kind: "kv", binding: "uploads" },
      "w7s-production-some-organisation-a-very-long-repository-name-kv-uploads",
    ],
    [
      { ...longScope, kind: "d1", binding: "uploads" },
      "w7s-production-some-organisation-a-very-long-repository-name-d1-uploads",
    ],
    [
      { ...longScope, kind: "r2", binding: "uploads" },
      "w7s-production-some-organisation-a-very-long-repository-0sy604h",
    ],
  ] as const)("%j -> %j", (input, expected) => {
    expect(managedResourceName(input)).toBe(expected);
  });

  it("compacts R2 names to exactly 63 characters with the hash of the full name", () => {
    const full = "w7s-production-some-organisation-a-very-long-repository-name-r2-uploads";
    const compact = managedResourceName({ ...longScope, kind: "r2", binding: "uploads" });
    expect(compact).toHaveLength(63);
    expect(compact).toBe(`${full.slice(0, 55)}-${hash7(full)}`);
  });

  it("keeps a 63-character R2 name as it is", () => {
    const repo = "r".repeat(63 - "w7s-production-w7s-io--r2-files".length);
    const name = managedResourceName({ ...demo, repo, kind: "r2", binding: "files" });
    expect(name).toBe(`w7s-production-w7s-io-${repo}-r2-files`);
    expect(name).toHaveLength(63);
  });
});

describe("E.4 managedQueueName", () => {
  it.each([
    [{ ...demo, queue: "jobs" }, "w7s-production-w7s-io-demo-queue-jobs"],
    [{ ...demo, queue: "Email.Out" }, "w7s-production-w7s-io-demo-queue-email-out"],
    [
      { ...longScope, queue: "background-jobs" },
      "w7s-production-some-organisation-a-very-long-repository-0hx2jdn",
    ],
    // The 55-char head ends in `-`, which is trimmed before the hash is appended.
    [{ ...demo, repo: "r".repeat(32), queue: "jobs" }, `w7s-production-w7s-io-${"r".repeat(32)}-1r78j0d`],
  ])("%j -> %j", (input, expected) => {
    expect(managedQueueName(input)).toBe(expected);
  });
});

describe("B.11 assetPrefix and static manifest key", () => {
  it.each([
    [{ ...demo, commitSha: "abc123" }, "static/v1/production/w7s-io/demo/abc123"],
    [{ ...demo, commitSha: `${"a".repeat(40)}bbb` }, `static/v1/production/w7s-io/demo/${"a".repeat(40)}`],
    [
      { environment: "feature-x", owner: "My.Org", repo: "web_app", commitSha: "ABC" },
      "static/v1/feature-x/my-org/web-app/abc",
    ],
  ])("%j -> %j", (input, expected) => {
    expect(assetPrefix(input)).toBe(expected);
  });

  it("names the static manifest after the asset prefix", () => {
    const prefix = assetPrefix({ ...demo, commitSha: "abc123" });
    expect(staticManifestKey({ ...demo, assetPrefix: prefix })).toBe(
      "static_manifest:v1:production:w7s-io:demo:static-v1-production-w7s-io-demo-abc123",
    );
  });
});

describe("E.5 scheduleId", () => {
  it.each([
    [{ ...demo, cron: "0 * * * *", path: "/cron" }, "production:w7s-io:demo:0eqlgma"],
    [{ ...demo, cron: "0 * * * *", path: "/other" }, `production:w7s-io:demo:${hash7("0 * * * *\0/other")}`],
    [
      { environment: "dev", owner: "My.Org", repo: "web_app", cron: "*/5 * * * *", path: "/t" },
      `dev:my-org:web-app:${hash7("*/5 * * * *\0/t")}`,
    ],
  ])("%j -> %j", (input, expected) => {
    expect(scheduleId(input)).toBe(expected);
  });
});

describe("E.6 workflowInstanceId", () => {
  const base = { ...demo, workflow: "process" };

  it.each([
    [
      "requested id, sanitized",
      { ...base, requested: "Order_42" },
      "production-w7s-io-demo-process-order-42",
    ],
    [
      "requested id cut to 40",
      { ...base, requested: "x".repeat(50) },
      `production-w7s-io-demo-process-${"x".repeat(40)}`,
    ],
    ["empty request -> hash7", { ...base, requested: "" }, "production-w7s-io-demo-process-1ddsohi"],
    ["blank request -> hash7", { ...base, requested: "  " }, "production-w7s-io-demo-process-1ddsohi"],
    ["no request -> hash7", base, "production-w7s-io-demo-process-1ddsohi"],
  ])("%s", (_name, input, expected) => {
    expect(workflowInstanceId(input)).toBe(expected);
  });

  it("shortens ids over 100 characters to prefix head, hash7 and suffix, cut to 100", () => {
    const input = {
      environment: "feature-very-long-branch-name-for-testing",
      owner: "some-organisation",
      repo: "a-very-long-repository-name",
      workflow: "process-orders",
      requested: "0d6f4c1e-8d1b-4bb8-9a39-1f2d9c5e7a10",
    };
    const id = workflowInstanceId(input);
    expect(id).toBe(
      "feature-very-long-branch-name-for-testing-some-organisatio-1nlp3hr-0d6f4c1e-8d1b-4bb8-9a39-1f2d9c5e7",
    );
    expect(id).toHaveLength(100);
  });

  it("keeps ids of exactly 100 characters", () => {
    const repo = "r".repeat(33); // prefix 59 chars + `-` + 40-char suffix = 100
    const requested = "q".repeat(40);
    const id = workflowInstanceId({ ...base, repo, requested });
    expect(id).toBe(`production-w7s-io-${repo}-process-${requested}`);
    expect(id).toHaveLength(100);
  });
});
