import { describe, expect, it } from "vitest";
import type { StaticFileInfo } from "./routeModel.js";
import {
  IMMUTABLE_CACHE_CONTROL,
  ifNoneMatchMatches,
  REVALIDATE_CACHE_CONTROL,
  resolveByteRange,
  staticAnswer,
  staticResponseHeaders,
} from "./staticResponse.js";

const file = (routePath: string, contentType: string, size = 10): StaticFileInfo => ({
  routePath,
  contentType,
  size,
  etag: "ab12",
});

describe("D.3 static response headers", () => {
  it.each<[string, StaticFileInfo, string]>([
    ["a script", file("assets/app.js", "text/javascript; charset=utf-8"), IMMUTABLE_CACHE_CONTROL],
    ["an image", file("logo.png", "image/png"), IMMUTABLE_CACHE_CONTROL],
    ["HTML by content type", file("page.htm", "text/html; charset=utf-8"), REVALIDATE_CACHE_CONTROL],
    ["HTML by path", file("index.html", "application/octet-stream"), REVALIDATE_CACHE_CONTROL],
    ["a path without a dot", file("LICENSE", "text/plain"), REVALIDATE_CACHE_CONTROL],
    ["a zero-byte extensionless file", file("deploy-from-github", "application/octet-stream", 0), "no-cache"],
  ])("%s", (_name, info, cacheControl) => {
    expect(staticResponseHeaders(info)).toStrictEqual({
      "content-type": info.contentType,
      "cache-control": cacheControl,
      etag: '"ab12"',
    });
  });

  it("uses the exact cache texts", () => {
    expect([IMMUTABLE_CACHE_CONTROL, REVALIDATE_CACHE_CONTROL]).toStrictEqual([
      "public, max-age=31536000, immutable",
      "no-cache",
    ]);
  });
});

describe("DECISIONS 10 If-None-Match", () => {
  it.each<[string, boolean]>([
    ['"ab12"', true],
    ['W/"ab12"', true],
    ["*", true],
    ['"zz", "ab12"', true],
    ['"zz"', false],
    ["ab12", false],
    ["", false],
  ])("%j matches: %s", (header, expected) => {
    expect(ifNoneMatchMatches(header, file("a.js", "text/javascript"))).toBe(expected);
  });
});

describe("DECISIONS 10 single byte ranges", () => {
  it.each<[string, number, ReturnType<typeof resolveByteRange>]>([
    ["bytes=0-3", 10, { kind: "range", offset: 0, length: 4 }],
    ["bytes=5-", 10, { kind: "range", offset: 5, length: 5 }],
    ["bytes=-3", 10, { kind: "range", offset: 7, length: 3 }],
    ["bytes=-30", 10, { kind: "range", offset: 0, length: 10 }],
    ["bytes=8-100", 10, { kind: "range", offset: 8, length: 2 }],
    ["Bytes=9-9", 10, { kind: "range", offset: 9, length: 1 }],
    ["bytes=10-", 10, { kind: "unsatisfiable" }],
    ["bytes=10-20", 10, { kind: "unsatisfiable" }],
    ["bytes=-0", 10, { kind: "unsatisfiable" }],
    ["bytes=0-", 0, { kind: "unsatisfiable" }],
    ["bytes=-5", 0, { kind: "unsatisfiable" }],
    ["bytes=5-2", 10, { kind: "ignore" }],
    ["bytes=0-1,4-5", 10, { kind: "ignore" }],
    ["bytes=-", 10, { kind: "ignore" }],
    ["items=0-1", 10, { kind: "ignore" }],
    ["bytes=a-b", 10, { kind: "ignore" }],
  ])("%j of %i bytes", (header, size, expected) => {
    expect(resolveByteRange(header, size)).toStrictEqual(expected);
  });
});

describe("D.3 + DECISIONS 10 static answer", () => {
  const js = file("assets/app.js", "text/javascript", 10);
  const base = {
    "content-type": "text/javascript",
    "cache-control": IMMUTABLE_CACHE_CONTROL,
    etag: '"ab12"',
    "accept-ranges": "bytes",
  };
  it.each<[string, string, Record<string, string>, ReturnType<typeof staticAnswer>]>([
    ["GET", "GET", {}, { status: 200, headers: base, body: { kind: "whole" } }],
    ["HEAD has no body", "HEAD", {}, { status: 200, headers: base, body: { kind: "none" } }],
    [
      "If-None-Match match is 304",
      "GET",
      { "if-none-match": '"ab12"' },
      {
        status: 304,
        headers: { "cache-control": IMMUTABLE_CACHE_CONTROL, etag: '"ab12"' },
        body: { kind: "none" },
      },
    ],
    [
      "HEAD If-None-Match match is 304",
      "HEAD",
      { "if-none-match": 'W/"ab12"' },
      {
        status: 304,
        headers: { "cache-control": IMMUTABLE_CACHE_CONTROL, etag: '"ab12"' },
        body: { kind: "none" },
      },
    ],
    [
      "If-None-Match mismatch is 200",
      "GET",
      { "if-none-match": '"old"' },
      { status: 200, headers: base, body: { kind: "whole" } },
    ],
    [
      "Range is 206",
      "GET",
      { range: "bytes=2-5" },
      {
        status: 206,
        headers: { ...base, "content-range": "bytes 2-5/10" },
        body: { kind: "range", offset: 2, length: 4 },
      },
    ],
    [
      "unsatisfiable Range is 416",
      "GET",
      { range: "bytes=50-" },
      { status: 416, headers: { ...base, "content-range": "bytes */10" }, body: { kind: "none" } },
    ],
    [
      "several ranges are ignored",
      "GET",
      { range: "bytes=0-1,3-4" },
      { status: 200, headers: base, body: { kind: "whole" } },
    ],
    [
      "HEAD ignores Range",
      "HEAD",
      { range: "bytes=0-1" },
      { status: 200, headers: base, body: { kind: "none" } },
    ],
    [
      "If-Range naming this version keeps the range",
      "GET",
      { range: "bytes=0-0", "if-range": '"ab12"' },
      {
        status: 206,
        headers: { ...base, "content-range": "bytes 0-0/10" },
        body: { kind: "range", offset: 0, length: 1 },
      },
    ],
    [
      "If-Range naming another version serves the whole file",
      "GET",
      { range: "bytes=0-0", "if-range": '"old"' },
      { status: 200, headers: base, body: { kind: "whole" } },
    ],
    [
      "If-None-Match wins over Range",
      "GET",
      { range: "bytes=0-0", "if-none-match": '"ab12"' },
      {
        status: 304,
        headers: { "cache-control": IMMUTABLE_CACHE_CONTROL, etag: '"ab12"' },
        body: { kind: "none" },
      },
    ],
  ])("%s", (_name, method, headers, expected) => {
    expect(staticAnswer(js, { method, headers: new Headers(headers) })).toStrictEqual(expected);
  });
});
