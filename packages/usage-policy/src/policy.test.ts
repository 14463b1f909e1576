import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_DAILY_LIMITS,
  defaultPolicy,
  effectivePolicyDocument,
  GLOBAL_DEFAULT_DAILY_LIMITS,
  METRICS,
  mergePolicy,
  OWNER_DEFAULT_DAILY_LIMITS,
  parseOverrideRecord,
  policyKey,
  policyLookups,
} from "./index.js";

const target = { environment: "production", orgSlug: "w7s-io", repoSlug: "example-workflows" };

describe("F.3 override record keys", () => {
  it.each([
    ["owner", "usage_limit_policy:v1:owner:w7s-io"],
    ["owner_environment", "usage_limit_policy:v1:owner_environment:production:w7s-io"],
    ["repo", "usage_limit_policy:v1:repo:w7s-io:example-workflows"],
    ["repo_environment", "usage_limit_policy:v1:repo_environment:production:w7s-io:example-workflows"],
    ["owner_total", "usage_limit_policy:v1:owner_total:w7s-io"],
    ["owner_total_environment", "usage_limit_policy:v1:owner_total_environment:production:w7s-io"],
    ["global", "usage_limit_policy:v1:global"],
    ["global_environment", "usage_limit_policy:v1:global_environment:production"],
  ] as const)("%s -> %s", (scope, key) => {
    expect(policyKey(scope, target)).toBe(key);
  });

  it("puts names through sanitizeScriptPart", () => {
    expect(
      policyKey("repo_environment", { environment: "Staging", orgSlug: "My_Org", repoSlug: "app.js" }),
    ).toBe("usage_limit_policy:v1:repo_environment:staging:my-org:app-js");
  });

  it.each([
    ["repo", ["owner", "owner_environment", "repo", "repo_environment"]],
    ["owner", ["owner_total", "owner_total_environment"]],
    ["global", ["global", "global_environment"]],
  ] as const)("the %s family reads its scopes in order", (family, scopes) => {
    const lookups = policyLookups(family, target);
    expect(lookups.map((lookup) => lookup.scope)).toStrictEqual(scopes);
    expect(lookups.map((lookup) => lookup.key)).toStrictEqual(
      scopes.map((scope) => policyKey(scope, target)),
    );
  });
});

