import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BURST_LIMITS,
  type BurstRequest,
  burstCounterKey,
  burstCounters,
  decideBurst,
  parseExemptOrgs,
  rateLimitMessage,
  rateLimitRejection,
  retryAfterSeconds,
  windowStart,
} from "./index.js";

const now = new Date("2026-05-26T12:00:30.500Z");
const request: BurstRequest = {
  environment: "production",
  orgSlug: "acme",
  repoSlug: "shop",
  metric: "runtime.request",
  now,
};

describe("F.6 burst table (code values, L.31)", () => {
  it.each([
    ["deploy", 10, 50, 500, 600],
    ["runtime.request", 300, 2000, 10000, 60],
    ["rpc.dispatch", 120, 600, 5000, 60],
    ["queue.send", 120, 600, 5000, 60],
    ["queue.delivery", 300, 1500, 10000, 60],
    ["schedule.delivery", 120, 600, 5000, 60],
    ["workflow.create", 60, 300, 2000, 60],
    ["workflow.delivery", 120, 600, 5000, 60],
    ["ai.run", 30, 150, 1000, 60],
    ["log.write", 500, 2000, 10000, 60],
    ["event.publish", 120, 600, 5000, 60],
    ["event.delivery", 300, 1500, 10000, 60],
  ] as const)("%s: repo %i, owner %i, global %i per %i s", (metric, repo, owner, global, windowSeconds) => {
    expect(BURST_LIMITS[metric]).toStrictEqual({ repo, owner, global, windowSeconds });
  });

  it("has no other burst-limited metric and no built-in per-repo override (DECISIONS 11)", () => {
    expect(Object.keys(BURST_LIMITS)).toHaveLength(12);
    const docs = {
      environment: "production",
      orgSlug: "w7s-io",
      repoSlug: "docs",
      metric: "runtime.request",
      now,
    };
    expect(burstCounters(docs)?.[0]?.limit).toBe(300);
  });
});

describe("F.6 fixed windows", () => {
  it.each([
    ["2026-05-26T12:00:30.500Z", 60, "2026-05-26T12:00:00.000Z", 30],
    ["2026-05-26T12:00:00.000Z", 60, "2026-05-26T12:00:00.000Z", 60],
    ["2026-05-26T12:00:59.999Z", 60, "2026-05-26T12:00:00.000Z", 1],
    ["2026-05-26T12:07:00.000Z", 600, "2026-05-26T12:00:00.000Z", 180],
    ["2026-05-26T12:09:59.001Z", 600, "2026-05-26T12:00:00.000Z", 1],
  ])("at %s a %i s window starts %s and retries after %i s", (at, seconds, start, retry) => {
    expect(new Date(windowStart(new Date(at), seconds)).toISOString()).toBe(start);
    expect(retryAfterSeconds(Date.parse(at), seconds)).toBe(retry);
  });

  it.each([
    ["global", "usage_rate:v1:2026-05-26t12-00-00-000z:60:global:runtime-request:production"],
    ["owner", "usage_rate:v1:2026-05-26t12-00-00-000z:60:owner:runtime-request:production:acme"],
    ["repo", "usage_rate:v1:2026-05-26t12-00-00-000z:60:repo:runtime-request:production:acme:shop"],
  ] as const)("the %s counter key is %s", (scope, key) => {
    const start = Date.parse("2026-05-26T12:00:00.000Z");
    expect(burstCounterKey({ ...request, scope, windowSeconds: 60, windowStart: start })).toBe(key);
  });

  it("lists the three counters with their limits and TTL = max(2 x window, retry-after)", () => {
    expect(
      burstCounters({ ...request, metric: "deploy", now: new Date("2026-05-26T12:07:00.000Z") }),
    ).toStrictEqual([
      {
        scope: "repo",
        key: "usage_rate:v1:2026-05-26t12-00-00-000z:600:repo:deploy:production:acme:shop",
        limit: 10,
        windowSeconds: 600,
        windowStartMs: Date.parse("2026-05-26T12:00:00.000Z"),
        retryAfterSeconds: 180,
        ttlSeconds: 1200,
      },
      {
        scope: "owner",
        key: "usage_rate:v1:2026-05-26t12-00-00-000z:600:owner:deploy:production:acme",
        limit: 50,
        windowSeconds: 600,
        windowStartMs: Date.parse("2026-05-26T12:00:00.000Z"),
        retryAfterSeconds: 180,
        ttlSeconds: 1200,
      },
      {
        scope: "global",
        key: "usage_rate:v1:2026-05-26t12-00-00-000z:600:global:deploy:production",
        limit: 500,
        windowSeconds: 600,
        windowStartMs: Date.parse("2026-05-26T12:00:00.000Z"),
        retryAfterSeconds: 180,
        ttlSeconds: 1200,
      },
    ]);
  });
});

