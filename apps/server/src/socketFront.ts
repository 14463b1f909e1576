/**
 * The server's own HTTP/1.1 front. Node's `http` server costs more per request than a hello-world backend
 * behind it, so connections are read here first: each bodyless GET or HEAD that `parseRequestHead`
 * accepts and the fast path can answer from memory is answered on the socket directly. The first request
 * that is anything else hands the whole connection to Node's `http` server, with the bytes already read
 * put back in front of the socket, and Node's parser then reads from that request on exactly what it
 * would have read on its own. Requests on a connection are answered one after another, in order; a
 * connection is handed over only between two answers, never during one.
 *
 * Like Node's server it closes an idle keep-alive connection a second after its `keepAliveTimeout`,
 * answers 408 to a head that takes longer than its `headersTimeout`, and on close ends idle connections
 * at once and busy ones after their answer.
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";
import { memoByText } from "@w7s/core";
import type { AnswerWriter } from "./answerWriter.js";
import { MAX_REQUEST_HEAD_BYTES, parseRequestHead, type RequestHead } from "./requestHead.js";
import { wireAnswerWriter } from "./wireResponse.js";

export interface SocketFrontOptions {
  /** The listening `http` server whose connections this front reads first. */
  readonly server: Server;
  /** Answers a request and returns true, or returns false having written nothing (Node's server answers). */
  readonly serve: (request: RequestHead, writer: AnswerWriter) => boolean;
  /** Called when an answer starts and when it is written whole or its connection is gone. */
  readonly started?: () => void;
  readonly finished?: () => void;
}

export interface SocketFront {
  /** Connections this front still reads (not handed to Node's server). */
  readonly connections: () => number;
  /** Ends idle connections now and every other one after its answer; new answers say `Connection: close`. */
  readonly close: () => void;
  /** Destroys every connection this front still reads. */
  readonly destroyAll: () => void;
}

const HEAD_END = Buffer.from("\r\n\r\n");
const REQUEST_TIMEOUT = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";
const BAD_REQUEST = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";

// A client on a kept connection sends the same head again and again: each distinct one is parsed once.
const parseHead = memoByText(parseRequestHead);

const hasBareLineFeed = (bytes: Buffer): boolean => {
  for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1))
    if (at === 0 || bytes[at - 1] !== 13) return true;
  return false;
};

interface Connection {
  readonly socket: Socket;
  /** Bytes read and not yet answered: the start of the next request. */
  pending: Buffer | undefined;
  busy: boolean;
  /** When the head now being read began (or the connection opened), 0 when none is. */
  headSince: number;
  /** When the connection last became idle between answers, 0 when it is not. */
  idleSince: number;
  /** The client half-closed its side. */
  ended: boolean;
  /** This connection has been handed to Node's server or closed: nothing more happens here. */
  gone: boolean;
  /** This front's listeners on the socket, taken off when Node's server takes over. */
  // biome-ignore lint/suspicious/noExplicitAny: listeners of several events, taken off as they were put on
  readonly listeners: Array<readonly [event: string, listener: (...args: any[]) => void]>;
}

/**
 * Puts the front before `server`'s own connection handling. Call before the server accepts connections
 * that it should see.
 */
