/**
 * A small HTTP/1.1 client for the server's own backend sockets, used on the request path where Node's
 * `http.request` costs more than the backend itself: keep-alive connections per socket, one exchange at a
 * time on each, the request head written in one call, and a response parser that reads only what framing
 * needs. Bodies of known small length arrive whole; chunked, large and close-delimited ones stream, with
 * backpressure. Anything the parser does not accept fails the exchange and closes that connection, so a
 * backend that answers garbage can only fail its own request.
 */
import { connect, type Socket } from "node:net";
import { Readable } from "node:stream";
import { memoByText } from "@w7s/core";
import { backendHeaderFilter } from "./hopByHop.js";

/** A request with no body, as a server's fast path sends it. */
export interface Http1Request {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** Lowercase names, each once. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A backend's answer, once its head has arrived. */
export interface Http1Answer {
  readonly status: number;
  /** Names and values as the backend sent them, alternating (as Node's `rawHeaders`). */
  readonly rawHeaders: ReadonlyArray<string>;
  /** The whole body when it was small and of known length (empty when there is none), else `undefined`. */
  readonly body: Buffer | undefined;
  /** The body as it arrives when `body` is `undefined`. */
  readonly stream: Readable | undefined;
}

/** What the client refuses in a backend's answer. */
export class BackendProtocolError extends Error {
  override readonly name = "BackendProtocolError";
}

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE_BYTES = 4 * 1024;
/** Bodies up to this size and of known length are read whole before the answer is handed over. */
export const WHOLE_BODY_BYTES = 64 * 1024;
const MAX_IDLE_PER_SOCKET = 64;
const HEAD_END = Buffer.from("\r\n\r\n");
const EMPTY = Buffer.alloc(0);
const STATUS_LINE = /^HTTP\/1\.[01] ([1-9]\d\d)(?: |$)/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNSAFE_VALUE = /[\r\n\0]/;

type Framing =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  | { readonly kind: "close" };

interface Head {
  readonly status: number;
  readonly rawHeaders: readonly string[];
  readonly framing: Framing;
  readonly reusable: boolean;
}

/** Parses a response head (without its final blank line); throws BackendProtocolError on anything odd. */
export const parseResponseHead = (text: string, method: string): Head => {
  const lines = text.split("\r\n");
  const status = STATUS_LINE.exec(lines[0] ?? "");
  if (status === null) throw new BackendProtocolError("The backend's answer has no valid status line.");
  const code = Number(status[1]);
  if (code < 200) throw new BackendProtocolError(`The backend answered with an interim status ${code}.`);
  const rawHeaders: string[] = [];
  let lengths: string[] = [];
  let transferEncoding: string | undefined;
  let reusable = !lines[0]!.startsWith("HTTP/1.0");
  for (let index = 1; index < lines.length; index += 1) {
    const line = lines[index]!;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name))
      throw new BackendProtocolError("The backend's answer has a malformed header line.");
    // Optional whitespace is spaces and tabs only (RFC 9110 5.6.3), as Node's parser and a Web `Headers` strip it.
    let from = colon + 1;
    let to = line.length;
    while (from < to && (line.charCodeAt(from) === 32 || line.charCodeAt(from) === 9)) from += 1;
    while (to > from && (line.charCodeAt(to - 1) === 32 || line.charCodeAt(to - 1) === 9)) to -= 1;
    const value = line.slice(from, to);
    if (UNSAFE_VALUE.test(value))
      throw new BackendProtocolError("The backend's answer has a malformed header.");
    rawHeaders.push(name, value);
    const lower = name.toLowerCase();
    if (lower === "content-length") lengths = [...lengths, ...value.split(",").map((part) => part.trim())];
    else if (lower === "transfer-encoding")
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
    else if (lower === "connection" && /(?:^|,)\s*close\s*(?:,|$)/i.test(value)) reusable = false;
  }
  if (method === "HEAD" || code === 204 || code === 304)
    return { status: code, rawHeaders, framing: { kind: "none" }, reusable };
  if (transferEncoding !== undefined) {
    const codings = transferEncoding
      .toLowerCase()
      .split(",")
      .map((part) => part.trim());
    // A message with both framings is answered as chunked and its connection not kept (RFC 9112 6.3).
    if (codings.at(-1) === "chunked")
      return {
        status: code,
        rawHeaders,
        framing: { kind: "chunked" },
        reusable: reusable && lengths.length === 0,
      };
    return { status: code, rawHeaders, framing: { kind: "close" }, reusable: false };
  }
  if (lengths.length > 0) {
    const first = lengths[0]!;
    if (!/^\d{1,15}$/.test(first) || lengths.some((length) => length !== first))
      throw new BackendProtocolError("The backend's answer has an invalid content-length.");
    return { status: code, rawHeaders, framing: { kind: "length", length: Number(first) }, reusable };
  }
  return { status: code, rawHeaders, framing: { kind: "close" }, reusable: false };
};