describe("F.6 burst decision", () => {
  it("allows a request within every limit and increments every scope", () => {
    const decision = decideBurst({ ...request, units: 2, counters: { repo: 10, owner: 100 } });
    expect(decision).toStrictEqual({
      allowed: {
        version: 1,
        mode: "enforce",
        enforcement: "rate",
        metric: "runtime.request",
        scope: "repo",
        environment: "production",
        orgSlug: "acme",
        repoSlug: "shop",
        windowSeconds: 60,
        windowStart: "2026-05-26T12:00:00.000Z",
        used: 10,
        requestedUnits: 2,
        projectedUnits: 12,
        limit: 300,
        remaining: 290,
        retryAfterSeconds: 30,
        wouldBlock: false,
      },
      increments: [
        {
          key: "usage_rate:v1:2026-05-26t12-00-00-000z:60:repo:runtime-request:production:acme:shop",
          scope: "repo",
          newValue: 12,
          ttlSeconds: 120,
        },
        {
          key: "usage_rate:v1:2026-05-26t12-00-00-000z:60:owner:runtime-request:production:acme",
          scope: "owner",
          newValue: 102,
          ttlSeconds: 120,
        },
        {
          key: "usage_rate:v1:2026-05-26t12-00-00-000z:60:global:runtime-request:production",
          scope: "global",
          newValue: 2,
          ttlSeconds: 120,
        },
      ],
    });
  });

  it.each([
    [
      "repo",
      { repo: 300 },
      "Short-window usage limit exceeded for runtime.request at repo scope (300/300 used, requested 1).",
    ],
    [
      "owner",
      { repo: 1, owner: 2000 },
      "Short-window usage limit exceeded for runtime.request at owner scope (2000/2000 used, requested 1).",
    ],
    [
      "global",
      { global: 9999 },
      "Short-window usage limit exceeded for runtime.request at global scope (9999/10000 used, requested 2).",
    ],
    [
      "repo",
      { repo: 300, owner: 2000, global: 10000 },
      "Short-window usage limit exceeded for runtime.request at repo scope (300/300 used, requested 1).",
    ],
  ] as const)(
    "blocks at the first scope over its limit (%s) without incrementing anything",
    (scope, counters, message) => {
      const units = scope === "global" && counters.global === 9999 ? 2 : 1;
      const decision = decideBurst({ ...request, units, counters });
      if (decision === null || !("blocked" in decision)) throw new Error("expected a block");
      expect(decision).not.toHaveProperty("increments");
      expect(decision.blocked).toMatchObject({
        scope,
        wouldBlock: true,
        retryAfterSeconds: 30,
        remaining: expect.any(Number),
      });
      expect(rateLimitMessage(decision.blocked)).toBe(message);
      expect(rateLimitRejection(decision.blocked)).toStrictEqual({
        status: 429,
        retryAfterSeconds: 30,
        format: "json",
        body: { status: "error", error: message, details: { rateLimit: decision.blocked } },
      });
    },
  );

  it.each([
    ["an exempt owner", { exemptOrgs: parseExemptOrgs("ACME") }],
    ["a metric without a burst limit", { metric: "kv.read" }],
    ["an unknown metric", { metric: "made.up" }],
  ])("returns null for %s", (_, fields) => {
    expect(decideBurst({ ...request, ...fields, counters: { repo: 1e9 } })).toBeNull();
    expect(burstCounters({ ...request, ...fields })).toBeNull();
  });

  it("applies operator overrides that match, the last one winning (DECISIONS 11)", () => {
    const overrides = [
      {
        metric: "runtime.request",
        scope: "repo",
        environment: "production",
        orgSlug: "w7s-io",
        repoSlug: "docs",
        limit: 2000,
      },
      { metric: "runtime.request", scope: "repo", orgSlug: "ACME", limit: 400 },
      {
        metric: "runtime.request",
        scope: "repo",
        orgSlug: "acme",
        repoSlug: "shop",
        limit: 500,
        windowSeconds: 120,
      },
      { metric: "runtime.request", scope: "owner", orgSlug: "acme", limit: 0 },
      { metric: "runtime.request", scope: "global", limit: 20000, windowSeconds: -1 },
    ] as const;
    const counters = burstCounters({ ...request, overrides });
    expect(counters?.map(({ limit, windowSeconds }) => ({ limit, windowSeconds }))).toStrictEqual([
      { limit: 500, windowSeconds: 120 },
      { limit: 2000, windowSeconds: 60 },
      { limit: 10000, windowSeconds: 60 },
    ]);
    expect(counters?.[0]?.key).toBe(
      "usage_rate:v1:2026-05-26t12-00-00-000z:120:repo:runtime-request:production:acme:shop",
    );
    expect(counters?.[0]?.ttlSeconds).toBe(240);
    const docs = burstCounters({ ...request, orgSlug: "w7s-io", repoSlug: "docs", overrides });
    expect(docs?.[0]?.limit).toBe(2000);
    const staging = burstCounters({
      ...request,
      environment: "staging",
      orgSlug: "w7s-io",
      repoSlug: "docs",
      overrides,
    });
    expect(staging?.[0]?.limit).toBe(300);
  });

  it("property: blocks exactly when one scope would go over, and then increments nothing", () => {
    fc.assert(
      fc.property(
        fc.record({ repo: fc.nat(400), owner: fc.nat(2100), global: fc.nat(10100) }),
        fc.integer({ min: 1, max: 50 }),
        (counters, units) => {
          const decision = decideBurst({ ...request, units, counters });
          const over =
            counters.repo + units > 300 || counters.owner + units > 2000 || counters.global + units > 10000;
          expect(decision !== null && "blocked" in decision).toBe(over);
          if (decision !== null && "allowed" in decision) {
            expect(decision.increments.map((increment) => increment.newValue)).toStrictEqual([
              counters.repo + units,
              counters.owner + units,
              counters.global + units,
            ]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
