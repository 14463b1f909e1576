import { Clock, Effect, Layer, Result } from "effect";
import { beforeEach, describe, expect, it } from "vitest";
import { type MemoryUsage, makeMemoryUsage, memoryUsageLayer } from "../../test/memoryUsage.js";
import { manualClock } from "../../test/testClock.js";
import {
  deletePolicyOverride,
  overrideKey,
  POLICY_SCOPES,
  policyOverview,
  setPolicyOverride,
} from "./policyOverrides.js";

let usage: MemoryUsage;
beforeEach(() => {
  usage = makeMemoryUsage();
});
const run = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.runPromise(
    Effect.result(effect).pipe(
      Effect.provide(
        Layer.provideMerge(
          memoryUsageLayer(usage),
          Layer.succeed(Clock.Clock, manualClock(Date.parse("2026-05-26T00:00:00.000Z"))),
        ),
      ),
    ) as never,
  ) as Promise<{ _tag: "Success"; success: A } | { _tag: "Failure"; failure: E }>;

describe("F.3 operator overrides", () => {
  it.each([
    ["owner", { owner: "W7S-IO" }, "usage_limit_policy:v1:owner:w7s-io"],
    [
      "owner_environment",
      { owner: "acme", environment: "staging" },
      "usage_limit_policy:v1:owner_environment:staging:acme",
    ],
    ["repo", { owner: "acme", repo: "Shop" }, "usage_limit_policy:v1:repo:acme:shop"],
    [
      "repo_environment",
      { owner: "acme", repo: "shop", environment: "preview" },
      "usage_limit_policy:v1:repo_environment:preview:acme:shop",
    ],
    ["owner_total", { owner: "acme" }, "usage_limit_policy:v1:owner_total:acme"],
    [
      "owner_total_environment",
      { owner: "acme", environment: "production" },
      "usage_limit_policy:v1:owner_total_environment:production:acme",
    ],
    ["global", {}, "usage_limit_policy:v1:global"],
    [
      "global_environment",
      { environment: "production" },
      "usage_limit_policy:v1:global_environment:production",
    ],
  ] as const)("scope %s keys %s", (scope, target, key) => {
    expect(Result.getOrThrow(overrideKey(scope, target))).toBe(key);
  });

  it("lists the eight scopes in reading order", () => {
    expect(POLICY_SCOPES).toHaveLength(8);
  });

  it("refuses a scope without the names it needs", () => {
    expect(overrideKey("repo", { owner: "acme" })).toMatchObject({
      failure: { message: "Scope repo needs --repo." },
    });
    expect(overrideKey("global_environment", {})).toMatchObject({
      failure: { message: "Scope global_environment needs --environment." },
    });
  });

  it("sets fields of one metric, keeps the others, resolves docs aliases, then deletes", async () => {
    const target = { owner: "acme", repo: "shop" };
    await run(setPolicyOverride({ scope: "repo", target, metric: "runtime.request", dailyUnits: 5 }));
    await run(setPolicyOverride({ scope: "repo", target, metric: "runtime.request", warningThreshold: 0.5 }));
    await run(setPolicyOverride({ scope: "repo", target, metric: "db.rows_read", dailyUnits: 10.7 }));
    expect(usage.policies.get("usage_limit_policy:v1:repo:acme:shop")).toEqual({
      version: 1,
      metrics: {
        "runtime.request": { dailyUnits: 5, warningThreshold: 0.5 },
        "d1.rows_read": { dailyUnits: 10 },
      },
      updatedAt: "2026-05-26T00:00:00.000Z",
    });
    const overview = await run(
      policyOverview({ environment: "production", orgSlug: "acme", repoSlug: "shop" }),
    );
    expect(overview._tag === "Success" && overview.success.limits.policy["runtime.request"]).toEqual({
      metric: "runtime.request",
      dailyUnits: 5,
      warningThreshold: 0.5,
      source: "repo",
    });
    await run(deletePolicyOverride({ scope: "repo", target, metric: "runtime.request" }));
    expect(usage.policies.get("usage_limit_policy:v1:repo:acme:shop")).toMatchObject({
      metrics: { "d1.rows_read": { dailyUnits: 10 } },
    });
    await run(deletePolicyOverride({ scope: "repo", target, metric: "d1.rows_read" }));
    expect(usage.policies.has("usage_limit_policy:v1:repo:acme:shop")).toBe(false);
  });

  it.each([
    [{ metric: "nope", dailyUnits: 1 }, "Unknown metric nope."],
    [{ metric: "deploy", dailyUnits: 0 }, "--daily-units must be a number of at least 1."],
    [
      { metric: "deploy", warningThreshold: 1.5 },
      "--warning-threshold must be greater than 0 and at most 1.",
    ],
    [{ metric: "deploy" }, "Give --daily-units, --warning-threshold or both."],
  ])("refuses %o", async (change, message) => {
    const result = await run(setPolicyOverride({ scope: "global", target: {}, ...change }));
    expect(result).toMatchObject({ _tag: "Failure", failure: { message } });
    expect(usage.policies.size).toBe(0);
  });
});
