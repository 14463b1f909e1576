import { readFileSync } from "node:fs";
import { parseCron } from "@w7s/manifest";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { BadRequest, cronMatches, errorResponse } from "./index.js";

describe("README example", () => {
  it("runs as documented", async () => {
    const schedule = Result.getOrThrow(parseCron("*/15 9-17 * * 1-5"));
    expect(cronMatches(schedule, new Date("2026-11-23T09:30:00Z"))).toBe(true);
    expect(cronMatches(schedule, new Date("2026-11-22T09:30:00Z"))).toBe(false);

    const response = errorResponse(new BadRequest({ message: "Invalid environment." }));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toStrictEqual({ status: "error", error: "Invalid environment." });
  });

  it("shows the same code the test runs", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const line of [
      'const schedule = Result.getOrThrow(parseCron("*/15 9-17 * * 1-5"));',
      'cronMatches(schedule, new Date("2026-11-23T09:30:00Z")); // true: a Monday, 09:30 UTC',
      'const response = errorResponse(new BadRequest({ message: "Invalid environment." }));',
    ]) {
      expect(readme).toContain(line);
    }
  });
});
