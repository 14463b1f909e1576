import { readFileSync } from "node:fs";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import {
  applyUsageEvent,
  checkUsageLimit,
  dailyLimitRejection,
  decideBurst,
  emptyRollup,
  mergePolicy,
  unitsUsed,
  usageDate,
} from "./index.js";

describe("README example", () => {
  it("runs as documented", () => {
    const now = new Date("2026-05-26T12:00:30.000Z");
    const target = { environment: "production", orgSlug: "acme", repoSlug: "shop" };
    const date = usageDate(now);

    const today = emptyRollup("repo", { ...target, date });
    const rollup = Result.getOrThrow(
      applyUsageEvent(today, { metric: "workflow.create", count: 8, at: now }),
    );

    const override = {
      version: 1,
      metrics: { "workflow.create": { dailyUnits: 10, warningThreshold: 0.5 } },
    };
    const policies = {
      repo: mergePolicy("repo", { repo: override }),
      owner: mergePolicy("owner", {}),
      global: mergePolicy("global", {}),
    };

    const used = { repo: unitsUsed(rollup, "workflow.create") };
    const check = checkUsageLimit({ ...target, metric: "workflow.create", date, units: 3, policies, used });
    const rejection = check?.wouldBlock ? dailyLimitRejection(check, now) : undefined;
    expect(rejection?.format === "json" && rejection.body.error).toBe(
      "Daily usage limit exceeded for workflow.create at repo scope (8/10 used, requested 3).",
    );
    expect(rejection?.retryAfterSeconds).toBe(43170);

    const burst = decideBurst({ ...target, metric: "workflow.create", now, counters: { repo: 8 } });
    expect(burst !== null && "increments" in burst && burst.increments[0]).toStrictEqual({
      key: "usage_rate:v1:2026-05-26t12-00-00-000z:60:repo:workflow-create:production:acme:shop",
      scope: "repo",
      newValue: 9,
      ttlSeconds: 120,
    });
  });

  it("shows the same code the test runs", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const line of [
      'const now = new Date("2026-05-26T12:00:30.000Z");',
      'const today = emptyRollup("repo", { ...target, date });',
      'const rollup = Result.getOrThrow(applyUsageEvent(today, { metric: "workflow.create", count: 8, at: now }));',
      'const override = { version: 1, metrics: { "workflow.create": { dailyUnits: 10, warningThreshold: 0.5 } } };',
      'const check = checkUsageLimit({ ...target, metric: "workflow.create", date, units: 3, policies, used });',
      "const rejection = check?.wouldBlock ? dailyLimitRejection(check, now) : undefined;",
      'const burst = decideBurst({ ...target, metric: "workflow.create", now, counters: { repo: 8 } });',
    ]) {
      expect(readme).toContain(line);
    }
  });
});