// A backend answers the same request with the same head again and again: each distinct head is parsed once.
const headOfAnswerToHead = memoByText((text) => parseResponseHead(text, "HEAD"));
const headOfAnswer = memoByText((text) => parseResponseHead(text, "GET"));

/** Decodes a chunked body as it arrives; `push` gets the data, `true` from `write` means the body ended. */
const chunkedDecoder = (push: (data: Buffer) => void) => {
  let state: "size" | "data" | "data-end" | "trailers" = "size";
  let line = "";
  let remaining = 0;
  return (input: Buffer): { done: boolean; rest: Buffer } => {
    let offset = 0;
    while (offset < input.length) {
      if (state === "data") {
        const take = Math.min(remaining, input.length - offset);
        push(input.subarray(offset, offset + take));
        offset += take;
        remaining -= take;
        if (remaining === 0) state = "data-end";
        continue;
      }
      const newline = input.indexOf(10, offset);
      const end = newline < 0 ? input.length : newline + 1;
      line += input.toString("latin1", offset, end);
      offset = end;
      if (line.length > MAX_CHUNK_LINE_BYTES)
        throw new BackendProtocolError("The backend's chunked answer has an overlong line.");
      if (newline < 0) break;
      if (!line.endsWith("\r\n"))
        throw new BackendProtocolError("The backend's chunked answer is malformed.");
      const content = line.slice(0, -2);
      line = "";
      if (state === "data-end") {
        if (content !== "") throw new BackendProtocolError("The backend's chunked answer is malformed.");
        state = "size";
      } else if (state === "size") {
        const size = (content.split(";")[0] ?? "").trim();
        if (!/^[0-9A-Fa-f]{1,12}$/.test(size))
          throw new BackendProtocolError("The backend's chunked answer has an invalid chunk size.");
        remaining = Number.parseInt(size, 16);
        state = remaining === 0 ? "trailers" : "data";
      } else if (content === "") {
        return { done: true, rest: input.subarray(offset) };
      }
    }
    return { done: false, rest: EMPTY };
  };
};

const requestHead = (request: Http1Request): string => {
  if (!TOKEN.test(request.method) || /[\s\0]/.test(request.path) || !request.path.startsWith("/"))
    throw new TypeError("Invalid request line for a backend.");
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  const passes = backendHeaderFilter(request.headers["connection"]);
  for (const name in request.headers) {
    const value = request.headers[name]!;
    if (!passes(name)) continue;
    if (!TOKEN.test(name) || UNSAFE_VALUE.test(value))
      throw new TypeError(`Invalid header ${name} for a backend.`);
    head += `${name}: ${value}\r\n`;
  }
  // The server's own hop, as node:http's keep-alive agent says it on the HTTP app's path.
  return `${head}connection: keep-alive\r\n\r\n`;
};

/**
 * What the client needs of a signal to abort an exchange: an `AbortSignal` has it, and so does the runtime's
 * lighter per-request deadline. One listener at a time is enough.
 */
export interface Http1Signal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

type Settle = (error: Error | undefined, answer: Http1Answer | undefined) => void;

/** Starts an exchange on a kept or new connection; `mayRetry` once, when a kept one turns out closed. */
type Start = (
  socketPath: string,
  method: string,
  written: string,
  signal: Http1Signal,
  mayRetry: boolean,
  settle: Settle,
) => void;

/**
 * A kept connection to one backend socket. Its listeners are set once, when it connects: bytes go to the
 * exchange in progress, and a connection that is closed or sends bytes while it has none is dropped.
 */
class Connection {
  exchange: Exchange | undefined = undefined;
  readonly socket: Socket;
  /** The idle connections to the same socket path, this one among them while it waits. */
  readonly idle: Connection[];

