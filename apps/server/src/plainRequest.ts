/**
 * A bodyless GET or HEAD as the fast path reads it, whichever front parsed it: Node's `http` server
 * (`nodeRequest.ts`) or the server's own HTTP/1.1 front (`requestHead.ts`). Its URL and header values are
 * the ones `@hono/node-server` gives the HTTP app, so both request paths decide on the same facts.
 */
import type { HeaderLookup, RouteRequest } from "@w7s/core";
import { WebHeaderList } from "./webHeaderList.js";

export interface PlainRequest {
  readonly method: "GET" | "HEAD";
  /** The request target exactly as sent. */
  readonly target: string;
  /** The `Host` header. */
  readonly host: string;
  /** Names and values as sent, alternating (as Node's `rawHeaders`). */
  readonly rawHeaders: readonly string[];
  /** Header values as a Web `Headers` holds them. */
  readonly headers: HeaderLookup;
}

// A host and a request target that the HTTP app's adapter would use exactly as sent; anything else it
// normalizes first, and such a request is left to it.
const plainHost = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const plainTarget = /^\/[!#$&-;=?-[\]_a-z~]*$/;
const dotSegment = /\/\.\.?(?:[/?#]|$)/;

/** The request as routing sees it, or `undefined` when the HTTP app would see another URL than the one sent. */
export const routeRequestOf = (request: PlainRequest): RouteRequest | undefined => {
  const { host, target } = request;
  if (!plainHost.test(host) || !plainTarget.test(target) || dotSegment.test(target)) return undefined;
  return {
    method: request.method,
    url: `http://${host}${target}`,
    host: request.headers.get("host") ?? undefined,
    headers: request.headers,
  };
};

/** Every value of `name` in a raw header list, joined as a Web `Headers` joins them. */
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

/** Raw headers as iterating a Web `Headers` gives them: lowercase names, repeated ones joined, in name order. */
export const headerPairs = (rawHeaders: readonly string[]): Array<[string, string]> =>
  new WebHeaderList(rawHeaders).pairs();
