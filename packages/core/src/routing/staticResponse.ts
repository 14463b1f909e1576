/** Status, headers and byte range of a static file answer: D.3 headers plus 304 and 206/416 (DECISIONS 10). */
import type { HeaderLookup, StaticBody, StaticFileInfo } from "./routeModel.js";

/** `cache-control` of fingerprint-style assets: anything not HTML whose path has a dot. */
export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";

/** `cache-control` of HTML and extensionless files: revalidate every time. */
export const REVALIDATE_CACHE_CONTROL = "no-cache";

const isImmutableAsset = (file: StaticFileInfo): boolean =>
  !file.contentType.toLowerCase().startsWith("text/html") &&
  !file.routePath.toLowerCase().endsWith(".html") &&
  file.routePath.includes(".");

/** `"<sha256 hex>"`, the strong validator of a file. */
export const quotedEtag = (file: StaticFileInfo): string => `"${file.etag}"`;

/** The D.3 headers of a static file: its content type, the cache rule, and its quoted etag. */
export const staticResponseHeaders = (file: StaticFileInfo): Record<string, string> => ({
  "content-type": file.contentType,
  "cache-control": isImmutableAsset(file) ? IMMUTABLE_CACHE_CONTROL : REVALIDATE_CACHE_CONTROL,
  etag: quotedEtag(file),
});

/** True when an `If-None-Match` value names the file (weak comparison, `*` matches any file). */
export const ifNoneMatchMatches = (ifNoneMatch: string, file: StaticFileInfo): boolean => {
  const etag = quotedEtag(file);
  return ifNoneMatch.split(",").some((token) => {
    const tag = token.trim();
    return tag === "*" || tag.replace(/^W\//, "") === etag;
  });
};

/** A `Range` header resolved against a file size. */
export type ByteRangeOutcome =
  /** No usable single byte range: serve the whole file. */
  | { readonly kind: "ignore" }
  | { readonly kind: "unsatisfiable" }
  | { readonly kind: "range"; readonly offset: number; readonly length: number };

const singleByteRange = /^bytes=(\d*)-(\d*)$/i;

/**
 * Resolves one `bytes=` range (`a-b`, `a-`, `-n`) against `size`. Several ranges, other units and malformed
 * or reversed ranges are ignored (the whole file is served); a range starting at or past the end, or an
 * empty suffix, is unsatisfiable.
 */
export const resolveByteRange = (range: string, size: number): ByteRangeOutcome => {
  const match = singleByteRange.exec(range.trim());
  const first = match?.[1] ?? "";
  const last = match?.[2] ?? "";
  if (match === null || (first === "" && last === "")) return { kind: "ignore" };
  if (first === "") {
    const suffix = Math.min(Number(last), size);
    return suffix <= 0 ? { kind: "unsatisfiable" } : { kind: "range", offset: size - suffix, length: suffix };
  }
  const offset = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < offset) return { kind: "ignore" };
  if (offset >= size) return { kind: "unsatisfiable" };
  return { kind: "range", offset, length: end - offset + 1 };
};

/** The request facts a static answer depends on. */
export interface StaticRequest {
  readonly method: string;
  readonly headers: HeaderLookup;
}

/** A static answer before it is tagged with who served it. */
export interface StaticAnswer {
  readonly status: 200 | 206 | 304 | 416;
  readonly headers: Record<string, string>;
  readonly body: StaticBody;
}

/**
 * How to answer a GET or HEAD for `file`: 304 when `If-None-Match` names it, 206 for one satisfiable
 * `Range` on a GET (unless `If-Range` names another version), 416 for an unsatisfiable one, else 200.
 * HEAD gets the same status and headers without a body; it ignores `Range`, as HTTP defines ranges for GET.
 */
export const staticAnswer = (file: StaticFileInfo, request: StaticRequest): StaticAnswer => {
  const headers = staticResponseHeaders(file);
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null && ifNoneMatchMatches(ifNoneMatch, file)) {
    return {
      status: 304,
      headers: {
        "cache-control": headers["cache-control"] ?? REVALIDATE_CACHE_CONTROL,
        etag: quotedEtag(file),
      },
      body: { kind: "none" },
    };
  }
  const isHead = request.method.toUpperCase() === "HEAD";
  const whole: StaticAnswer = {
    status: 200,
    headers: { ...headers, "accept-ranges": "bytes" },
    body: isHead ? { kind: "none" } : { kind: "whole" },
  };
  const range = request.headers.get("range");
  const ifRange = request.headers.get("if-range");
  if (isHead || range === null || (ifRange !== null && ifRange.trim() !== quotedEtag(file))) return whole;
  const outcome = resolveByteRange(range, file.size);
  switch (outcome.kind) {
    case "ignore":
      return whole;
    case "unsatisfiable":
      return {
        status: 416,
        headers: { ...headers, "accept-ranges": "bytes", "content-range": `bytes */${file.size}` },
        body: { kind: "none" },
      };
    case "range":
      return {
        status: 206,
        headers: {
          ...headers,
          "accept-ranges": "bytes",
          "content-range": `bytes ${outcome.offset}-${outcome.offset + outcome.length - 1}/${file.size}`,
        },
        body: { kind: "range", offset: outcome.offset, length: outcome.length },
      };
  }
};
