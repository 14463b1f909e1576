import { readFileSync } from "node:fs";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { httpStatusOf } from "../errors/errorResponse.js";
import {
  decodeRuntimeValues,
  deployRequestPreflight,
  detectLayout,
  makeArchiveBudget,
  stripCommonRoot,
} from "../index.js";

describe("docs/deploy.md example", () => {
  it("runs as documented", () => {
    const headers = new Headers({
      authorization: "Bearer ghs_example",
      "content-type": "application/zip",
      "x-github-repository": "Acme/Site",
      "x-github-sha": "4f2a9c0",
      "x-github-branch": "feature/login",
    });
    const request = Result.getOrThrow(deployRequestPreflight({ headers, query: new URLSearchParams("") }));
    expect([request.ownerSlug, request.repoSlug, request.environment]).toStrictEqual([
      "acme",
      "site",
      "feature-login",
    ]);

    const budget = makeArchiveBudget();
    const names = ["acme-site-4f2a9c0/worker/index.ts", "acme-site-4f2a9c0/dist/client/app.js"];
    const stored = names.map((name) => Result.getOrThrow(budget.addEntry(name, "file")) ?? "");
    const layout = Result.getOrThrow(detectLayout(stripCommonRoot(stored).paths));
    expect(layout).toMatchObject({
      _tag: "Fullstack",
      backend: { entrypoint: "worker/index.ts", root: "worker" },
      staticRoot: { label: "dist/client", hasIndex: false },
    });

    const climbing = budget.addEntry("../../etc/passwd", "file");
    expect(
      Result.isFailure(climbing) && [httpStatusOf(climbing.failure), climbing.failure.message],
    ).toStrictEqual([400, 'Deploy archive entry "../../etc/passwd" escapes the archive root.']);

    const vars = Result.getOrThrow(decodeRuntimeValues("x-w7s-vars", "eyJHUkVFVElORyI6ImjDqWxsbyJ9"));
    expect(vars.GREETING).toBe("héllo");
  });

  it("shows the same code the test runs", () => {
    const docs = readFileSync(new URL("../../docs/deploy.md", import.meta.url), "utf8");
    for (const line of [
      'const request = Result.getOrThrow(deployRequestPreflight({ headers, query: new URLSearchParams("") }));',
      'const names = ["acme-site-4f2a9c0/worker/index.ts", "acme-site-4f2a9c0/dist/client/app.js"];',
      'const stored = names.map((name) => Result.getOrThrow(budget.addEntry(name, "file")) ?? "");',
      "const layout = Result.getOrThrow(detectLayout(stripCommonRoot(stored).paths));",
      'const climbing = budget.addEntry("../../etc/passwd", "file");',
      'const vars = Result.getOrThrow(decodeRuntimeValues("x-w7s-vars", "eyJHUkVFVElORyI6ImjDqWxsbyJ9"));',
    ]) {
      expect(docs).toContain(line);
    }
  });
});