  constructor(socket: Socket, idle: Connection[]) {
    this.socket = socket;
    this.idle = idle;
    socket.on("data", (chunk: Buffer) => {
      if (this.exchange === undefined) this.drop();
      else this.exchange.onData(chunk);
    });
    const ended = () => {
      if (this.exchange === undefined) this.drop();
      else this.exchange.onEnd();
    };
    socket.on("end", ended);
    socket.on("close", ended);
    socket.on("error", (error: Error) => {
      if (this.exchange === undefined) this.drop();
      else this.exchange.fail(error);
    });
  }

  get usable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  /** Back among the idle connections, or closed when there are enough of them. */
  release(): void {
    if (this.idle.length >= MAX_IDLE_PER_SOCKET || this.socket.destroyed) {
      this.socket.destroy();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    this.idle.push(this);
  }

  drop(): void {
    this.socket.destroy();
    const at = this.idle.indexOf(this);
    if (at >= 0) this.idle.splice(at, 1);
  }
}

/** One request and its answer on a connection. */
class Exchange {
  private received = false;
  private settled = false;
  private finished = false;
  private head: Head | undefined = undefined;
  private pending: Buffer | undefined = undefined;
  private stream: Readable | undefined = undefined;
  private readonly collected: Buffer[] = [];
  private remaining = 0;
  private decode: ReturnType<typeof chunkedDecoder> | undefined = undefined;
  private readonly onAbort = () => {
    const { reason } = this.signal;
    this.fail(reason instanceof Error ? reason : new Error("The request was aborted."));
  };

  private readonly connection: Connection;
  /** The connection was kept from an earlier exchange (a backend may have closed it meanwhile). */
  private readonly reused: boolean;
  private readonly socketPath: string;
  private readonly method: string;
  private readonly written: string;
  private readonly signal: Http1Signal;
  private readonly settle: Settle;
  /** How to send the request again on another connection; undefined when this is the second try. */
  private readonly again: Start | undefined;

  constructor(
    connection: Connection,
    reused: boolean,
    socketPath: string,
    method: string,
    written: string,
    signal: Http1Signal,
    settle: Settle,
    again: Start | undefined,
  ) {
    this.connection = connection;
    this.reused = reused;
    this.socketPath = socketPath;
    this.method = method;
    this.written = written;
    this.signal = signal;
    this.settle = settle;
    this.again = again;
  }

  start() {
    if (this.signal.aborted) return this.onAbort();
    this.connection.exchange = this;
    this.signal.addEventListener("abort", this.onAbort, { once: true });
    // Header values hold one character per byte received (Node and the socket front decode them so):
    // written back byte for byte, as the HTTP app's client sends them too.
    this.connection.socket.write(this.written, "latin1");
  }

  private end(): void {
    this.finished = true;
    if (this.connection.exchange === this) this.connection.exchange = undefined;
    this.signal.removeEventListener("abort", this.onAbort);
  }

  fail(error: Error) {
    if (this.finished) return;
    this.end();
    this.connection.socket.destroy();
    if (this.settled) {
      this.stream?.destroy(error);
      return;
    }
    this.settled = true;
    // A kept connection the backend closed while it sat idle: the request never reached it.
    const { again } = this;
    if (
      again !== undefined &&
      this.reused &&
      !this.received &&
      !this.signal.aborted &&
      !(error instanceof BackendProtocolError)
    )
      return again(this.socketPath, this.method, this.written, this.signal, false, this.settle);
    this.settle(error, undefined);
  }

  private complete(rest: Buffer | undefined): void {
    if (this.finished) return;
    this.end();
    if (this.head!.reusable && (rest === undefined || rest.length === 0) && !this.signal.aborted)
      this.connection.release();
    else this.connection.socket.destroy();
    if (this.stream !== undefined) {
      this.stream.push(null);
      return;
    }
    this.settled = true;
    const { collected } = this;
    this.settle(undefined, {
      status: this.head!.status,
      rawHeaders: this.head!.rawHeaders,
      body:
        collected.length === 1 ? collected[0]! : collected.length === 0 ? EMPTY : Buffer.concat(collected),
      stream: undefined,
    });
  }

  private deliver(data: Buffer): void {
    if (data.length === 0) return;
    if (this.stream === undefined) this.collected.push(data);
    else if (!this.stream.push(data)) this.connection.socket.pause();
  }

  private startStream(): void {
    const { socket } = this.connection;
    const stream = new Readable({
      read: () => {
        socket.resume();
      },
      destroy: (error, callback) => {
        if (!this.finished) {
          this.end();
          socket.destroy();
        }
        callback(error);
      },
    });
    // The reader may attach its own listener only later; a backend's bad bytes must never become an
    // uncaught stream error in the server.
    stream.on("error", () => {});
    this.stream = stream;
    this.settled = true;
    this.settle(undefined, {
      status: this.head!.status,
      rawHeaders: this.head!.rawHeaders,
      body: undefined,
      stream,
    });
  }

