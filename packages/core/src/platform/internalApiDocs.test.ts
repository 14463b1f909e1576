import { readFileSync } from "node:fs";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { dueMappings, parseEventBody, parseQueueDelay, publicModelName, scheduleLockKey } from "../index.js";

describe("docs/internal-api.md example", () => {
  it("runs as documented", () => {
    expect(parseQueueDelay("60")).toEqual(Result.succeed(60));
    expect(Result.isFailure(parseQueueDelay("86401"))).toBe(true);
    expect(scheduleLockKey("production:acme:web:abc1234", "2026-05-25T12:10:00.000Z")).toBe(
      "schedule_lock:v1:production:acme:web:abc1234:2026-05-25t12-10-00-000z",
    );
    const schedule = (cron: string) => ({
      version: 1 as const,
      id: cron,
      cron,
      path: "/tick",
      orgSlug: "acme",
      repoSlug: "web",
      environment: "production",
      repository: "acme/web",
      deployedAt: "2026-05-25T00:00:00.000Z",
    });
    const due = dueMappings(
      [schedule("*/5 * * * *"), schedule("0 9 * * *")],
      Date.parse("2026-05-25T12:10:42Z"),
    );
    expect(due.map((mapping) => mapping.cron)).toEqual(["*/5 * * * *"]);
    expect(publicModelName("@cf/meta/llama-3.1-8b-instruct-fp8")).toBe("@w7s/meta/llama-3.1-8b-instruct-fp8");
    expect(parseEventBody('{"subject": " Orders.Created ", "data": {"orderId": "ord_123"}}')).toEqual(
      Result.succeed({ subject: "orders.created", data: { orderId: "ord_123" } }),
    );
    expect(Result.isFailure(parseEventBody('{"subject": "orders.*"}'))).toBe(true);
  });

  it("shows the same code the test runs", () => {
    const doc = readFileSync(new URL("../../docs/internal-api.md", import.meta.url), "utf8");
    for (const line of [
      'parseQueueDelay("60"); // Result.succeed(60)',
      'scheduleLockKey("production:acme:web:abc1234", "2026-05-25T12:10:00.000Z");',
      'dueMappings([schedule("*/5 * * * *"), schedule("0 9 * * *")], Date.parse("2026-05-25T12:10:42Z"));',
      'publicModelName("@cf/meta/llama-3.1-8b-instruct-fp8"); // "@w7s/meta/llama-3.1-8b-instruct-fp8"',
      `parseEventBody('{"subject": " Orders.Created ", "data": {"orderId": "ord_123"}}');`,
      `Result.isFailure(parseEventBody('{"subject": "orders.*"}')); // true: 400, wildcards are not subjects`,
      "| `POST /api/v1/events/<owner>/<repo>`",
    ])
      expect(doc).toContain(line);
  });
});
