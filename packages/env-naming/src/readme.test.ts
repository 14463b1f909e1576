import { readFileSync } from "node:fs";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { applicationScopedRepoSlug, publicUrl, resolveEnvironment, resolveRuntimeHost } from "./index.js";

describe("README example", () => {
  it("runs as documented", () => {
    const environment = Result.getOrThrow(resolveEnvironment({ branch: "Feature/API.v2_test" }));
    expect(environment).toBe("feature-api-v2-test");

    const url = publicUrl({ environment, owner: "w7s-io", repo: "demo", baseDomain: "w7s.cloud" });
    expect(url).toBe("https://feature-api-v2-test--w7s-io.w7s.cloud/demo/");

    const host = resolveRuntimeHost("feature-api-v2-test--w7s-io.w7s.cloud:443", "w7s.cloud");
    expect(host).toStrictEqual({ owner: "w7s-io", environments: ["feature-api-v2-test", "production"] });

    const repo = applicationScopedRepoSlug("inbox", "console");
    expect(repo).toBe("inbox-app-console-06ke78m");

    const rejected = resolveEnvironment({ branch: "main", queryValue: "!!!" });
    expect(Result.isFailure(rejected) && rejected.failure).toMatchObject({
      _tag: "InvalidEnvironment",
      path: "environment",
      message: "Invalid environment.",
    });
  });

  it("shows the same code the test runs", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const line of [
      'const environment = Result.getOrThrow(resolveEnvironment({ branch: "Feature/API.v2_test" }));',
      'const url = publicUrl({ environment, owner: "w7s-io", repo: "demo", baseDomain: "w7s.cloud" });',
      'const host = resolveRuntimeHost("feature-api-v2-test--w7s-io.w7s.cloud:443", "w7s.cloud");',
      'const repo = applicationScopedRepoSlug("inbox", "console");',
      'const rejected = resolveEnvironment({ branch: "main", queryValue: "!!!" });',
    ]) {
      expect(readme).toContain(line);
    }
  });
});
