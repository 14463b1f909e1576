import { readFileSync } from "node:fs";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { parseCron, parseManifest, shapeCapViolations } from "./index.js";

const README_LINES = [
  `const text = '{ "name": " Shop-API ", "bindings": { "r2": ["FILES"] }, "queues": ["Jobs"], "extra": 1 }';`,
  "const parsed = parseManifest(text);",
  "const { manifest, warnings } = parsed.success;",
  "const shape = { zipBytes: 30 * 1024 * 1024, uncompressedBytes: 0, customDomainRoutes: 0 };",
  "const violations = shapeCapViolations({ ...shape, manifest, staticFiles: [], migrations: [] });",
  `const bindings = '"bindings": { "kv": ["CACHE"], "fs": ["CACHE"] }';`,
  `const schedules = '"schedules": [{ "cron": "*/60 * * * *", "path": "/tick" }]';`,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: this is the README's source text
  "const rejected = parseManifest(`{ ${bindings}, ${schedules} }`);",
  'const schedule = parseCron("0  12 * * 1-5");',
];

describe("README example", () => {
  it("runs as documented", () => {
    const text = '{ "name": " Shop-API ", "bindings": { "r2": ["FILES"] }, "queues": ["Jobs"], "extra": 1 }';
    const parsed = parseManifest(text);
    if (!Result.isSuccess(parsed)) throw new Error("the README manifest is rejected");
    const { manifest, warnings } = parsed.success;
    expect(manifest.name).toBe("shop-api");
    expect(manifest.bindings.fs).toStrictEqual([{ binding: "FILES" }]);
    expect(manifest.queues).toStrictEqual([{ name: "jobs", consumer: "/_w7s/queues/jobs" }]);
    expect(warnings[0]?.message).toBe("w7s.json key extra is not recognized and was ignored.");

    const shape = { zipBytes: 30 * 1024 * 1024, uncompressedBytes: 0, customDomainRoutes: 0 };
    const violations = shapeCapViolations({ ...shape, manifest, staticFiles: [], migrations: [] });
    expect(violations).toStrictEqual(["Deploy archive exceeds 25 MB."]);

    const bindings = '"bindings": { "kv": ["CACHE"], "fs": ["CACHE"] }';
    const schedules = '"schedules": [{ "cron": "*/60 * * * *", "path": "/tick" }]';
    const rejected = parseManifest(`{ ${bindings}, ${schedules} }`);
    expect(Result.isFailure(rejected) && rejected.failure).toMatchObject({
      message: "bindings.fs[0].binding duplicates CACHE.",
      issues: [
        { path: "bindings.fs[0].binding", message: "bindings.fs[0].binding duplicates CACHE." },
        { path: "schedules[0].cron", message: 'Cron field "*/60" must be between 0 and 59.' },
      ],
    });

    const schedule = parseCron("0  12 * * 1-5");
    expect(schedule).toStrictEqual(
      Result.succeed({
        expression: "0 12 * * 1-5",
        minutesLow: 1,
        minutesHigh: 0,
        hours: 4096,
        daysOfMonth: 0xfffffffe,
        months: 0x1ffe,
        daysOfWeek: 62,
      }),
    );
  });

  it("shows the same code the test runs", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const line of README_LINES) expect(readme).toContain(line);
  });
});
