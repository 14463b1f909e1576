/**
 * The fast path's answers written straight to a socket by the server's own HTTP/1.1 front, in the bytes
 * Node's `ServerResponse` writes for the same `writeHead` call: the status line with Node's reason
 * phrase, the headers in the order given, then `Date`, `Connection` and `Keep-Alive`, and
 * `Transfer-Encoding: chunked` for a body of unknown length; no body for HEAD, 204 and 304.
 */
import { type OutgoingHttpHeaders, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import {
  type AnswerWriter,
  LATIN1_BODY_BYTES,
  outgoingHeaders,
  type PreparedAnswer,
} from "./answerWriter.js";

/** A response head's status line and header lines, with what framing and the connection need to know. */
export interface WireHead {
  readonly lines: string;
  readonly hasLength: boolean;
  readonly hasTransferEncoding: boolean;
  readonly hasDate: boolean;
  /** The value of a `connection` header among `lines`, which then replaces the one this front adds. */
  readonly connection: string | undefined;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// What Node's `writeHead` refuses in a header value.
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

export class InvalidResponseHeader extends Error {
  override readonly name = "InvalidResponseHeader";
}

export const wireHeadOf = (status: number, headers: OutgoingHttpHeaders): WireHead => {
  let lines = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "unknown"}\r\n`;
  let hasLength = false;
  let hasTransferEncoding = false;
  let hasDate = false;
  let connection: string | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (!TOKEN.test(name)) throw new InvalidResponseHeader(`Invalid header name ${JSON.stringify(name)}.`);
    for (const one of Array.isArray(value) ? value : [value]) {
      const text = String(one);
      if (INVALID_VALUE.test(text)) throw new InvalidResponseHeader(`Invalid value of header ${name}.`);
      lines += `${name}: ${text}\r\n`;
    }
    switch (name.toLowerCase()) {
      case "content-length":
        hasLength = true;
        break;
      case "transfer-encoding":
        hasTransferEncoding = true;
        break;
      case "date":
        hasDate = true;
        break;
      case "connection":
        connection = String(value);
        break;
    }
  }
  return { lines, hasLength, hasTransferEncoding, hasDate, connection };
};

let dateText = "";
let dateUntil = 0;
/** The `Date` value, made once a second as Node makes it. */
const httpDate = (): string => {
  const now = Date.now();
  if (now >= dateUntil) {
    dateText = new Date(now).toUTCString();
    dateUntil = now - (now % 1000) + 1000;
  }
  return dateText;
};

/** One exchange on a connection of the socket front: what the writer needs of it. */
export interface WireExchange {
  readonly socket: Socket;
  readonly method: "GET" | "HEAD";
  /** Whether the connection may stay open after this answer (the client's wish, the server's state). */
  readonly keepAlive: () => boolean;
  /** The server's keep-alive timeout: `Keep-Alive: timeout=` in whole seconds, no such header when 0. */
  readonly keepAliveMs: number;
  /** The answer is written whole; `reuse` false when the connection is to close now. */
  readonly done: (reuse: boolean) => void;
}

/** Prepared answers are written many times: their head lines are made once. */
const wireHeads = new WeakMap<PreparedAnswer, WireHead>();
/** So are a backend's headers when its answers repeat (the fast path hands over the same pairs then). */
const backendHeads = new WeakMap<
  ReadonlyArray<readonly [string, string]>,
  { readonly status: number; readonly bodyless: boolean; readonly head: WireHead }
>();
const backendHeadOf = (
  status: number,
  pairs: ReadonlyArray<readonly [string, string]>,
  bodyless: boolean,
) => {
  const known = backendHeads.get(pairs);
  if (known !== undefined && known.status === status && known.bodyless === bodyless) return known.head;
  const head = wireHeadOf(status, outgoingHeaders(pairs, !bodyless).headers);
  backendHeads.set(pairs, { status, bodyless, head });
  return head;
};

const CHUNKED_END = "0\r\n\r\n";
const CRLF = "\r\n";

export const wireAnswerWriter = (exchange: WireExchange): AnswerWriter => {
  const { socket } = exchange;
  let headersSent = false;

  /** The head's full text, and how the body that follows is framed. */
  const headText = (head: WireHead, status: number) => {
    const bodyAllowed = exchange.method !== "HEAD" && status !== 204 && status !== 304;
    let text = head.lines;
    if (!head.hasDate) text += `Date: ${httpDate()}\r\n`;
    let reuse = exchange.keepAlive();
    if (head.connection === undefined) {
      if (!reuse) text += "Connection: close\r\n";
      else if (exchange.keepAliveMs > 0)
        text += `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(exchange.keepAliveMs / 1000)}\r\n`;
      else text += "Connection: keep-alive\r\n";
    } else if (/(?:^|,)\s*close\s*(?:,|$)/i.test(head.connection)) reuse = false;
    let chunked = false;
    if (bodyAllowed && !head.hasLength) {
      chunked = true;
      if (!head.hasTransferEncoding) text += "Transfer-Encoding: chunked\r\n";
    }
    headersSent = true;
    return { text: `${text}\r\n`, bodyAllowed, chunked, reuse };
  };

  /** Writes a head and a whole body (or none) and ends the exchange. */
  const writeWhole = (head: WireHead, status: number, body: string | Uint8Array | null) => {
    if (socket.destroyed) return exchange.done(false);
    const framed = headText(head, status);
    const withBody = framed.bodyAllowed && body !== null && body.length > 0;
    if (!withBody) socket.write(framed.chunked ? framed.text + CHUNKED_END : framed.text, "latin1");
    else if (typeof body === "string")
      socket.write(
        framed.chunked
          ? `${framed.text}${body.length.toString(16)}\r\n${body}\r\n${CHUNKED_END}`
          : framed.text + body,
        "latin1",
      );
    else {
      socket.cork();
      socket.write(framed.chunked ? `${framed.text}${body.length.toString(16)}\r\n` : framed.text, "latin1");
      socket.write(body);
      if (framed.chunked) socket.write(CRLF + CHUNKED_END, "latin1");
      socket.uncork();
    }
    exchange.done(framed.reuse);
  };

  const prepared = (answer: PreparedAnswer) => {
    let head = wireHeads.get(answer);
    if (head === undefined) {
      head = wireHeadOf(answer.status, answer.headers);
      wireHeads.set(answer, head);
    }
    writeWhole(head, answer.status, answer.body);
  };

  return {
    get headersSent() {
      return headersSent;
    },
    prepared,
    backend: (answer, pairs, bodyless) => {
      const { status, body, stream } = answer;
      const head = backendHeadOf(status, pairs, bodyless);
      if (bodyless || stream === undefined || socket.destroyed) {
        stream?.destroy();
        const whole = bodyless || body === undefined ? null : body;
        return writeWhole(
          head,
          status,
          whole !== null && whole.length <= LATIN1_BODY_BYTES ? whole.toString("latin1") : whole,
        );
      }
      const framed = headText(head, status);
      socket.write(framed.text, "latin1");
      const onClose = () => stream.destroy();
      const onDrain = () => stream.resume();
      socket.once("close", onClose);
      socket.on("drain", onDrain);
      const settle = () => {
        socket.removeListener("close", onClose);
        socket.removeListener("drain", onDrain);
      };
      stream.on("data", (chunk: Buffer) => {
        if (chunk.length === 0) return;
        let flushed: boolean;
        if (framed.chunked) {
          socket.cork();
          socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
          socket.write(chunk);
          flushed = socket.write(CRLF, "latin1");
          socket.uncork();
        } else flushed = socket.write(chunk);
        if (!flushed) stream.pause();
      });
      stream.once("end", () => {
        settle();
        if (framed.chunked) socket.write(CHUNKED_END, "latin1");
        exchange.done(framed.reuse);
      });
      stream.once("error", () => {
        settle();
        socket.destroy();
      });
    },
    destroy: (error) => socket.destroy(error),
  };
};
