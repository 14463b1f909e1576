import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { makeRedactor, normalizeLogValue, runtimeUsageOf, tailRecords } from "../index.js";

describe("docs/observability.md example", () => {
  it("runs as documented", () => {
    const records = tailRecords(
      {
        outcome: "ok",
        event: { request: { method: "GET", url: "https://acme.w7s.cloud/warn" }, response: { status: 200 } },
        logs: [
          { level: "warn", message: ["token", "sk-live-1234", { path: "/warn" }], timestamp: 1779802918112 },
        ],
      },
      {
        environment: "production",
        orgSlug: "acme",
        repoSlug: "shop",
        scriptName: "acme--shop--production--0123456",
        secrets: ["sk-live-1234"],
        observedAtMs: 1779802918200,
        newId: () => "0f8e",
      },
    );
    expect(records[0]?.text).toBe('token [secret] {"path":"/warn"}');
    expect(records[0]?.request).toEqual({ method: "GET", path: "/warn", status: 200 });
    expect(normalizeLogValue("x".repeat(5000))).toBe(`${"x".repeat(4096)}...[truncated]`);
    expect(makeRedactor(["hunter22"])("password=hunter22")).toBe("password=[secret]");
    expect(
      runtimeUsageOf({
        served: { environment: "production", orgSlug: "acme", repoSlug: "shop", mount: "repo-prefix" },
        source: "static_exact",
        status: 200,
        staticCache: "miss",
        method: "GET",
        host: "acme.w7s.cloud",
        path: "/shop/",
        userAgent: "curl",
        durationMs: 1,
      }),
    ).toEqual([
      { metric: "runtime.request", outcome: "success" },
      { metric: "static.r2_class_b", outcome: "success" },
    ]);
  });

  it("shows the same code the test runs", () => {
    const docs = readFileSync(new URL("../../docs/observability.md", import.meta.url), "utf8");
    for (const line of [
      '      { level: "warn", message: ["token", "sk-live-1234", { path: "/warn" }], timestamp: 1779802918112 },',
      '    secrets: ["sk-live-1234"],',
      `records[0]?.text; // 'token [secret] {"path":"/warn"}'`,
      'makeRedactor(["hunter22"])("password=hunter22"); // "password=[secret]"',
      '  staticCache: "miss",',
    ]) {
      expect(docs).toContain(line);
    }
  });
});
