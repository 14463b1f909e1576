import { Result } from "effect";
import { describe, expect, it } from "vitest";
import {
  applyUsageEvent,
  emptyRollup,
  type UsageEvent,
  type UsageRollup,
  unitsUsed,
  usageRollupKey,
} from "./index.js";

const ids = {
  environment: "production",
  orgSlug: "w7s-io",
  repoSlug: "example-workflows",
  date: "2026-05-26",
};
const at = new Date("2026-05-26T12:00:00.000Z");

const apply = (rollup: UsageRollup, event: UsageEvent): UsageRollup =>
  Result.getOrThrow(applyUsageEvent(rollup, event));

describe("F.2 rollup keys", () => {
  it.each([
    ["repo", "usage_daily:v1:2026-05-26:production:w7s-io:example-workflows"],
    ["owner", "usage_owner_daily:v1:2026-05-26:production:w7s-io"],
    ["global", "usage_global_daily:v1:2026-05-26:production"],
  ] as const)("%s -> %s", (scope, key) => {
    expect(usageRollupKey(scope, ids)).toBe(key);
  });

  it("puts names through sanitizeScriptPart", () => {
    expect(
      usageRollupKey("repo", { ...ids, environment: "Feature_X", orgSlug: "My.Org", repoSlug: "Main/" }),
    ).toBe("usage_daily:v1:2026-05-26:feature-x:my-org:main-");
  });
});

describe("F.2 empty rollups", () => {
  it.each([
    ["repo", "w7s-io", "example-workflows", "w7s-io/example-workflows"],
    ["owner", "w7s-io", "*", "w7s-io/*"],
    ["global", "*", "*", "*/*"],
  ] as const)("%s scope is %s / %s (%s)", (scope, orgSlug, repoSlug, repository) => {
    expect(emptyRollup(scope, ids)).toStrictEqual({
      version: 1,
      date: "2026-05-26",
      orgSlug,
      repoSlug,
      environment: "production",
      repository,
      metrics: {},
      updatedAt: null,
    });
  });

  it("keeps the event's repository name at repo scope", () => {
    expect(emptyRollup("repo", { ...ids, repository: "W7S-io/Example-Workflows" }).repository).toBe(
      "W7S-io/Example-Workflows",
    );
  });
});

describe("F.2 applying usage events", () => {
  it("reproduces the spec example: queue.delivery success 3 then error 1", () => {
    const once = apply(emptyRollup("repo", ids), {
      metric: "queue.delivery",
      count: 3,
      outcome: "success",
      at,
    });
    const twice = apply(once, { metric: "queue.delivery", count: 1, outcome: "error", at });
    expect(twice.metrics["queue.delivery"]).toStrictEqual({
      count: 4,
      units: 4,
      success: 3,
      error: 1,
      lastAt: "2026-05-26T12:00:00.000Z",
    });
    expect(twice.updatedAt).toBe("2026-05-26T12:00:00.000Z");
  });

  it.each([
    ["count defaults to 1", {}, { count: 1, units: 1, success: 1, error: 0 }],
    ["units default to count", { count: 5 }, { count: 5, units: 5, success: 5, error: 0 }],
    ["units may differ from count", { count: 2, units: 40 }, { count: 2, units: 40, success: 2, error: 0 }],
    ["zero units are kept", { units: 0 }, { count: 1, units: 0, success: 1, error: 0 }],
    ["a zero count counts as 1", { count: 0 }, { count: 1, units: 1, success: 1, error: 0 }],
    ["a negative count counts as 1", { count: -3 }, { count: 1, units: 1, success: 1, error: 0 }],
    ["a NaN count counts as 1", { count: Number.NaN }, { count: 1, units: 1, success: 1, error: 0 }],
    [
      "negative units fall back to count",
      { count: 2, units: -1 },
      { count: 2, units: 2, success: 2, error: 0 },
    ],
    [
      "an error outcome counts as error",
      { count: 2, outcome: "error" },
      { count: 2, units: 2, success: 0, error: 2 },
    ],
  ] as const)("%s", (_, fields, expected) => {
    const rollup = apply(emptyRollup("repo", ids), { metric: "log.write", at, ...fields });
    expect(rollup.metrics["log.write"]).toStrictEqual({ ...expected, lastAt: "2026-05-26T12:00:00.000Z" });
  });

  it("sets source only when an event provides one, and keeps it afterwards", () => {
    const first = apply(emptyRollup("repo", ids), { metric: "kv.read", at, units: 10, source: "cloudflare" });
    expect(first.metrics["kv.read"]?.source).toBe("cloudflare");
    const second = apply(first, { metric: "kv.read", at: at.getTime() + 1000 });
    expect(second.metrics["kv.read"]).toStrictEqual({
      count: 2,
      units: 11,
      success: 2,
      error: 0,
      lastAt: "2026-05-26T12:00:01.000Z",
      source: "cloudflare",
    });
    const third = apply(second, { metric: "kv.read", at, source: "cloudflare_estimated" });
    expect(third.metrics["kv.read"]?.source).toBe("cloudflare_estimated");
  });

  it("records trimmed, lowercased names and stores the docs' aliases under the code's name", () => {
    let rollup = apply(emptyRollup("repo", ids), { metric: " Custom.Metric ", at });
    rollup = apply(rollup, { metric: "db.rows_read", units: 7, at });
    rollup = apply(rollup, { metric: "d1.rows_read", units: 3, at });
    expect(Object.keys(rollup.metrics)).toStrictEqual(["custom.metric", "d1.rows_read"]);
    expect(unitsUsed(rollup, "d1.rows_read")).toBe(10);
    expect(unitsUsed(rollup, "db.rows_read")).toBe(10);
  });

  it("does not change the rollup it was given", () => {
    const empty = emptyRollup("repo", ids);
    apply(empty, { metric: "deploy", at });
    expect(empty.metrics).toStrictEqual({});
  });

  it.each([
    ["metric", { metric: "9lives", at }, "Usage metric name is not valid."],
    ["metric", { metric: "", at }, "Usage metric name is not valid."],
    ["metric", { metric: "has space", at }, "Usage metric name is not valid."],
    ["at", { metric: "deploy", at: new Date(Number.NaN) }, "Usage event time is not a valid instant."],
    ["at", { metric: "deploy", at: Number.POSITIVE_INFINITY }, "Usage event time is not a valid instant."],
    [
      "at",
      { metric: "deploy", at: new Date("2026-05-27T00:00:00.000Z") },
      "Usage event does not fall on the rollup's date.",
    ],
  ] as const)("rejects a bad %s: %s", (path, event, message) => {
    const result = applyUsageEvent(emptyRollup("repo", ids), event);
    expect(Result.isFailure(result) && result.failure).toMatchObject({
      _tag: "InvalidUsageEvent",
      path,
      message,
    });
  });
});

describe("unitsUsed", () => {
  it.each([
    [undefined, "deploy", 0],
    [null, "deploy", 0],
    [emptyRollup("repo", ids), "deploy", 0],
    [emptyRollup("repo", ids), "constructor", 0],
  ])("reads 0 when nothing is recorded (%#)", (rollup, metric, expected) => {
    expect(unitsUsed(rollup, metric)).toBe(expected);
  });
});
