import { readFileSync } from "node:fs";
import { parseCron } from "@w7s/manifest";
import { Effect, Result } from "effect";
import { describe, expect, it } from "vitest";
import {
  authorizeCall,
  cronMatches,
  errorResponse,
  errorResponseFromUnknown,
  SchedulerLock,
  TooManyRequests,
} from "../index.js";

describe("docs/platform.md example", () => {
  it("runs as documented", () => {
    const weekdayMornings = Result.getOrThrow(parseCron("0 9 * * 1-5"));
    const dueOnMonday = cronMatches(weekdayMornings, new Date("2026-05-25T09:00:30Z"));
    expect(dueOnMonday).toBe(true);

    const decision = authorizeCall({
      kind: "rpc",
      caller: { owner: "acme", repo: "web", environment: "production" },
      target: { owner: "partner", repo: "api", environment: "production" },
      allow: ["acme/web"],
    });
    expect(decision).toEqual({ allowed: true, grant: "allow-list-repository" });

    const limited = errorResponse(new TooManyRequests({ message: "Slow down.", retryAfterSeconds: 60 }));
    expect(limited).toEqual({
      status: 429,
      headers: { "content-type": "application/json; charset=utf-8", "retry-after": "60" },
      body: '{"status":"error","error":"Slow down."}',
    });

    const hidden = errorResponseFromUnknown(new Error("connection string with a password"));
    expect(hidden.status).toBe(500);
    expect(hidden.body).toBe('{"status":"error","error":"Internal error."}');

    const minuteLockKey = "schedule_lock:v1:production:acme:web:abc1234:2026-05-25t09-00-00-000z";
    const held = new Set<string>();
    const inMemoryLock = SchedulerLock.of({
      tryAcquire: (lockKey) => Effect.sync(() => !held.has(lockKey) && held.add(lockKey).has(lockKey)),
    });
    const claimMinute = Effect.gen(function* () {
      const lock = yield* SchedulerLock;
      return yield* lock.tryAcquire(minuteLockKey, 3600);
    });
    const first = Effect.runSync(Effect.provideService(claimMinute, SchedulerLock, inMemoryLock));
    const second = Effect.runSync(Effect.provideService(claimMinute, SchedulerLock, inMemoryLock));
    expect([first, second]).toEqual([true, false]);
  });

  it("shows the same code the test runs", () => {
    const docs = readFileSync(new URL("../../docs/platform.md", import.meta.url), "utf8");
    for (const line of [
      'const weekdayMornings = Result.getOrThrow(parseCron("0 9 * * 1-5"));',
      'const dueOnMonday = cronMatches(weekdayMornings, new Date("2026-05-25T09:00:30Z")); // true',
      '  allow: ["acme/web"],',
      'const limited = errorResponse(new TooManyRequests({ message: "Slow down.", retryAfterSeconds: 60 }));',
      'const hidden = errorResponseFromUnknown(new Error("connection string with a password"));',
      "  tryAcquire: (lockKey) => Effect.sync(() => !held.has(lockKey) && held.add(lockKey).has(lockKey)),",
      "  return yield* lock.tryAcquire(minuteLockKey, 3600);",
      'const minuteLockKey = "schedule_lock:v1:production:acme:web:abc1234:2026-05-25t09-00-00-000z";',
      "const first = Effect.runSync(Effect.provideService(claimMinute, SchedulerLock, inMemoryLock)); // true",
    ]) {
      expect(docs).toContain(line);
    }
  });
});
