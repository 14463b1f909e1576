/**
 * How the fast path's answers reach a client, whichever front accepted the request: Node's `http` server
 * (`nodeResponse.ts`) or the server's own HTTP/1.1 front on the socket (`wireResponse.ts`). Both write
 * the same bytes, as `@hono/node-server` writes the HTTP app's `Response`s (header names lowercase in
 * name order, `set-cookie` last, its default content type, its `Content-Length`), so a client cannot tell
 * which request path answered.
 */
import type { OutgoingHttpHeaders } from "node:http";
import type { BackendAnswer } from "@w7s/adapter-node";
import type { AppAnswer } from "@w7s/core";

/** What the fast path writes to. */
export interface AnswerWriter {
  /** True once the status line went out: after that, a failure can only cut the connection. */
  readonly headersSent: boolean;
  /** Writes an answer whole. */
  readonly prepared: (answer: PreparedAnswer) => void;
  /**
   * A backend's answer, its headers already through the response rules (`pairs`, in name order);
   * `bodyless` for HEAD, 204 and 304, whose bodies are never sent. A small body of known length arrived
   * whole and is written in one go; any other streams through, and stops if the client goes.
   */
  readonly backend: (
    answer: BackendAnswer,
    pairs: ReadonlyArray<readonly [string, string]>,
    bodyless: boolean,
  ) => void;
  readonly destroy: (error?: Error) => void;
}

/** What `@hono/node-server` sends as `content-type` when a response with a body has none. */
const DEFAULT_CONTENT_TYPE = "text/plain; charset=UTF-8";

const byName = ([a]: readonly [string, unknown], [b]: readonly [string, unknown]) =>
  a < b ? -1 : a > b ? 1 : 0;

/** Headers in the shape the HTTP app's adapter hands to `writeHead`. */
export const outgoingHeaders = (
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
   * Small bodies are kept as latin1 strings (one character per byte): they then go out in one write with
   * the head instead of a two-buffer writev, measurably cheaper per response. Larger ones stay bytes.
   */
  readonly body: string | Uint8Array | null;
  /** Bytes held beyond the stores' own caches, for bounding a memo of prepared answers. */
  readonly weight: number;
}

/** Bodies up to this size are written as latin1 strings together with their head. */
export const LATIN1_BODY_BYTES = 16 * 1024;

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
