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

/** An answer in the form `writeHead` takes, computed once and written any number of times. */
export interface PreparedAnswer {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  /**
   * Small bodies are kept as latin1 strings (one character per byte): Node then sends headers and body in
   * one write instead of a two-buffer writev, measurably cheaper per response. Larger ones stay bytes.
   */
  readonly body: string | Uint8Array | null;
  /** Bytes held beyond the stores' own caches, for bounding a memo of prepared answers. */
  readonly weight: number;
}

const LATIN1_BODY_BYTES = 16 * 1024;

/** An answer of the core: its status, its headers (names as a Web `Headers` holds them) and its body. */
export const prepareAnswer = (answer: AppAnswer): PreparedAnswer => {
  const pairs = Object.entries(answer.headers).map(([name, value]): [string, string] => [
    name.toLowerCase(),
    value,
  ]);
  const { headers, hasContentLength } = outgoingHeaders(pairs.sort(byName), answer.body !== null);
  const bytes =
    answer.body === null
      ? null
      : typeof answer.body === "string"
        ? Buffer.from(answer.body)
        : Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
  if (bytes !== null && !hasContentLength) headers["Content-Length"] = bytes.byteLength;
  const small = bytes !== null && bytes.byteLength <= LATIN1_BODY_BYTES;
  return {
    status: answer.status,
    headers,
    body: small ? bytes.toString("latin1") : bytes,
    weight: small ? bytes.byteLength : 0,
  };
};

export const writePrepared = (response: ServerResponse, answer: PreparedAnswer): void => {
  response.writeHead(answer.status, answer.headers);
  if (answer.body === null) response.end();
  else if (typeof answer.body === "string") response.end(answer.body, "latin1");
  else response.end(answer.body);
};

export const writeAnswer = (response: ServerResponse, answer: AppAnswer): void =>
  writePrepared(response, prepareAnswer(answer));

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
