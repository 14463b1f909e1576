import { describe, expect, it } from "vitest";
import { prefixEnd } from "./fsBucket.js";
import { FS_LIMITS } from "./r2Errors.js";
import { checkKey, conditionHolds, customMetadataSize, resolveRange } from "./r2Rules.js";
import { parseRequest } from "./r2Wire.js";

const current = { etag: "abc", uploaded: Date.parse("2026-01-01T00:00:10.500Z") };
const strong = (value: string) => ({ type: "strong" as const, value });
const weak = (value: string) => ({ type: "weak" as const, value });

describe("R2 onlyIf preconditions", () => {
  it.each([
    ["no condition", {}, true],
    ["If-Match strong", { etagMatches: [strong("abc")] }, true],
    ["If-Match other", { etagMatches: [strong("x")] }, false],
    ["If-Match weak never matches", { etagMatches: [weak("abc")] }, false],
    ["If-Match wildcard", { etagMatches: [{ type: "wildcard" as const }] }, true],
    ["If-None-Match same", { etagDoesNotMatch: [strong("abc")] }, false],
    ["If-None-Match weak compares weakly", { etagDoesNotMatch: [weak("abc")] }, false],
    ["If-None-Match other", { etagDoesNotMatch: [strong("x"), weak("y")] }, true],
    ["If-None-Match wildcard", { etagDoesNotMatch: [{ type: "wildcard" as const }] }, false],
    ["uploadedBefore later", { uploadedBefore: current.uploaded + 1 }, true],
    ["uploadedBefore same instant", { uploadedBefore: current.uploaded }, false],
    ["uploadedAfter earlier", { uploadedAfter: current.uploaded - 1 }, true],
    ["uploadedAfter same instant", { uploadedAfter: current.uploaded }, false],
    // Truncated to seconds, 10.500 s and 10.900 s are the same second.
    ["seconds granularity", { uploadedAfter: current.uploaded - 400, secondsGranularity: true }, false],
    [
      "If-Match decides over If-Unmodified-Since",
      { etagMatches: [strong("abc")], uploadedBefore: current.uploaded - DAY },
      true,
    ],
    [
      "If-None-Match decides over If-Modified-Since",
      { etagDoesNotMatch: [strong("x")], uploadedAfter: current.uploaded + DAY },
      true,
    ],
  ])("%s", (_name, condition, expected) => {
    expect(conditionHolds({ secondsGranularity: false, ...condition }, current)).toBe(expected);
  });

  it("treats a missing object as failing If-Match and If-Modified-Since only", () => {
    expect(conditionHolds({ secondsGranularity: false, etagMatches: [strong("abc")] }, undefined)).toBe(
      false,
    );
    expect(conditionHolds({ secondsGranularity: false, uploadedAfter: 1 }, undefined)).toBe(false);
    expect(
      conditionHolds({ secondsGranularity: false, etagDoesNotMatch: [{ type: "wildcard" }] }, undefined),
    ).toBe(true);
    expect(conditionHolds({ secondsGranularity: false, uploadedBefore: 1 }, undefined)).toBe(true);
  });
});

const DAY = 24 * 60 * 60_000;

describe("R2 get ranges", () => {
  it.each([
    [
      { offset: 2, length: 3 },
      { offset: 2, length: 3 },
    ],
    [{ offset: 4 }, { offset: 4, length: 6 }],
    [{ length: 20 }, { offset: 0, length: 10 }],
    [{ suffix: 4 }, { offset: 6, length: 4 }],
    [{ suffix: 40 }, { offset: 0, length: 10 }],
  ])("%j of 10 bytes", (range, expected) => {
    expect(resolveRange(range, undefined, 10)).toEqual(expected);
  });

  it.each([[{ offset: 11 }], [{ offset: 10 }], [{ offset: 3, length: 0 }], [{ suffix: 0 }]])(
    "refuses %j",
    (range) => {
      expect(() => resolveRange(range, undefined, 10)).toThrow("The requested range is not satisfiable");
    },
  );

  it.each([
    ["bytes=0-0", { offset: 0, length: 1 }],
    ["bytes=3-", { offset: 3, length: 7 }],
    ["bytes=-3", { offset: 7, length: 3 }],
    ["bytes=5-100", { offset: 5, length: 5 }],
    ["bytes=20-30", { offset: 0, length: 10 }],
    ["bytes=0-1,4-5", { offset: 0, length: 10 }],
    ["items=0-1", { offset: 0, length: 10 }],
  ])("Range header %s selects %j", (header, expected) => {
    expect(resolveRange(undefined, header, 10)).toEqual(expected);
  });

  it("reads all of an empty object", () => {
    expect(resolveRange(undefined, undefined, 0)).toEqual({ offset: 0, length: 0 });
    expect(resolveRange({ offset: 0 }, undefined, 0)).toEqual({ offset: 0, length: 0 });
  });
});

describe("R2 names and metadata", () => {
  it("limits keys to 1024 UTF-8 bytes and refuses the empty key", () => {
    expect(() => checkKey("a".repeat(1024), FS_LIMITS)).not.toThrow();
    expect(() => checkKey("é".repeat(512), FS_LIMITS)).not.toThrow();
    expect(() => checkKey("é".repeat(513), FS_LIMITS)).toThrow("The specified object name is not valid.");
    expect(() => checkKey("", FS_LIMITS)).toThrow("The specified object name is not valid.");
  });

  it("measures custom metadata by characters, doubled for text beyond Latin-1", () => {
    expect(customMetadataSize({ ab: "cde" })).toBe(5);
    expect(customMetadataSize({ k: "ééé" })).toBe(4);
    expect(customMetadataSize({ k: "€€" })).toBe(5);
  });

  it("finds the end of a prefix in UTF-8 byte order", () => {
    expect(prefixEnd("a/")).toBe("a0");
    expect(prefixEnd("\u{10ffff}")).toBeUndefined();
    expect(prefixEnd("a\u{10ffff}")).toBe("b");
    expect(prefixEnd("\ud7ff")).toBe("\ue000");
  });

  it("reads the etag condition of older runtimes, sent as one text", () => {
    expect(
      parseRequest(JSON.stringify({ method: "get", object: "k", onlyIf: { etagMatches: '"abc"' } })),
    ).toMatchObject({ onlyIf: { etagMatches: [{ type: "strong", value: "abc" }] } });
    expect(
      parseRequest(JSON.stringify({ method: "get", object: "k", onlyIf: { etagDoesNotMatch: "*" } })),
    ).toMatchObject({ onlyIf: { etagDoesNotMatch: [{ type: "wildcard" }] } });
  });
});
