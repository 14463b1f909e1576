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
  readonly rawHeaders: string[];
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
    const value = line.slice(colon + 1).trim();
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
    return { done: false, rest: Buffer.alloc(0) };
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

/** Keep-alive connections to Unix sockets, and one exchange at a time on each. */
export const makeHttp1Client = () => {
  const idle = new Map<string, Socket[]>();
  const unwatchers = new WeakMap<Socket, () => void>();

  const takeIdle = (socketPath: string): Socket | undefined => {
    const sockets = idle.get(socketPath);
    let socket = sockets?.pop();
    while (socket !== undefined && (socket.destroyed || !socket.writable)) socket = sockets?.pop();
    return socket;
  };

  const release = (socketPath: string, socket: Socket) => {
    const sockets = idle.get(socketPath) ?? [];
    if (sockets.length >= MAX_IDLE_PER_SOCKET || socket.destroyed) {
      socket.destroy();
      return;
    }
    sockets.push(socket);
    idle.set(socketPath, sockets);
  };

  /** An idle connection that is closed, or that receives bytes nobody asked for, is dropped. */
  const watchIdle = (socketPath: string, socket: Socket) => {
    const drop = () => {
      socket.destroy();
      const sockets = idle.get(socketPath);
      const at = sockets?.indexOf(socket) ?? -1;
      if (at >= 0) sockets!.splice(at, 1);
    };
    socket.on("data", drop);
    socket.on("close", drop);
    socket.on("error", drop);
    unwatchers.set(socket, () => {
      socket.off("data", drop);
      socket.off("close", drop);
      socket.off("error", drop);
    });
  };

  const exchange = (
    socketPath: string,
    request: Http1Request,
    written: string,
    signal: AbortSignal,
    mayRetry: boolean,
  ): Promise<Http1Answer> =>
    new Promise<Http1Answer>((resolve, reject) => {
      const reused = takeIdle(socketPath);
      const socket = reused ?? connect(socketPath);
      if (reused !== undefined) {
        unwatchers.get(reused)?.();
        unwatchers.delete(reused);
      }
      let settled = false;
      let received = false;
      let head: Head | undefined;
      let pending: Buffer = Buffer.alloc(0);
      let stream: Readable | undefined;
      const collected: Buffer[] = [];
      let remaining = 0;
      let decode: ReturnType<typeof chunkedDecoder> | undefined;
      let finished = false;

      const cleanup = () => {
        socket.off("data", onData);
        socket.off("end", onEnd);
        socket.off("close", onClose);
        socket.off("error", onError);
        signal.removeEventListener("abort", onAbort);
      };
      const fail = (error: Error) => {
        if (finished) return;
        finished = true;
        cleanup();
        socket.destroy();
        if (!settled) {
          settled = true;
          // A kept connection the backend closed while it sat idle: the request never reached it.
          if (reused !== undefined && !received && mayRetry && !(error instanceof BackendProtocolError)) {
            exchange(socketPath, request, written, signal, false).then(resolve, reject);
            return;
          }
          reject(error);
        } else stream?.destroy(error);
      };
      const complete = (rest: Buffer) => {
        if (finished) return;
        finished = true;
        cleanup();
        if (head!.reusable && rest.length === 0 && !signal.aborted) {
          watchIdle(socketPath, socket);
          release(socketPath, socket);
        } else socket.destroy();
        if (stream !== undefined) stream.push(null);
        else {
          settled = true;
          resolve({
            status: head!.status,
            rawHeaders: head!.rawHeaders,
            body: collected.length === 1 ? collected[0]! : Buffer.concat(collected),
            stream: undefined,
          });
        }
      };
      const deliver = (data: Buffer) => {
        if (data.length === 0) return;
        if (stream === undefined) collected.push(data);
        else if (!stream.push(data)) socket.pause();
      };
      const startStream = () => {
        stream = new Readable({
          read: () => {
            socket.resume();
          },
          destroy: (error, callback) => {
            if (!finished) {
              finished = true;
              cleanup();
              socket.destroy();
            }
            callback(error);
          },
        });
        // The reader may attach its own listener only later; a backend's bad bytes must never become an
        // uncaught stream error in the server.
        stream.on("error", () => {});
        settled = true;
        resolve({ status: head!.status, rawHeaders: head!.rawHeaders, body: undefined, stream });
      };
      const onBody = (data: Buffer) => {
        const framing = head!.framing;
        if (framing.kind === "length") {
          const take = Math.min(remaining, data.length);
          deliver(data.subarray(0, take));
          remaining -= take;
          if (remaining === 0) complete(data.subarray(take));
        } else if (framing.kind === "chunked") {
          const { done, rest } = decode!(data);
          if (done) complete(rest);
        } else if (framing.kind === "close") deliver(data);
        else complete(data);
      };
      const onData = (chunk: Buffer) => {
        received = true;
        try {
          if (head !== undefined) return onBody(chunk);
          pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
          const end = pending.indexOf(HEAD_END);
          if (end < 0) {
            if (pending.length > MAX_HEAD_BYTES)
              throw new BackendProtocolError("The backend's answer head is too large.");
            return;
          }
          if (end > MAX_HEAD_BYTES) throw new BackendProtocolError("The backend's answer head is too large.");
          head = parseResponseHead(pending.toString("latin1", 0, end), request.method);
          const rest = pending.subarray(end + HEAD_END.length);
          pending = Buffer.alloc(0);
          const framing = head.framing;
          if (framing.kind === "none") return complete(rest);
          if (framing.kind === "length") {
            remaining = framing.length;
            if (remaining > WHOLE_BODY_BYTES) startStream();
            if (remaining === 0) return complete(rest);
          } else {
            if (framing.kind === "chunked") decode = chunkedDecoder(deliver);
            startStream();
          }
          if (rest.length > 0) onBody(rest);
        } catch (error) {
          fail(error instanceof Error ? error : new BackendProtocolError(String(error)));
        }
      };
      const onEnd = () => {
        if (head?.framing.kind === "close") complete(Buffer.alloc(0));
        else fail(new Error("The backend closed the connection before its answer was complete."));
      };
      const onClose = () => onEnd();
      const onError = (error: Error) => fail(error);
      const onAbort = () =>
        fail(signal.reason instanceof Error ? signal.reason : new Error("The request was aborted."));

      if (signal.aborted) return onAbort();
      socket.on("data", onData);
      socket.on("end", onEnd);
      socket.on("close", onClose);
      socket.on("error", onError);
      signal.addEventListener("abort", onAbort, { once: true });
      // Header values hold one character per byte received (Node and the socket front decode them so):
      // written back byte for byte, as the HTTP app's client sends them too.
      socket.write(written, "latin1");
    });

  return {
    /** Sends `request` on a kept or new connection to `socketPath`; resolves once the answer's head is in. */
    request: (socketPath: string, request: Http1Request, signal: AbortSignal): Promise<Http1Answer> => {
      let written: string;
      try {
        written = requestHead(request);
      } catch (error) {
        return Promise.reject(error);
      }
      return exchange(socketPath, request, written, signal, true);
    },
    /** Closes every kept connection. */
    close: () => {
      for (const sockets of idle.values()) for (const socket of sockets) socket.destroy();
      idle.clear();
    },
  };
};
