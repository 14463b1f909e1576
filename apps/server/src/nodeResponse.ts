/**
 * Writes answers to a Node response byte for byte as `@hono/node-server` writes the HTTP app's
 * `Response`s (header names lowercase in name order, `set-cookie` last, its default content type, its
 * `Content-Length`), so a client cannot tell which request path answered.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { AppAnswer } from "@w7s/core";

/** What `@hono/node-server` sends as `content-type` when a response with a body has none. */
const DEFAULT_CONTENT_TYPE = "text/plain; charset=UTF-8";

const byName = ([a]: readonly [string, unknown], [b]: readonly [string, unknown]) =>
  a < b ? -1 : a > b ? 1 : 0;

/** Headers in the shape the HTTP app's adapter hands to `writeHead`. */
const outgoingHeaders = (
  pairs: Iterable<readonly [string, string]>,
  hasBody: boolean,
): { headers: OutgoingHttpHeaders; hasContentLength: boolean } => {
  const headers: OutgoingHttpHeaders = {};
  const cookies: string[] = [];
  let hasContentLength = false;
  for (const [name, value] of pairs) {
    if (name === "set-cookie") cookies.push(value);
    else headers[name] = value;
    if (name === "content-length") hasContentLength = true;
  }
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (hasBody) headers["content-type"] ??= DEFAULT_CONTENT_TYPE;
  return { headers, hasContentLength };
};

/** An answer of the core: its status, its headers (names as a Web `Headers` holds them) and its body. */
export const writeAnswer = (response: ServerResponse, answer: AppAnswer): void => {
  const pairs = Object.entries(answer.headers).map(([name, value]): [string, string] => [
    name.toLowerCase(),
    value,
  ]);
  const { headers, hasContentLength } = outgoingHeaders(pairs.sort(byName), answer.body !== null);
  const body = answer.body;
  if (body !== null && !hasContentLength) {
    headers["Content-Length"] = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  }
  response.writeHead(answer.status, headers);
  if (body === null) response.end();
  else response.end(body);
};

/** Bodies up to this size with a known length are read whole and written in one go, as the slow path does. */
const WHOLE_BODY_BYTES = 64 * 1024;

/**
 * A backend's response, its headers already through the response rules (`pairs`, in name order); `bodyless`
 * for HEAD, 204 and 304, whose bodies are never sent.
 */
export const writeBackendResponse = (
  response: ServerResponse,
  incoming: IncomingMessage,
  pairs: Iterable<readonly [string, string]>,
  bodyless: boolean,
): void => {
  const { headers } = outgoingHeaders(pairs, !bodyless);
  const status = incoming.statusCode ?? 502;
  if (bodyless) {
    incoming.resume();
    response.writeHead(status, headers);
    response.end();
    return;
  }
  const length = Number(incoming.headers["content-length"] ?? Number.NaN);
  if (Number.isInteger(length) && length <= WHOLE_BODY_BYTES) {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      response.writeHead(status, headers);
      response.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    incoming.on("error", () => response.destroy());
    return;
  }
  response.writeHead(status, headers);
  response.flushHeaders();
  incoming.on("error", () => response.destroy());
  response.on("close", () => {
    if (!incoming.complete) incoming.destroy();
  });
  incoming.pipe(response);
};
