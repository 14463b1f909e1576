/**
 * The request heads the socket front answers itself: `GET` or `HEAD` in origin form over HTTP/1.1, each
 * header once, a `Host`, and nothing that gives the request a body, changes the protocol or asks for an
 * interim answer. Anything else, odd or merely unusual, is not parsed further: `parseRequestHead` returns
 * `undefined` and the connection goes to Node's parser, which then reads the same bytes it always would.
 * So this parser can only ever accept less than Node's, never read a message differently.
 */
import type { PlainRequest } from "./plainRequest.js";

export interface RequestHead extends PlainRequest {
  /** The client asked for the connection to close after the answer (`Connection: close`). */
  readonly close: boolean;
}

/** Heads longer than this go to Node's parser, which answers 431 past its own limit. */
export const MAX_REQUEST_HEAD_BYTES = 8 * 1024;
const MAX_HEADER_LINES = 100;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Control characters other than tab; bytes above 0x7f are allowed, as Node allows them.
const UNSAFE_VALUE = /[\0-\x08\n-\x1f\x7f]/;
const UNSAFE_TARGET = /[\0-\x20\x7f]/;
const VERSION = " HTTP/1.1";

// A body's framing, a protocol switch, an interim answer: all Node's to handle.
const handedOff: ReadonlySet<string> = new Set([
  "content-length",
  "transfer-encoding",
  "upgrade",
  "expect",
  "http2-settings",
]);

const isSpace = (code: number) => code === 32 || code === 9;

/**
 * A request head, as latin1 text without its final blank line (one character per byte, as Node decodes
 * header values), or `undefined` when the socket front leaves it to Node.
 */
export const parseRequestHead = (head: string): RequestHead | undefined => {
  let lineEnd = head.indexOf("\r\n");
  if (lineEnd < 0) return undefined;
  const method = head.startsWith("GET ") ? "GET" : head.startsWith("HEAD ") ? "HEAD" : undefined;
  if (method === undefined || head.lastIndexOf(VERSION, lineEnd) !== lineEnd - VERSION.length)
    return undefined;
  const target = head.slice(method.length + 1, lineEnd - VERSION.length);
  if (target.charCodeAt(0) !== 47 || UNSAFE_TARGET.test(target)) return undefined;

  const rawHeaders: string[] = [];
  const values = new Map<string, string>();
  let close = false;
  while (lineEnd >= 0) {
    const start = lineEnd + 2;
    lineEnd = head.indexOf("\r\n", start);
    const end = lineEnd < 0 ? head.length : lineEnd;
    const colon = head.indexOf(":", start);
    if (colon < 0 || colon > end) return undefined;
    const name = head.slice(start, colon);
    // An empty or malformed name, and an obs-fold line (it starts with a space), end here.
    if (!TOKEN.test(name)) return undefined;
    let from = colon + 1;
    let to = end;
    while (from < to && isSpace(head.charCodeAt(from))) from += 1;
    while (to > from && isSpace(head.charCodeAt(to - 1))) to -= 1;
    const value = head.slice(from, to);
    if (UNSAFE_VALUE.test(value)) return undefined;
    const lower = name.toLowerCase();
    if (values.has(lower) || handedOff.has(lower)) return undefined;
    if (lower === "connection") {
      const option = value.toLowerCase();
      if (option === "close") close = true;
      else if (option !== "keep-alive") return undefined;
    }
    values.set(lower, value);
    rawHeaders.push(name, value);
    if (rawHeaders.length > 2 * MAX_HEADER_LINES) return undefined;
  }
  const host = values.get("host");
  if (host === undefined) return undefined;
  return {
    method,
    target,
    host,
    rawHeaders,
    headers: { get: (name) => values.get(name.toLowerCase()) ?? null },
    close,
  };
};
