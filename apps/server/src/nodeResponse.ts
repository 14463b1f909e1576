/**
 * Writes answers to a Node response byte for byte as `@hono/node-server` writes the HTTP app's
 * `Response`s (header names lowercase in name order, `set-cookie` last, its default content type, its
 * `Content-Length`), so a client cannot tell which request path answered.
 */
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { BackendAnswer } from "@w7s/adapter-node";
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

/**
 * A backend's answer, its headers already through the response rules (`pairs`, in name order); `bodyless`
 * for HEAD, 204 and 304, whose bodies are never sent. A small body of known length arrived whole and is
 * written in one go, as the slow path does; any other streams through, and stops if the client goes.
 */
export const writeBackendResponse = (
  response: ServerResponse,
  answer: BackendAnswer,
  pairs: Iterable<readonly [string, string]>,
  bodyless: boolean,
): void => {
  const { headers } = outgoingHeaders(pairs, !bodyless);
  const { status, body, stream } = answer;
  if (bodyless || stream === undefined) {
    stream?.destroy();
    response.writeHead(status, headers);
    if (bodyless || body === undefined || body.length === 0) response.end();
    // As for prepared answers: a small body as a latin1 string goes out in one write with the headers.
    else if (body.length <= LATIN1_BODY_BYTES) response.end(body.toString("latin1"), "latin1");
    else response.end(body);
    return;
  }
  response.writeHead(status, headers);
  response.flushHeaders();
  stream.on("error", () => response.destroy());
  response.on("close", () => {
    if (!stream.readableEnded) stream.destroy();
  });
  stream.pipe(response);
};