describe("F.3 override records are read leniently", () => {
  it.each([
    ["a number is shorthand for dailyUnits", { "queue.send": 25000 }, { dailyUnits: 25000 }],
    ["dailyUnits is floored", { "queue.send": { dailyUnits: 12.9 } }, { dailyUnits: 12 }],
    ["a floored shorthand", { "queue.send": 7.5 }, { dailyUnits: 7 }],
    [
      "both fields",
      { "queue.send": { dailyUnits: 5000, warningThreshold: 0.7 } },
      { dailyUnits: 5000, warningThreshold: 0.7 },
    ],
    ["threshold 1 is allowed", { "queue.send": { warningThreshold: 1 } }, { warningThreshold: 1 }],
    ["zero units are ignored", { "queue.send": 0 }, {}],
    ["negative units are ignored", { "queue.send": { dailyUnits: -5 } }, {}],
    ["units below one are ignored", { "queue.send": { dailyUnits: 0.5 } }, {}],
    ["infinite units are ignored", { "queue.send": { dailyUnits: Number.POSITIVE_INFINITY } }, {}],
    ["NaN units are ignored", { "queue.send": Number.NaN }, {}],
    ["text units are ignored", { "queue.send": "500" }, {}],
    ["threshold 0 is ignored", { "queue.send": { dailyUnits: 9, warningThreshold: 0 } }, { dailyUnits: 9 }],
    ["threshold above 1 is ignored", { "queue.send": { warningThreshold: 1.5 } }, {}],
    ["negative threshold is ignored", { "queue.send": { warningThreshold: -0.5 } }, {}],
    ["text threshold is ignored", { "queue.send": { warningThreshold: "0.5" } }, {}],
    ["null entry is ignored", { "queue.send": null }, {}],
  ])("%s", (_, metrics, expected) => {
    expect(parseOverrideRecord({ version: 1, metrics }).metrics["queue.send"] ?? {}).toStrictEqual(expected);
  });

  it("ignores unknown metrics and accepts the docs' aliases", () => {
    const override = parseOverrideRecord({
      version: 1,
      metrics: { "made.up": 5, "db.rows_read": 7, "fs.class_b": { warningThreshold: 0.6 } },
    });
    expect(override.metrics).toStrictEqual({
      "d1.rows_read": { dailyUnits: 7 },
      "r2.class_b": { warningThreshold: 0.6 },
    });
    expect(override.namedMetrics).toStrictEqual(["r2.class_b", "d1.rows_read"]);
  });

  it("lets the code's name win over an alias in the same record, field by field", () => {
    const override = parseOverrideRecord({
      version: 1,
      metrics: { "d1.rows_read": 10, "db.rows_read": { dailyUnits: 20, warningThreshold: 0.5 } },
    });
    expect(override.metrics["d1.rows_read"]).toStrictEqual({ dailyUnits: 10, warningThreshold: 0.5 });
  });

  it.each([
    ["version 2", { version: 2, metrics: { deploy: 1 } }],
    ["version as text", { version: "1", metrics: { deploy: 1 } }],
    ["no metrics", { version: 1 }],
    ["metrics as a list", { version: 1, metrics: [{ deploy: 1 }] }],
    ["not an object", "deploy=1"],
    ["a list", [1]],
  ])("a record with %s applies nothing", (_, record) => {
    expect(parseOverrideRecord(record)).toStrictEqual({ metrics: {}, namedMetrics: [] });
  });
});

