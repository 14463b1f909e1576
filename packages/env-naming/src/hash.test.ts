import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyText } from "../test/arbitraries.js";
import { hash7 } from "./hash.js";

describe("B.6 hash7 (FNV-1a-32, base 36, 7 chars)", () => {
  it.each([
    ["", "0ztntfp"], // the offset basis 2166136261 itself, left-padded
    ["a", "1r9wi7g"], // FNV-1a-32 test vector 0xe40c292c
    ["foobar", "1h5yxyg"], // FNV-1a-32 test vector 0xbf9cf968
    ["inbox\0console", "06ke78m"],
    ["inbox\0support-api", "1vdc2cp"],
    ["Counter", "1xxr16r"],
    ["k20", "0b1gobs"],
  ])("%j -> %j", (value, expected) => {
    expect(hash7(value)).toBe(expected);
  });

  it("hashes UTF-16 code units, so a surrogate pair is two steps", () => {
    expect(hash7("🚀")).toBe(hash7("\ud83d\ude80"));
    expect(hash7("é")).not.toBe(hash7("e\u0301"));
  });

  it("always yields 7 base-36 characters", () => {
    fc.assert(fc.property(anyText, (value) => /^[0-9a-z]{7}$/.test(hash7(value))));
  });
});
