/** A request of Node's `http` server as the fast path reads it. */
import type { IncomingMessage } from "node:http";
import type { HeaderLookup } from "@w7s/core";
import { type PlainRequest, rawHeaderValue } from "./plainRequest.js";

// Node keeps the first of these when they repeat; a Web `Headers` joins them with ", ".
const firstValueHeaders: ReadonlySet<string> = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

const headerLookupOf = (request: IncomingMessage): HeaderLookup => ({
  get: (name) => {
    const lower = name.toLowerCase();
    if (firstValueHeaders.has(lower)) return rawHeaderValue(request.rawHeaders, lower);
    const value = request.headers[lower];
    return typeof value === "string" ? value : null;
  },
});

/** A bodyless GET or HEAD with a `Host`, as a `PlainRequest`; `undefined` for anything else. */
export const plainRequestOf = (request: IncomingMessage): PlainRequest | undefined => {
  const { method, url: target, headers } = request;
  if (method !== "GET" && method !== "HEAD") return undefined;
  const host = headers.host;
  if (host === undefined || target === undefined) return undefined;
  if (headers["transfer-encoding"] !== undefined) return undefined;
  if (headers["content-length"] !== undefined && headers["content-length"] !== "0") return undefined;
  return { method, target, host, rawHeaders: request.rawHeaders, headers: headerLookupOf(request) };
};
