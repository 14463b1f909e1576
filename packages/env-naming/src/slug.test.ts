import { Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyText } from "../test/arbitraries.js";
import { InvalidSlug } from "./errors.js";
import { normalizeSlug, requireSlug, SLUG_FIELDS, type SlugField, sanitizeScriptPart } from "./slug.js";

describe("A.1 normalizeSlug", () => {
  it.each([
    ["w7s-io", "w7s-io"],
    ["  Acme Corp  ", "acme-corp"],
    ["a - b", "a-b"],
    ["a---b", "a-b"],
    ["a/b\\c", "a-b-c"],
    ["..hidden", "hidden"],
    ["_-.x", "x"],
    ["a.b_c", "a.b_c"],
    ["a__b..c", "a__b..c"],
    ["trailing-", "trailing-"],
    ["trailing.", "trailing."],
    ["trailing_", "trailing_"],
    ["Main/", "main-"],
    ["Féature", "f-ature"],
    ["日本語", ""],
    ["   ", ""],
    ["---", ""],
  ])("%j -> %j", (input, expected) => {
    expect(normalizeSlug(input)).toBe(expected);
  });

  it("is idempotent", () => {
    fc.assert(fc.property(anyText, (value) => normalizeSlug(normalizeSlug(value)) === normalizeSlug(value)));
  });

  it("yields only [a-z0-9._-], starting with a letter or digit, with no `--`", () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const slug = normalizeSlug(value);
        expect(slug).toMatch(/^(?:[a-z0-9][a-z0-9._-]*)?$/);
        expect(slug).not.toContain("--");
      }),
    );
  });
});

describe("A.1 requireSlug", () => {
  it.each([
    ["W7S-IO", "repository owner", "w7s-io"],
    ["My Repo", "repository name", "my-repo"],
    ["a".repeat(100), "repository name", "a".repeat(100)],
    [" x. ", "queue name", "x."],
  ] satisfies ReadonlyArray<readonly [string, SlugField, string]>)(
    "accepts %j as %s -> %j",
    (input, field, slug) => {
      expect(Result.getOrThrow(requireSlug(input, field))).toBe(slug);
    },
  );

  it.each(SLUG_FIELDS.map((field) => [field, `Invalid ${field}.`] as const))(
    "rejects an empty slug for %s with %j",
    (field, message) => {
      const result = requireSlug("---", field);
      expect(result._tag).toBe("Failure");
      if (result._tag === "Failure") {
        expect(result.failure).toBeInstanceOf(InvalidSlug);
        expect(result.failure._tag).toBe("InvalidSlug");
        expect(result.failure.path).toBe(field);
        expect(result.failure.message).toBe(message);
      }
    },
  );

  it.each([
    ["", "repository owner", "Invalid repository owner."],
    ["日本語", "repository name", "Invalid repository name."],
    ["a".repeat(101), "repository name", "Invalid repository name."],
    ["  ", "workflow instance id", "Invalid workflow instance id."],
    ["!!!", "RPC target owner", "Invalid RPC target owner."],
  ] satisfies ReadonlyArray<readonly [string, SlugField, string]>)(
    "rejects %j as %s with %j",
    (input, field, message) => {
      const result = requireSlug(input, field);
      expect(result._tag === "Failure" && result.failure.message).toBe(message);
    },
  );

  it("lists every field named in A.1, and the two of the events route", () => {
    expect(SLUG_FIELDS).toHaveLength(24);
    expect(SLUG_FIELDS.slice(-2)).toStrictEqual(["event publisher owner", "event publisher repo"]);
  });
});

describe("A.1 sanitizeScriptPart", () => {
  it.each([
    ["w7s-io", "w7s-io"],
    ["a.-b", "a--b"],
    ["Main/", "main-"],
    ["a__b", "a-b"],
    ["a._b", "a-b"],
    ["v1.2.3", "v1-2-3"],
    ["", "worker"],
    ["...", "worker"],
    ["日本語", "worker"],
    ["--x--", "x-"],
  ])("%j -> %j", (input, expected) => {
    expect(sanitizeScriptPart(input)).toBe(expected);
  });

  it("yields a non-empty [a-z0-9-] string starting with a letter or digit", () => {
    fc.assert(fc.property(anyText, (value) => /^[a-z0-9][a-z0-9-]*$/.test(sanitizeScriptPart(value))));
  });

  // Not idempotent (`a.-b` -> `a--b` -> `a-b`): a second pass only collapses the `--` the first pass kept.
  it("is not idempotent: a second pass only collapses hyphen runs, and a third changes nothing", () => {
    expect(sanitizeScriptPart(sanitizeScriptPart("a.-b"))).toBe("a-b");
    fc.assert(
      fc.property(anyText, (value) => {
        const once = sanitizeScriptPart(value);
        const twice = sanitizeScriptPart(once);
        expect(twice).toBe(once.replace(/-+/g, "-"));
        expect(sanitizeScriptPart(twice)).toBe(twice);
      }),
    );
  });
});
