import { Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyText } from "../test/arbitraries.js";
import {
  branchToEnvironment,
  customDomainBranchPrefix,
  ENVIRONMENT_PATTERN,
  normalizeEnvironmentSlug,
  PRODUCTION,
  requireEnvironmentSlug,
  resolveEnvironment,
} from "./environment.js";
import { InvalidEnvironment } from "./errors.js";

const seventyAs = "a".repeat(70);

describe("A.2 branch -> environment and custom-domain branch prefix (every table row)", () => {
  it.each([
    ["main", "production", "main"],
    ["MAIN", "production", "main"],
    ["Main/", "production", "main-"],
    ["master", "production", "master"],
    ["production", "production", "production"],
    ["feature/API.v2_test", "feature-api-v2-test", "feature-api-v2-test"],
    ["release--1.2", "release-1-2", "release-1-2"],
    ["Féature/Ünïcode", "f-ature-n-code", "f-ature-n-code"],
    ["日本語", "production", "worker"],
    ["🚀", "production", "worker"],
    ["   ", "production", "worker"],
    ["\t\n", "production", "worker"],
    ["--x--", "x", "x-"],
    ["123-fix", "123-fix", "123-fix"],
    [`${seventyAs}-b`, "a".repeat(63), `${seventyAs}-b`],
    [
      "dependabot/npm_and_yarn/lodash-4.17.21",
      "dependabot-npm-and-yarn-lodash-4-17-21",
      "dependabot-npm-and-yarn-lodash-4-17-21",
    ],
  ])("%j -> environment %j, prefix %j", (branch, environment, prefix) => {
    expect(branchToEnvironment(branch)).toBe(environment);
    expect(customDomainBranchPrefix(branch)).toBe(prefix);
  });

  it("keeps the 72-character prefix of a long branch untruncated", () => {
    expect(customDomainBranchPrefix(`${seventyAs}-b`)).toHaveLength(72);
  });

  it("every environment matches ENVIRONMENT_PATTERN and never contains `--`", () => {
    fc.assert(
      fc.property(anyText, (branch) => {
        const environment = branchToEnvironment(branch);
        expect(environment).toMatch(ENVIRONMENT_PATTERN);
        expect(environment).not.toContain("--");
      }),
    );
  });
});

describe("A.1 normalizeEnvironmentSlug", () => {
  it.each([
    ["Feature/X", "feature-x"],
    ["--Feature--X--", "feature-x"],
    ["a.b_c", "a-b-c"],
    ["!!!", ""],
    ["", ""],
    [`${"a".repeat(62)}-b`, "a".repeat(62)], // cut at 63 leaves a trailing `-`, which is stripped again
    ["a".repeat(64), "a".repeat(63)],
  ])("%j -> %j", (input, expected) => {
    expect(normalizeEnvironmentSlug(input)).toBe(expected);
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const once = normalizeEnvironmentSlug(value);
        expect(normalizeEnvironmentSlug(once)).toBe(once);
      }),
    );
  });
});

describe("A.1 requireEnvironmentSlug", () => {
  it.each([
    ["Main", "main"],
    ["production", "production"],
    [" Feature/X ", "feature-x"],
    ["master", "master"],
  ])("accepts %j as %j", (input, expected) => {
    expect(Result.getOrThrow(requireEnvironmentSlug(input))).toBe(expected);
  });

  it.each(["!!!", "", "   ", "日本語", "---"])("rejects %j with `Invalid environment.`", (input) => {
    const result = requireEnvironmentSlug(input);
    expect(Result.isFailure(result)).toBe(true);
    if (Result.isFailure(result)) {
      expect(result.failure).toBeInstanceOf(InvalidEnvironment);
      expect(result.failure.path).toBe("environment");
      expect(result.failure.message).toBe("Invalid environment.");
    }
  });

  it("every accepted value matches ENVIRONMENT_PATTERN and never contains `--`", () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const result = requireEnvironmentSlug(value);
        if (Result.isSuccess(result)) {
          expect(result.success).toMatch(ENVIRONMENT_PATTERN);
          expect(result.success).not.toContain("--");
        }
      }),
    );
  });
});

describe("A.3 resolveEnvironment (explicit override)", () => {
  it.each([
    ["no override: branch rule", { branch: "feature/x" }, "feature-x"],
    ["no override on main", { branch: "main" }, PRODUCTION],
    ["null values mean absent", { branch: "dev", queryValue: null, headerValue: null }, "dev"],
    ["header override", { branch: "main", headerValue: "staging" }, "staging"],
    ["query beats header", { branch: "main", queryValue: "qa", headerValue: "staging" }, "qa"],
    [
      "empty query disables the header",
      { branch: "feature/x", queryValue: "", headerValue: "staging" },
      "feature-x",
    ],
    [
      "blank query disables the header",
      { branch: "main", queryValue: "  ", headerValue: "staging" },
      PRODUCTION,
    ],
    ["blank header falls back to branch", { branch: "dev", headerValue: " " }, "dev"],
    ["Main is main, not production", { branch: "feature/x", queryValue: "Main" }, "main"],
    ["production stays production", { branch: "feature/x", headerValue: "production" }, PRODUCTION],
    ["override is trimmed and normalized", { branch: "main", headerValue: " Feature/Y " }, "feature-y"],
  ] as const)("%s", (_name, input, expected) => {
    expect(Result.getOrThrow(resolveEnvironment(input))).toBe(expected);
  });

  it.each([
    ["query", { branch: "main", queryValue: "!!!" }],
    ["header", { branch: "main", headerValue: "!!!" }],
    ["query over a valid header", { branch: "main", queryValue: "!!!", headerValue: "staging" }],
  ] as const)("an invalid %s override fails with `Invalid environment.`", (_name, input) => {
    const result = resolveEnvironment(input);
    expect(Result.isFailure(result) && result.failure.message).toBe("Invalid environment.");
  });
});
