/** fast-check generators shared by the property tests: names made of the characters the rules care about. */
import fc from "fast-check";

const interestingCharacters = fc.constantFrom(
  ..."azAZ09-._/ \t".split(""),
  "é",
  "Ü",
  "日",
  "🚀",
  "İ",
  "K", // Kelvin sign: lowercases to an ASCII `k`.
);

/** Any text: mostly the characters slug rules treat specially, sometimes arbitrary Unicode. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: interestingCharacters, maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
);

/** A valid environment: a non-empty output of `normalizeEnvironmentSlug`, generated from its own alphabet. */
export const environmentAlphabetText: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(..."abcxyz0189-".split("")),
  minLength: 1,
  maxLength: 80,
});

/** Raw owner text over the slug alphabet `[a-z0-9._-]`, plus a few characters normalization rewrites. */
export const ownerAlphabetText: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(..."abcwpxyz019-._A/".split("")),
  minLength: 1,
  maxLength: 40,
});
