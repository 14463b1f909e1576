import { Clock, Effect } from "effect";
import { beforeEach, describe, expect, it } from "vitest";
import { type MemoryUsage, makeMemoryUsage, memoryUsageLayer } from "../../test/memoryUsage.js";
import { errorResponse } from "../errors/errorResponse.js";
import { defaultPlatformConfig } from "../platformConfig.js";
import type { UsagePolicyStore } from "../ports/UsagePolicyStore.js";
import type { UsageStore } from "../ports/UsageStore.js";
import {
  activeSuspension,
  checkBlockedUsageLimit,
  enforceNotSuspended,
  enforceUsageLimit,
  recordUsage,
  suspendByOperator,
  suspendForBlock,
} from "./usageLimits.js";

const NOON = Date.parse("2026-05-26T12:00:00.000Z");
const clockAt = (ms: number): Clock.Clock => {
  const nanos = BigInt(ms) * 1_000_000n;
  return {
    currentTimeMillisUnsafe: () => ms,
    currentTimeMillis: Effect.succeed(ms),
    currentTimeNanosUnsafe: () => nanos,
    currentTimeNanos: Effect.succeed(nanos),
    monotonicTimeNanosUnsafe: () => nanos,
    monotonicTimeNanos: Effect.succeed(nanos),
    sleep: () => Effect.void,
  };
};

let usage: MemoryUsage;
beforeEach(() => {
  usage = makeMemoryUsage();
});
const run = <A, E>(effect: Effect.Effect<A, E, UsageStore | UsagePolicyStore>, at = NOON) =>
  Effect.runPromise(
    Effect.result(effect).pipe(
      Effect.provide(memoryUsageLayer(usage)),
      Effect.provideService(Clock.Clock, clockAt(at)),
    ),
  );

const app = { environment: "production", orgSlug: "acme", repoSlug: "site" };
const record = (metric: string, units: number, target = app) =>
  run(recordUsage({ metric, app: target, units, count: units, outcome: "success" }));

describe("F.4 daily limits from the operator's override records", () => {
  it("blocks at the repo scope with the documented 429 body and retry-after", async () => {
    usage.policies.set("usage_limit_policy:v1:repo:acme:site", {
      version: 1,
      metrics: { "runtime.request": { dailyUnits: 10, warningThreshold: 0.5 } },
    });
    await record("runtime.request", 8);
    const result = await run(
      enforceUsageLimit({ metric: "runtime.request", app, units: 3 }, defaultPlatformConfig),
    );
    expect(result._tag).toBe("Failure");
    if (result._tag !== "Failure") return;
    const answer = errorResponse(result.failure as never);
    expect(answer.status).toBe(429);
    expect(answer.headers["retry-after"]).toBe(String(12 * 3600));
    const body = JSON.parse(answer.body);
    expect(body.error).toBe(
      "Daily usage limit exceeded for runtime.request at repo scope (8/10 used, requested 3).",
    );
    expect(body.details.usageLimit).toMatchObject({
      scope: "repo",
      used: 8,
      limit: 10,
      projectedUnits: 11,
      status: "warning",
      projectedStatus: "exceeded",
      wouldBlock: true,
      source: "repo",
    });
  });

  it("sums an owner's repos against owner_total", async () => {
    usage.policies.set("usage_limit_policy:v1:owner_total:acme", {
      version: 1,
      metrics: { "runtime.request": 10 },
    });
    await record("runtime.request", 8, app);
    await record("runtime.request", 4, { ...app, repoSlug: "other" });
    const block = await run(
      checkBlockedUsageLimit({ metric: "runtime.request", app }, defaultPlatformConfig),
    );
    expect(block._tag === "Success" && block.success?.check).toMatchObject({
      scope: "owner",
      used: 12,
      limit: 10,
      source: "owner_total",
    });
  });

  it("lets limit-exempt owners through and does not count unknown metrics", async () => {
    usage.policies.set("usage_limit_policy:v1:repo:acme:site", { version: 1, metrics: { deploy: 1 } });
    await record("deploy", 5);
    const exempt = { ...defaultPlatformConfig, limitExemptOwners: ["acme"] };
    expect((await run(enforceUsageLimit({ metric: "deploy", app }, exempt)))._tag).toBe("Success");
    expect((await run(enforceUsageLimit({ metric: "custom.thing", app }, defaultPlatformConfig)))._tag).toBe(
      "Success",
    );
  });
});

describe("F.6 burst windows", () => {
  it("allows the window's limit, then answers the short-window 429 until the window ends", async () => {
    const outcomes = [];
    for (let index = 0; index < 11; index += 1) {
      outcomes.push((await run(enforceUsageLimit({ metric: "deploy", app }, defaultPlatformConfig)))._tag);
    }
    expect(outcomes.filter((tag) => tag === "Success")).toHaveLength(10);
    const blocked = await run(enforceUsageLimit({ metric: "deploy", app }, defaultPlatformConfig));
    expect(blocked._tag).toBe("Failure");
    if (blocked._tag === "Failure") {
      const body = JSON.parse(errorResponse(blocked.failure as never).body);
      expect(body.error).toBe(
        "Short-window usage limit exceeded for deploy at repo scope (10/10 used, requested 1).",
      );
      expect(body.details.rateLimit).toMatchObject({ windowSeconds: 600, retryAfterSeconds: 600 });
    }
    expect(
      (await run(enforceUsageLimit({ metric: "deploy", app }, defaultPlatformConfig), NOON + 600_000))._tag,
    ).toBe("Success");
  });
});

describe("F.8 suspensions", () => {
  it("a limit suspension ends at resumeAfter and is then lifted; the operator's holds until lifted", async () => {
    const block = await run(
      Effect.gen(function* () {
        for (let index = 0; index < 300; index += 1)
          yield* enforceUsageLimit({ metric: "runtime.request", app }, defaultPlatformConfig).pipe(
            Effect.ignore,
          );
        return yield* checkBlockedUsageLimit({ metric: "runtime.request", app }, defaultPlatformConfig);
      }),
    );
    expect(block._tag === "Success" && block.success !== undefined).toBe(true);
    if (block._tag !== "Success" || block.success === undefined) return;
    await run(suspendForBlock(block.success));
    const suspended = await run(enforceNotSuspended(app));
    expect(suspended._tag).toBe("Failure");
    if (suspended._tag === "Failure") {
      expect(JSON.parse(errorResponse(suspended.failure as never).body).details.appLimitState).toMatchObject({
        status: "suspended",
        kind: "limit",
        resumeAfter: "2026-05-26T12:01:00.000Z",
      });
    }
    expect((await run(activeSuspension(app), NOON + 59_999))._tag === "Success").toBe(true);
    const later = await run(activeSuspension(app), NOON + 60_000);
    expect(later._tag === "Success" && later.success).toBeUndefined();
    expect(usage.suspensions.size).toBe(0);

    await run(suspendByOperator(app, "Paused by the operator."));
    const held = await run(activeSuspension(app), NOON + 365 * 86_400_000);
    expect(held._tag === "Success" && held.success?.reason).toBe("Paused by the operator.");
  });
});