describe("F.3 property: any stored value is read without throwing", () => {
  it("yields only catalog metrics with valid fields", () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.dictionary(fc.constantFrom(...METRICS, "db.rows_read", "x"), fc.jsonValue()),
        (anything, metrics) => {
          for (const record of [anything, { version: 1, metrics }]) {
            const override = parseOverrideRecord(record);
            for (const [metric, fields] of Object.entries(override.metrics)) {
              expect(METRICS).toContain(metric);
              if (fields.dailyUnits !== undefined)
                expect(Number.isInteger(fields.dailyUnits) && fields.dailyUnits >= 1).toBe(true);
              if (fields.warningThreshold !== undefined)
                expect(fields.warningThreshold > 0 && fields.warningThreshold <= 1).toBe(true);
            }
            expect(() => mergePolicy("repo", { repo: record })).not.toThrow();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("F.3 merge", () => {
  it("starts each family from its defaults", () => {
    for (const metric of METRICS) {
      expect(defaultPolicy("repo")[metric]).toStrictEqual({
        metric,
        dailyUnits: DEFAULT_DAILY_LIMITS[metric],
        warningThreshold: 0.8,
        source: "default",
      });
      expect(defaultPolicy("owner")[metric].dailyUnits).toBe(OWNER_DEFAULT_DAILY_LIMITS[metric]);
      expect(defaultPolicy("global")[metric].dailyUnits).toBe(GLOBAL_DEFAULT_DAILY_LIMITS[metric]);
    }
  });

  it("patches only the given fields and names the last scope that patched (spec example)", () => {
    const policy = mergePolicy("repo", {
      owner: { version: 1, metrics: { "workflow.create": { dailyUnits: 50 } } },
      repo_environment: { version: 1, metrics: { "workflow.create": { warningThreshold: 0.5 } } },
    });
    expect(policy["workflow.create"]).toStrictEqual({
      metric: "workflow.create",
      dailyUnits: 50,
      warningThreshold: 0.5,
      source: "repo_environment",
    });
    expect(policy["queue.send"].source).toBe("default");
  });

  it("applies scopes in family order whatever order the records come in", () => {
    const policy = mergePolicy("repo", {
      repo_environment: { version: 1, metrics: { deploy: 4 } },
      repo: { version: 1, metrics: { deploy: 3 } },
      owner_environment: { version: 1, metrics: { deploy: 2 } },
      owner: { version: 1, metrics: { deploy: 1 } },
    });
    expect(policy.deploy).toMatchObject({ dailyUnits: 4, source: "repo_environment" });
  });

  it("keeps the earlier source when a record's fields for a metric are all invalid", () => {
    const policy = mergePolicy("repo", {
      repo: { version: 1, metrics: { deploy: 3 } },
      repo_environment: { version: 1, metrics: { deploy: { dailyUnits: -1, warningThreshold: 2 } } },
    });
    expect(policy.deploy).toMatchObject({ dailyUnits: 3, source: "repo" });
  });

  it.each([
    ["owner", { owner_total: { version: 1, metrics: { "runtime.request": 10 } } }, 10, "owner_total"],
    [
      "owner",
      {
        owner_total: { version: 1, metrics: { "runtime.request": 10 } },
        owner_total_environment: { version: 1, metrics: { "runtime.request": 20 } },
      },
      20,
      "owner_total_environment",
    ],
    ["owner", { repo: { version: 1, metrics: { "runtime.request": 10 } } }, 100000, "default"],
    ["global", { global: { version: 1, metrics: { "runtime.request": 30 } } }, 30, "global"],
    [
      "global",
      { global_environment: { version: 1, metrics: { "runtime.request": 40 } } },
      40,
      "global_environment",
    ],
    ["global", { owner_total: { version: 1, metrics: { "runtime.request": 10 } } }, 1000000, "default"],
    ["repo", { global: { version: 1, metrics: { "runtime.request": 10 } } }, 10000, "default"],
  ] as const)("the %s family reads only its own scopes (%j)", (family, records, dailyUnits, source) => {
    expect(mergePolicy(family, records)["runtime.request"]).toMatchObject({ dailyUnits, source });
  });
});

describe("F.3 effective repo policy document", () => {
  it("shows every metric, the merged policy and each lookup", () => {
    const document = effectivePolicyDocument({
      ...target,
      records: {
        owner: { version: 2, metrics: { deploy: 1 } },
        repo: {
          version: 1,
          metrics: {
            "workflow.create": { dailyUnits: 5000, warningThreshold: 0.7 },
            "queue.send": 25000,
            nope: 1,
          },
        },
        repo_environment: null,
      },
    });
    expect(document).toMatchObject({
      version: 1,
      period: "daily",
      mode: "enforce",
      environment: "production",
      orgSlug: "w7s-io",
      repoSlug: "example-workflows",
    });
    expect(document.policies.map((policy) => policy.metric)).toStrictEqual([...METRICS]);
    expect(document.policy["workflow.create"]).toStrictEqual({
      metric: "workflow.create",
      dailyUnits: 5000,
      warningThreshold: 0.7,
      source: "repo",
    });
    expect(document.policies[31]).toBe(document.policy["workflow.create"]);
    expect(document.policy.deploy.source).toBe("default");
    expect(document.lookups).toStrictEqual([
      { scope: "default", key: null, found: true, metrics: [...METRICS] },
      { scope: "owner", key: "usage_limit_policy:v1:owner:w7s-io", found: true, metrics: [] },
      {
        scope: "owner_environment",
        key: "usage_limit_policy:v1:owner_environment:production:w7s-io",
        found: false,
        metrics: [],
      },
      {
        scope: "repo",
        key: "usage_limit_policy:v1:repo:w7s-io:example-workflows",
        found: true,
        metrics: ["queue.send", "workflow.create"],
      },
      {
        scope: "repo_environment",
        key: "usage_limit_policy:v1:repo_environment:production:w7s-io:example-workflows",
        found: false,
        metrics: [],
      },
    ]);
  });
});
