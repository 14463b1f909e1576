/**
 * A Node request as routing and a backend see it, read the way `@hono/node-server` reads it for the HTTP
 * app (same URL, same header values), so both request paths decide on the same facts.
 */
import type { IncomingMessage } from "node:http";
import type { HeaderLookup, RouteRequest } from "@w7s/core";

// A host and a request target that the HTTP app's adapter would use exactly as sent; anything else it
// normalizes first, and such a request is left to it.
const plainHost = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const plainTarget = /^\/[!#$&-;=?-[\]_a-z~]*$/;
const dotSegment = /\/\.\.?(?:[/?#]|$)/;

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

/** Every value of `name` in Node's raw header list, joined as a Web `Headers` joins them. */
export const rawHeaderValue = (rawHeaders: readonly string[], name: string): string | null => {
  let value: string | null = null;
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const rawName = rawHeaders[index]!;
    if (rawName.length === name.length && rawName.toLowerCase() === name) {
      value = value === null ? rawHeaders[index + 1]! : `${value}, ${rawHeaders[index + 1]!}`;
    }
  }
  return value;
};

const headerLookupOf = (request: IncomingMessage): HeaderLookup => ({
  get: (name) => {
    const lower = name.toLowerCase();
    if (firstValueHeaders.has(lower)) return rawHeaderValue(request.rawHeaders, lower);
    const value = request.headers[lower];
    return typeof value === "string" ? value : null;
  },
});

/**
 * A bodyless GET or HEAD whose URL the HTTP app would see exactly as sent, as a `RouteRequest`;
 * `undefined` for anything else.
 */
export const plainRouteRequest = (request: IncomingMessage): RouteRequest | undefined => {
  const { method, url: target, headers } = request;
  if (method !== "GET" && method !== "HEAD") return undefined;
  const host = headers.host;
  if (host === undefined || target === undefined) return undefined;
  if (!plainHost.test(host) || !plainTarget.test(target) || dotSegment.test(target)) return undefined;
  if (headers["transfer-encoding"] !== undefined) return undefined;
  if (headers["content-length"] !== undefined && headers["content-length"] !== "0") return undefined;
  const lookup = headerLookupOf(request);
  return { method, url: `http://${host}${target}`, host: lookup.get("host") ?? undefined, headers: lookup };
};

/** Node's raw headers as a Web `Headers` holds them: lowercase names, repeated ones joined, in name order. */
export const headerPairs = (rawHeaders: readonly string[]): Array<[string, string]> => {
  const joined = new Map<string, string>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase();
    const value = rawHeaders[index + 1]!;
    const before = joined.get(name);
    joined.set(name, before === undefined ? value : `${before}, ${value}`);
  }
  return [...joined].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
};