export const installSocketFront = (options: SocketFrontOptions): SocketFront => {
  const { server, serve } = options;
  const nodeConnectionListeners = server.listeners("connection") as Array<(socket: Socket) => void>;
  server.removeAllListeners("connection");
  const connections = new Set<Connection>();
  let closing = false;

  const keepAliveMs = () => server.keepAliveTimeout;
  // Node closes an idle connection this much after the timeout it advertises, so that a client never
  // sends a request on a connection that is closing.
  const keepAliveBufferMs = () =>
    (server as Server & { keepAliveTimeoutBuffer?: number }).keepAliveTimeoutBuffer ?? 1000;
  const headersMs = () => server.headersTimeout;

  const forget = (connection: Connection) => {
    connection.gone = true;
    connections.delete(connection);
  };

  const handOff = (connection: Connection) => {
    const { socket } = connection;
    forget(connection);
    for (const [event, listener] of connection.listeners) socket.removeListener(event, listener);
    if (socket.readableEnded) {
      // The client half-closed with a request only Node's server can read: its bytes cannot be put back.
      socket.destroy();
      return;
    }
    socket.pause();
    if (connection.pending !== undefined) socket.unshift(connection.pending);
    connection.pending = undefined;
    for (const listener of nodeConnectionListeners) listener.call(server, socket);
    socket.resume();
  };

  const endConnection = (connection: Connection) => {
    forget(connection);
    connection.socket.end();
  };

  /** Answers what `pending` holds, one request at a time, until a request is in flight or more bytes are needed. */
  const drive = (connection: Connection) => {
    const { socket } = connection;
    while (!connection.gone && !connection.busy) {
      const pending = connection.pending;
      if (pending === undefined) {
        connection.headSince = 0;
        connection.idleSince = Date.now();
        if (connection.ended || closing) endConnection(connection);
        else if (socket.isPaused()) socket.resume();
        return;
      }
      const headEnd = pending.indexOf(HEAD_END);
      if (headEnd < 0) {
        // A head with bare line feeds may be complete to another parser: Node's reads it, to refuse it.
        if (pending.length > MAX_REQUEST_HEAD_BYTES || hasBareLineFeed(pending)) return handOff(connection);
        if (connection.ended) {
          // As Node's server answers input that ends inside a head.
          forget(connection);
          socket.end(BAD_REQUEST, "latin1");
          return;
        }
        if (connection.headSince === 0) connection.headSince = Date.now();
        connection.idleSince = 0;
        if (socket.isPaused()) socket.resume();
        return;
      }
      const head =
        headEnd > MAX_REQUEST_HEAD_BYTES ? undefined : parseHead(pending.toString("latin1", 0, headEnd));
      if (head === undefined) return handOff(connection);
      connection.busy = true;
      connection.idleSince = 0;
      let synchronous = true;
      const writer = wireAnswerWriter({
        socket,
        method: head.method,
        keepAlive: () => !head.close && !closing,
        keepAliveMs: keepAliveMs(),
        done: (reuse) => {
          if (!connection.busy) return;
          connection.busy = false;
          options.finished?.();
          if (!reuse) return endConnection(connection);
          if (!synchronous) drive(connection);
        },
      });
      options.started?.();
      let served: boolean;
      try {
        served = serve(head, writer);
      } catch (error) {
        served = writer.headersSent;
        if (served) socket.destroy(error instanceof Error ? error : undefined);
      }
      synchronous = false;
      if (!served) {
        connection.busy = false;
        options.finished?.();
        return handOff(connection);
      }
      const rest = headEnd + HEAD_END.length;
      connection.pending = rest < pending.length ? pending.subarray(rest) : undefined;
      connection.headSince = 0;
      // Pipelined bytes wait for the answer in flight: reading stops, so that they can still be handed
      // to Node's server if they need it (a client's end of input, once read, could not be put back).
      if (connection.busy && connection.pending !== undefined) socket.pause();
    }
  };

  const accept = (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    const connection: Connection = {
      socket,
      pending: undefined,
      busy: false,
      headSince: Date.now(),
      idleSince: 0,
      ended: false,
      gone: false,
      listeners: [],
    };
    connections.add(connection);
    // biome-ignore lint/suspicious/noExplicitAny: as above
    const listen = (event: string, listener: (...args: any[]) => void) => {
      connection.listeners.push([event, listener]);
      socket.on(event, listener);
    };
    listen("data", (chunk: Buffer) => {
      connection.pending =
        connection.pending === undefined ? chunk : Buffer.concat([connection.pending, chunk]);
      // While an answer is in flight, bytes wait and reading stops: the client's end of input stays unread,
      // and these bytes can still be handed to Node's server.
      if (connection.busy) socket.pause();
      else drive(connection);
    });
    listen("end", () => {
      connection.ended = true;
      if (!connection.busy && !connection.gone) drive(connection);
    });
    listen("error", () => socket.destroy());
    listen("close", () => {
      forget(connection);
      if (connection.busy) {
        connection.busy = false;
        options.finished?.();
      }
    });
  };
  server.on("connection", accept);

  // Timeouts are checked together, as Node's server checks its own: at most a second late.
  const checkEveryMs = () =>
    Math.max(10, Math.min(1000, Math.floor(Math.min(keepAliveMs() || 1000, headersMs() || 1000) / 4)));
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const now = Date.now();
    const keepAlive = keepAliveMs();
    const idleLimit = keepAlive + keepAliveBufferMs();
    const headers = headersMs();
    for (const connection of connections) {
      if (connection.busy) continue;
      if (connection.idleSince > 0 && keepAlive > 0 && now - connection.idleSince >= idleLimit) {
        forget(connection);
        connection.socket.destroy();
      } else if (connection.headSince > 0 && headers > 0 && now - connection.headSince >= headers) {
        forget(connection);
        connection.socket.end(REQUEST_TIMEOUT, "latin1");
        connection.socket.destroySoon();
      }
    }
    if (closing && connections.size === 0) return;
    timer = setTimeout(check, checkEveryMs());
    timer.unref();
  };
  timer = setTimeout(check, checkEveryMs());
  timer.unref();

  return {
    connections: () => connections.size,
    close: () => {
      closing = true;
      for (const connection of connections) if (!connection.busy) endConnection(connection);
    },
    destroyAll: () => {
      clearTimeout(timer);
      for (const connection of connections) {
        forget(connection);
        connection.socket.destroy();
      }
    },
  };
};
