import { Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyUsageEvent,
  checkUsageLimit,
  dailyLimitMessage,
  dailyLimitRejection,
  emptyRollup,
  type LimitScope,
  mergePolicy,
  type PolicyRecords,
  parseExemptOrgs,
  round4,
  type UsageLimitCheckInput,
  type UsageRollup,
  unitsUsed,
  usageStatus,
} from "./index.js";

const target = { environment: "production", orgSlug: "acme", repoSlug: "shop" };
const date = "2026-05-26";

const policiesWith = (records: PolicyRecords) => ({
  repo: mergePolicy("repo", records),
  owner: mergePolicy("owner", records),
  global: mergePolicy("global", records),
});

const input = (overrides: Partial<UsageLimitCheckInput>): UsageLimitCheckInput => ({
  ...target,
  metric: "workflow.create",
  date,
  policies: policiesWith({}),
  used: {},
  ...overrides,
});

describe("F.4 status", () => {
  it.each([
    [0, 10, 0.8, "ok"],
    [7, 10, 0.8, "ok"],
    [8, 10, 0.8, "warning"],
    [10, 10, 0.8, "warning"],
    [11, 10, 0.8, "exceeded"],
    [5, 10, 0.5, "warning"],
    [9, 10, 1, "ok"],
    [10, 10, 1, "warning"],
  ] as const)("%d of %d at threshold %d is %s", (used, limit, threshold, status) => {
    expect(usageStatus(used, limit, threshold)).toBe(status);
  });

  it.each([
    [0.004, 0.004],
    [1 / 3, 0.3333],
    [2 / 3, 0.6667],
    [1.00005, 1.0001],
  ])("round4(%d) is %d", (value, rounded) => {
    expect(round4(value)).toBe(rounded);
  });
});

describe("F.4 daily check", () => {
  it("reproduces the repo example: policy 10/0.5, used 8, request 3", () => {
    const policies = policiesWith({
      repo: { version: 1, metrics: { "workflow.create": { dailyUnits: 10, warningThreshold: 0.5 } } },
    });
    const check = checkUsageLimit(input({ policies, used: { repo: 8, owner: 8, global: 8 }, units: 3 }));
    expect(check).toStrictEqual({
      version: 1,
      mode: "enforce",
      enforcement: "hard",
      metric: "workflow.create",
      date,
      environment: "production",
      orgSlug: "acme",
      repoSlug: "shop",
      scope: "repo",
      used: 8,
      requestedUnits: 3,
      projectedUnits: 11,
      limit: 10,
      remaining: 2,
      usageRatio: 0.8,
      projectedUsageRatio: 1.1,
      status: "warning",
      projectedStatus: "exceeded",
      wouldBlock: true,
      source: "repo",
      policy: { metric: "workflow.create", dailyUnits: 10, warningThreshold: 0.5, source: "repo" },
    });
    expect(check && dailyLimitMessage(check)).toBe(
      "Daily usage limit exceeded for workflow.create at repo scope (8/10 used, requested 3).",
    );
  });

  it("reproduces the owner example: repo A 8 + repo B 4 against owner_total 10", () => {
    const at = new Date("2026-05-26T09:00:00.000Z");
    const record = (rollup: UsageRollup, count: number) =>
      Result.getOrThrow(applyUsageEvent(rollup, { metric: "runtime.request", count, at }));
    const ids = { environment: "production", orgSlug: "acme", date };
    const repoA = record(emptyRollup("repo", { ...ids, repoSlug: "a" }), 8);
    const owner = record(record(emptyRollup("owner", { ...ids, repoSlug: "a" }), 8), 4);
    const policies = policiesWith({ owner_total: { version: 1, metrics: { "runtime.request": 10 } } });
    const check = checkUsageLimit({
      ...target,
      repoSlug: "a",
      metric: "runtime.request",
      date,
      policies,
      used: {
        repo: unitsUsed(repoA, "runtime.request"),
        owner: unitsUsed(owner, "runtime.request"),
        global: 12,
      },
    });
    expect(check).toMatchObject({
      scope: "owner",
      used: 12,
      limit: 10,
      wouldBlock: true,
      source: "owner_total",
    });
    expect(check && dailyLimitMessage(check)).toBe(
      "Daily usage limit exceeded for runtime.request at owner scope (12/10 used, requested 1).",
    );
  });

  it("reports the global scope when only the platform total would go over", () => {
    const policies = policiesWith({ global_environment: { version: 1, metrics: { "ai.run": 100 } } });
    const check = checkUsageLimit(
      input({ metric: "ai.run", policies, used: { repo: 1, owner: 1, global: 100 } }),
    );
    expect(check).toMatchObject({
      scope: "global",
      used: 100,
      limit: 100,
      wouldBlock: true,
      source: "global_environment",
    });
    expect(check && dailyLimitMessage(check)).toBe(
      "Daily usage limit exceeded for ai.run at global scope (100/100 used, requested 1).",
    );
  });

  it("picks the first blocking scope in repo, owner, global order", () => {
    const policies = policiesWith({
      repo: { version: 1, metrics: { deploy: 5 } },
      owner_total: { version: 1, metrics: { deploy: 5 } },
    });
    expect(checkUsageLimit(input({ metric: "deploy", policies, used: { repo: 5, owner: 5 } }))?.scope).toBe(
      "repo",
    );
  });

  it("returns the repo check when nothing blocks", () => {
    const check = checkUsageLimit(input({ metric: "deploy", used: { repo: 3, owner: 30, global: 300 } }));
    expect(check).toMatchObject({
      scope: "repo",
      used: 3,
      projectedUnits: 4,
      limit: 50,
      remaining: 47,
      wouldBlock: false,
    });
    expect(check).toMatchObject({
      usageRatio: 0.06,
      projectedUsageRatio: 0.08,
      status: "ok",
      projectedStatus: "ok",
    });
  });

  it("reports remaining 0 rather than a negative number", () => {
    expect(checkUsageLimit(input({ metric: "ai.run", used: { repo: 150 } }))).toMatchObject({
      remaining: 0,
      status: "exceeded",
    });
  });

  it.each([
    [undefined, 1],
    [0, 1],
    [-4, 1],
    [0.5, 1],
    [Number.NaN, 1],
    [Number.POSITIVE_INFINITY, 1],
    [1, 1],
    [3.9, 3],
    [25, 25],
  ])("units %d ask for %d", (units, requested) => {
    const check = checkUsageLimit(input(units === undefined ? {} : { units }));
    expect(check?.requestedUnits).toBe(requested);
  });

  it.each([
    [-5, 0],
    [Number.NaN, 0],
    [7, 7],
  ])("a stored figure of %d counts as %d used", (used, counted) => {
    expect(checkUsageLimit(input({ used: { repo: used } }))?.used).toBe(counted);
  });

  it("accepts the docs' metric names", () => {
    expect(checkUsageLimit(input({ metric: "DB.Rows_Read" }))?.metric).toBe("d1.rows_read");
  });

  it("returns null for a metric with no policy", () => {
    expect(checkUsageLimit(input({ metric: "custom.metric" }))).toBeNull();
  });

  it("returns null for exempt owners, whatever their usage", () => {
    const exemptOrgs = parseExemptOrgs("Other, ACME");
    expect(checkUsageLimit(input({ exemptOrgs, used: { repo: 1e9, owner: 1e9, global: 1e9 } }))).toBeNull();
    expect(checkUsageLimit(input({ exemptOrgs: parseExemptOrgs("other") }))).not.toBeNull();
  });
});

