import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { dryRun, dryRunLines } from "../src/index.js";

describe("README example", () => {
  it("prints what a deploy of examples/static-site would upload and what the server would detect", () => {
    const lines = dryRunLines(dryRun(resolve(import.meta.dirname, "../../../examples/static-site")));
    expect(lines[0]).toMatch(/^Would upload \d+ files, /);
    expect(lines).toContain("  layout:             static site");
    expect(lines).toContain("  static root:        dist/");
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toContain('console.log(dryRunLines(dryRun("examples/static-site")).join("\\n"));');
  });
});
