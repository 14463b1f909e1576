import { describe, expect, it } from "vitest";
import {
  emptyRollup,
  evaluateUsageLimits,
  METRICS,
  mergePolicy,
  type UsageRollup,
  usageWarningMessage,
} from "./index.js";

const rollupWith = (metrics: Record<string, number>): UsageRollup => ({
  ...emptyRollup("repo", {
    environment: "production",
    orgSlug: "acme",
    repoSlug: "shop",
    date: "2026-05-26",
  }),
  metrics: Object.fromEntries(
    Object.entries(metrics).map(([metric, units]) => [
      metric,
      { count: units, units, success: units, error: 0, lastAt: "2026-05-26T12:00:00.000Z" },
    ]),
  ),
});

describe("F.5 evaluation for reporting", () => {
  it("warns at 900/1000 and reports exceeded at 10001/10000", () => {
    const evaluation = evaluateUsageLimits(
      mergePolicy("repo", {}),
      rollupWith({ "runtime.request": 10001, "workflow.create": 900, "kv.read": 10 }),
    );
    expect(evaluation.metrics["workflow.create"]).toStrictEqual({
      metric: "workflow.create",
      used: 900,
      limit: 1000,
      remaining: 100,
      usageRatio: 0.9,
      status: "warning",
      source: "default",
    });
    expect(evaluation.metrics["runtime.request"]).toStrictEqual({
      metric: "runtime.request",
      used: 10001,
      limit: 10000,
      remaining: 0,
      usageRatio: 1.0001,
      status: "exceeded",
      source: "default",
    });
    expect(evaluation.metrics["kv.read"]).toMatchObject({ used: 10, usageRatio: 0.001, status: "ok" });
    expect(evaluation.warnings).toStrictEqual([
      {
        metric: "runtime.request",
        status: "exceeded",
        used: 10001,
        limit: 10000,
        remaining: 0,
        message: "runtime.request exceeded the daily limit (10001/10000).",
      },
      {
        metric: "workflow.create",
        status: "warning",
        used: 900,
        limit: 1000,
        remaining: 100,
        message: "workflow.create is approaching the daily limit (900/1000).",
      },
    ]);
  });

  it("reports every metric, in metric order, with nothing used when there is no rollup", () => {
    const evaluation = evaluateUsageLimits(mergePolicy("repo", {}), null);
    expect(Object.keys(evaluation.metrics)).toStrictEqual([...METRICS]);
    expect(evaluation).toMatchObject({ version: 1, period: "daily", mode: "enforce", warnings: [] });
    expect(evaluation.metrics["workflow.create"]).toMatchObject({ used: 0, remaining: 1000, usageRatio: 0 });
  });

  it("uses the policy's threshold and source", () => {
    const policy = mergePolicy("repo", {
      repo: { version: 1, metrics: { "ai.run": { warningThreshold: 0.5 } } },
    });
    const evaluation = evaluateUsageLimits(policy, rollupWith({ "ai.run": 50 }));
    expect(evaluation.warnings).toStrictEqual([
      {
        metric: "ai.run",
        status: "warning",
        used: 50,
        limit: 100,
        remaining: 50,
        message: "ai.run is approaching the daily limit (50/100).",
      },
    ]);
    expect(evaluation.metrics["ai.run"].source).toBe("repo");
  });

  it.each([
    ["exceeded", "deploy exceeded the daily limit (51/50)."],
    ["warning", "deploy is approaching the daily limit (51/50)."],
  ] as const)("the %s message", (status, message) => {
    expect(usageWarningMessage("deploy", status, 51, 50)).toBe(message);
  });
});