describe("F.4 daily 429", () => {
  const blocked = checkUsageLimit(input({ metric: "deploy", used: { repo: 50 }, units: 2 }));
  if (blocked === null) throw new Error("expected a check");

  it("carries the exact message and the check", () => {
    const rejection = dailyLimitRejection(blocked, new Date("2026-05-26T23:00:00.000Z"));
    expect(rejection).toStrictEqual({
      status: 429,
      retryAfterSeconds: 3600,
      format: "json",
      body: {
        status: "error",
        error: "Daily usage limit exceeded for deploy at repo scope (50/50 used, requested 2).",
        details: { usageLimit: blocked },
      },
    });
  });

  it.each([
    ["2026-05-26T00:00:00.000Z", 86400],
    ["2026-05-26T12:00:00.000Z", 43200],
    ["2026-05-26T23:59:59.000Z", 1],
    ["2026-05-26T23:59:59.999Z", 1],
    ["2026-05-26T23:59:58.500Z", 2],
  ])("at %s retry-after is %i seconds", (now, seconds) => {
    expect(dailyLimitRejection(blocked, new Date(now)).retryAfterSeconds).toBe(seconds);
  });
});

describe("F.4 property: wouldBlock exactly when a scope would go over its limit", () => {
  const limit = fc.integer({ min: 1, max: 1_000_000 });
  it("never blocks within every limit and always blocks past one", () => {
    fc.assert(
      fc.property(
        fc.record({ repo: limit, owner: limit, global: limit }),
        fc.record({ repo: fc.nat(2_000_000), owner: fc.nat(2_000_000), global: fc.nat(2_000_000) }),
        fc.integer({ min: 1, max: 5000 }),
        (limits, used, units) => {
          const record = (scope: LimitScope) => ({ version: 1, metrics: { "queue.send": limits[scope] } });
          const policies = policiesWith({
            repo: record("repo"),
            owner_total: record("owner"),
            global: record("global"),
          });
          const check = checkUsageLimit(input({ metric: "queue.send", policies, used, units }));
          const over = (["repo", "owner", "global"] as const).filter(
            (scope) => used[scope] + units > limits[scope],
          );
          expect(check?.wouldBlock).toBe(over.length > 0);
          expect(check?.scope).toBe(over[0] ?? "repo");
        },
      ),
      { numRuns: 300 },
    );
  });
});