  private onBody(data: Buffer): void {
    const framing = this.head!.framing;
    if (framing.kind === "length") {
      const take = Math.min(this.remaining, data.length);
      this.deliver(take === data.length ? data : data.subarray(0, take));
      this.remaining -= take;
      if (this.remaining === 0) this.complete(take === data.length ? undefined : data.subarray(take));
    } else if (framing.kind === "chunked") {
      const { done, rest } = this.decode!(data);
      if (done) this.complete(rest);
    } else if (framing.kind === "close") this.deliver(data);
    else this.complete(data);
  }

  onData(chunk: Buffer) {
    this.received = true;
    try {
      if (this.head !== undefined) return this.onBody(chunk);
      const pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
      const end = pending.indexOf(HEAD_END);
      if (end < 0) {
        if (pending.length > MAX_HEAD_BYTES)
          throw new BackendProtocolError("The backend's answer head is too large.");
        this.pending = pending;
        return;
      }
      if (end > MAX_HEAD_BYTES) throw new BackendProtocolError("The backend's answer head is too large.");
      const text = pending.toString("latin1", 0, end);
      const head = this.method === "HEAD" ? headOfAnswerToHead(text) : headOfAnswer(text);
      this.head = head;
      this.pending = undefined;
      const bodyAt = end + HEAD_END.length;
      const rest = bodyAt < pending.length ? pending.subarray(bodyAt) : undefined;
      const framing = head.framing;
      if (framing.kind === "none") return this.complete(rest);
      if (framing.kind === "length") {
        this.remaining = framing.length;
        if (this.remaining > WHOLE_BODY_BYTES) this.startStream();
        if (this.remaining === 0) return this.complete(rest);
      } else {
        if (framing.kind === "chunked") this.decode = chunkedDecoder((data) => this.deliver(data));
        this.startStream();
      }
      if (rest !== undefined) this.onBody(rest);
    } catch (error) {
      this.fail(error instanceof Error ? error : new BackendProtocolError(String(error)));
    }
  }

  onEnd(): void {
    if (this.head?.framing.kind === "close") this.complete(undefined);
    else this.fail(new Error("The backend closed the connection before its answer was complete."));
  }
}

// A caller that sends the same request object again (the server's fast path does, for a request repeated
// on a kept connection) has its head written once.
const requestHeads = new WeakMap<Http1Request, string>();
const requestHeadOf = (request: Http1Request): string => {
  let head = requestHeads.get(request);
  if (head === undefined) {
    head = requestHead(request);
    requestHeads.set(request, head);
  }
  return head;
};

/** Keep-alive connections to Unix sockets, and one exchange at a time on each. */
export const makeHttp1Client = () => {
  const idle = new Map<string, Connection[]>();

  const takeIdle = (socketPath: string): Connection | undefined => {
    const connections = idle.get(socketPath);
    let connection = connections?.pop();
    while (connection !== undefined && !connection.usable) connection = connections?.pop();
    return connection;
  };

  const exchange: Start = (socketPath, method, written, signal, mayRetry, settle) => {
    let connection = takeIdle(socketPath);
    const reused = connection !== undefined;
    if (connection === undefined) {
      let connections = idle.get(socketPath);
      if (connections === undefined) {
        connections = [];
        idle.set(socketPath, connections);
      }
      connection = new Connection(connect(socketPath), connections);
    }
    const again = mayRetry ? exchange : undefined;
    new Exchange(connection, reused, socketPath, method, written, signal, settle, again).start();
  };

  return {
    /** Sends `request` on a kept or new connection to `socketPath`; resolves once the answer's head is in. */
    request: (socketPath: string, request: Http1Request, signal: Http1Signal): Promise<Http1Answer> =>
      new Promise<Http1Answer>((resolve, reject) => {
        let written: string;
        try {
          written = requestHeadOf(request);
        } catch (error) {
          reject(error);
          return;
        }
        exchange(socketPath, request.method, written, signal, true, (error, answer) => {
          if (error !== undefined) reject(error);
          else resolve(answer!);
        });
      }),
    /** Closes every kept connection. */
    close: () => {
      for (const connections of idle.values())
        for (const connection of connections) connection.socket.destroy();
      idle.clear();
    },
  };
};
