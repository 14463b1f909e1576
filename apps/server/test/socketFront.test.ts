import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../src/config.js";
import { parseRequestHead } from "../src/requestHead.js";
import { type RunningServer, startServer } from "../src/server.js";
import { deployFiles } from "./support/deployFiles.js";

const TOKEN = "socket-front-token";
const HOST = "front.w7s.localhost";
const LARGE_BYTES = 64 * 1024 * 1024;

const get = (path: string, headers = "", method = "GET") =>
  `${method} ${path} HTTP/1.1\r\nHost: ${HOST}\r\nUser-Agent: front-test\r\n${headers}\r\n`;
const LAST = get("/site/assets/app.js", "Connection: close\r\n", "HEAD");

const BACKEND = `let pulled = 0;
export default {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/pulled": return Response.json({ pulled });
      case "/api": return Response.json({ method: request.method, agent: request.headers.get("user-agent") });
      case "/chunked": return new Response(new ReadableStream({
        start(controller) { controller.enqueue(new TextEncoder().encode("one,")); controller.enqueue(new TextEncoder().encode("two")); controller.close(); },
      }));
      case "/big": return new Response("b".repeat(100 * 1024));
      case "/large": {
        let sent = 0;
        const piece = new Uint8Array(64 * 1024).fill(120);
        return new Response(new ReadableStream({
          pull(controller) { if (sent >= ${LARGE_BYTES}) return controller.close(); sent += piece.length; pulled += 1; controller.enqueue(piece); },
        }));
      }
      case "/empty": return new Response(null, { status: 204 });
      case "/moved": return new Response(null, { status: 302, headers: { location: "/elsewhere" } });
      case "/slow": await new Promise((done) => setTimeout(done, 800)); return new Response("late");
      default: return new Response("backend 404", { status: 404 });
    }
  },
};`;

const deploy = async (server: RunningServer, repo: string, files: Record<string, string>) => {
  const response = await deployFiles(server.url, TOKEN, `front/${repo}`, files, "e".repeat(40));
  expect(response.status).toBe(200);
};

/**
 * Writes `bytes` on a fresh connection and resolves with every byte the server sent until it closed the
 * connection: after `bytes`, a last request asks it to (`Connection: close`). The client never ends its
 * own side first: Node's server would then drop an answer still in flight.
 */
const exchange = (server: RunningServer, bytes: string, closing = true) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close after ${Buffer.concat(chunks).length} bytes`));
    }, 10_000);
    let quiet: NodeJS.Timeout | undefined;
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      // Without a closing request, the answer is what arrived before the connection went quiet.
      if (!closing) {
        clearTimeout(quiet);
        quiet = setTimeout(() => socket.destroy(), 300);
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    socket.write(closing ? bytes + LAST : bytes, "latin1");
  });

/** The bytes with every `Date` value blanked: the one part two answers a second apart may differ in. */
const undated = (text: string) => text.replace(/^Date: [^\r]*\r$/gm, "Date: -\r");

let front: RunningServer;
let nodeOnly: RunningServer;

beforeAll(async () => {
  const settings = {
    ...DEFAULT_SETTINGS,
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "w7s-front-")),
    deployToken: TOKEN,
    requestTimeoutMs: 5_000,
  };
  front = await startServer(settings);
  // The same data directory, every connection left to Node's `http` server: the bytes the front must match.
  nodeOnly = await startServer(settings, { socketFront: false });
  await deploy(front, "site", {
    "dist/index.html": "<!doctype html><h1>site</h1>",
    "dist/assets/app.js": `console.log("${"x".repeat(300)}");`,
  });
  await deploy(front, "spa", { "dist/index.html": "<h1>spa</h1>", "backend/index.js": BACKEND });
  // The fast path calls a backend once the SPA index it may fall back to is in memory.
  await Promise.all([exchange(front, get("/spa/settings")), exchange(nodeOnly, get("/spa/settings"))]);
}, 60_000);

afterAll(async () => {
  await Promise.all([front?.close(1_000), nodeOnly?.close(1_000)]);
});

/** Both servers' bytes for the same input, after one warm-up each, and how many answers the front wrote. */
const compare = async (bytes: string) => {
  await exchange(front, bytes);
  await exchange(nodeOnly, bytes);
  const before = front.answeredOnSocket();
  const ours = await exchange(front, bytes);
  const onSocket = front.answeredOnSocket() - before;
  const reference = await exchange(nodeOnly, bytes);
  return { ours: undated(ours), reference: undated(reference), onSocket };
};

// [name, bytes, answers the front writes (the closing request included)]
const answeredTable: ReadonlyArray<readonly [string, string, number]> = [
  ["a static file", get("/site/assets/app.js"), 2],
  ["HEAD of a static file", get("/site/assets/app.js", "", "HEAD"), 2],
  ["a trailing-slash redirect", get("/site?x=1"), 2],
  ["a 304", get("/site/assets/app.js", `If-None-Match: "nope"\r\n`), 2],
  ["a Range", get("/site/assets/app.js", "Range: bytes=0-9\r\n"), 2],
  ["not connected", get("/nothing/"), 2],
  ["a backend's JSON", get("/spa/api"), 2],
  ["a backend's HEAD", get("/spa/api", "", "HEAD"), 2],
  ["a backend's chunked body", get("/spa/chunked"), 2],
  ["a backend's HEAD of a chunked body", get("/spa/chunked", "", "HEAD"), 2],
  ["a backend's 100 KiB body", get("/spa/big"), 2],
  ["a backend's 204", get("/spa/empty"), 2],
  ["a backend's redirect", get("/spa/moved"), 2],
  ["the SPA fallback after a backend 404", get("/spa/settings"), 2],
  ["Connection: close, with a request after it", get("/site/assets/app.js", "Connection: close\r\n"), 1],
  ["three pipelined requests", get("/site/assets/app.js") + get("/spa/api") + get("/spa/chunked"), 4],
];

describe("the socket front answers fast-path requests in the bytes Node's server writes", () => {
  it.each(answeredTable)(
    "%s",
    async (_name, bytes, answeredByFront) => {
      const { ours, reference, onSocket } = await compare(bytes);
      expect(onSocket).toBe(answeredByFront);
      expect(ours).toBe(reference);
      expect(ours.startsWith("HTTP/1.1 ")).toBe(true);
    },
    20_000,
  );
});

// Inputs whose reading could differ between two parsers, and requests the fast path never takes: the front
// must leave each connection to Node from the first such request, so the bytes answered are Node's.
const handedOffTable: ReadonlyArray<readonly [string, string, number]> = [
  ["a GET with a body", get("/site/", "Content-Length: 30\r\n") + get("/smuggled").slice(0, 30), 0],
  ["Transfer-Encoding: chunked", `${get("/site/", "Transfer-Encoding: chunked\r\n")}0\r\n\r\n`, 0],
  [
    "Content-Length and Transfer-Encoding",
    `${get("/site/", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n")}0\r\n\r\n`,
    0,
  ],
  ["two Content-Length values", `${get("/site/", "Content-Length: 0\r\nContent-Length: 5\r\n")}hello`, 0],
  ["an obs-fold header line", get("/site/", "X-Folded: one\r\n two\r\n"), 0],
  ["a space before the colon", get("/site/", "X-Space : one\r\n"), 0],
  ["two Host headers", get("/site/", `Host: other.w7s.localhost\r\n`), 0],
  ["no Host", "GET /site/ HTTP/1.1\r\nUser-Agent: x\r\n\r\n", 0],
  ["bare LF line ends", `GET /site/ HTTP/1.1\nHost: ${HOST}\n\n`, 0],
  ["HTTP/1.0", `GET /site/ HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`, 0],
  ["an absolute-form target", `GET http://${HOST}/site/ HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, 0],
  ["Expect: 100-continue", get("/site/", "Expect: 100-continue\r\n"), 0],
  ["a 12 KiB header", get("/site/", `X-Long: ${"l".repeat(12 * 1024)}\r\n`), 0],
  ["a NUL in a header value", get("/site/", "X-Nul: a\0b\r\n"), 0],
  ["the platform's health route", get("/health"), 0],
  ["a POST", `POST /spa/api HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 2\r\n\r\nhi`, 0],
  [
    "a fast GET, then a POST with a body that looks like a request, then a GET",
    `${get("/spa/api")}POST /spa/api HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: ${get("/x").length}\r\n\r\n${get("/x")}${get("/site/")}`,
    1,
  ],
  [
    "a slow backend, then a request with a body",
    `${get("/spa/slow")}${get("/site/", "Content-Length: 1\r\n")}x`,
    1,
  ],
];

describe("the socket front hands every other request, and the rest of its connection, to Node's server", () => {
  it.each(handedOffTable)(
    "%s",
    async (_name, bytes, answeredByFront) => {
      const { ours, reference, onSocket } = await compare(bytes);
      expect(onSocket).toBe(answeredByFront);
      expect(ours).toBe(reference);
      expect(ours).toMatch(/^HTTP\/1\.1 /);
    },
    20_000,
  );

  it("leaves an Upgrade to Node's server, which stops reading requests after it", async () => {
    const upgrade = get("/site/", "Connection: Upgrade\r\nUpgrade: websocket\r\n");
    const answers = [];
    for (const server of [front, nodeOnly, front]) {
      const before = front.answeredOnSocket();
      answers.push(undated(await exchange(server, upgrade, false)));
      expect(front.answeredOnSocket()).toBe(before);
    }
    expect(answers[2]).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answers[2]).toBe(answers[1]);
  }, 20_000);

  it("keeps a GET's declared body out of the next request: the smuggled request is not answered", async () => {
    const hidden = get("/spa/api");
    const answer = await exchange(front, get("/site/", `Content-Length: ${hidden.length}\r\n`) + hidden);
    expect(answer.match(/HTTP\/1\.1 \d{3} /g)).toHaveLength(2); // the GET and the closing request
    expect(answer).not.toContain('"method"');
  });
});

describe("the socket front's connections", () => {
  it("streams a 64 MiB body with backpressure to a client that stops reading a while, every byte intact", async () => {
    const socket = connect(front.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.pause();
    socket.write(get("/spa/large", "Connection: close\r\n"));
    // The client reads nothing for a while: the server must hold back, and so must the backend's stream.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const pulled = Number(/\{"pulled":(\d+)\}/.exec(await exchange(front, get("/spa/pulled")))?.[1]);
    expect(pulled).toBeLessThan(LARGE_BYTES / (64 * 1024) / 2);
    await new Promise<void>((resolve) => {
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("close", () => resolve());
      socket.resume();
    });
    const text = Buffer.concat(chunks).toString("latin1");
    const headEnd = text.indexOf("\r\n\r\n");
    expect(text.slice(0, headEnd).toLowerCase()).toContain("transfer-encoding: chunked");
    let body = "";
    let at = headEnd + 4;
    for (;;) {
      const lineEnd = text.indexOf("\r\n", at);
      const size = Number.parseInt(text.slice(at, lineEnd), 16);
      if (size === 0) break;
      body += text.slice(lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
    expect(body.length).toBe(LARGE_BYTES);
    expect(createHash("sha256").update(body).digest("hex")).toBe(
      createHash("sha256").update("x".repeat(LARGE_BYTES)).digest("hex"),
    );
  }, 30_000);

  it("survives a client that goes away mid-answer, and keeps answering", async () => {
    for (let round = 0; round < 5; round += 1) {
      const socket = connect(front.port, "127.0.0.1");
      socket.on("error", () => {});
      await new Promise<void>((resolve) => {
        socket.once("data", () => {
          socket.destroy();
          resolve();
        });
        socket.write(get("/spa/large"));
      });
    }
    expect(await exchange(front, get("/spa/api"))).toContain('"method":"GET"');
  }, 30_000);
});

describe("the socket front's timeouts and shutdown", () => {
  let timed: RunningServer;
  let closed = false;
  beforeAll(async () => {
    timed = await startServer(
      {
        ...DEFAULT_SETTINGS,
        port: 0,
        dataDir: mkdtempSync(join(tmpdir(), "w7s-front-timed-")),
        deployToken: TOKEN,
      },
      { keepAliveTimeoutMs: 300, headersTimeoutMs: 600 },
    );
    await deploy(timed, "spa", { "dist/index.html": "<h1>spa</h1>", "backend/index.js": BACKEND });
    await exchange(timed, get("/spa/settings"));
  }, 60_000);
  afterAll(async () => {
    if (!closed) await timed?.close(1_000);
  });

  /** Sends `bytes`, leaves the connection open; resolves with what arrived and when it closed. */
  const openExchange = (bytes: string[], gapMs: number) =>
    new Promise<{ text: string; closedAfterMs: number }>((resolve) => {
      const started = Date.now();
      const socket = connect(timed.port, "127.0.0.1");
      const chunks: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("error", () => {});
      socket.on("close", () => {
        clearInterval(trickle);
        resolve({ text: Buffer.concat(chunks).toString("latin1"), closedAfterMs: Date.now() - started });
      });
      const parts = [...bytes];
      const trickle = setInterval(() => {
        const part = parts.shift();
        if (part !== undefined && !socket.destroyed) socket.write(part);
      }, gapMs);
    });

  it("closes a keep-alive connection left idle past keepAliveTimeout", async () => {
    await exchange(timed, get("/spa/api")); // the backend is started and its manifest in memory
    const before = timed.answeredOnSocket();
    const { text, closedAfterMs } = await openExchange([get("/spa/api")], 10);
    expect(timed.answeredOnSocket() - before).toBe(1);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Keep-Alive: timeout=0\r\n/);
    // As Node's server: the advertised timeout plus a second, so a client never reuses a closing connection.
    expect(closedAfterMs).toBeGreaterThanOrEqual(1_300);
    expect(closedAfterMs).toBeLessThan(4_000);
  }, 20_000);

  it("answers 408 to a head that trickles in past headersTimeout (slowloris), then closes", async () => {
    const head = get("/spa/api");
    const pieces = Array.from({ length: head.length - 2 }, (_, index) => head[index]!);
    const { text, closedAfterMs } = await openExchange(pieces, 50);
    expect(text).toBe("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    expect(closedAfterMs).toBeGreaterThanOrEqual(600);
    expect(closedAfterMs).toBeLessThan(3_000);
  }, 20_000);

  it("on close, finishes the answer in flight (saying Connection: close), ends idle connections", async () => {
    await exchange(timed, get("/spa/slow"));
    const idle = openExchange([], 1_000);
    const slow = openExchange([get("/spa/slow")], 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    closed = true;
    await timed.close(5_000);
    const answer = await slow;
    expect(answer.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close\r\n\r\nlate$/);
    expect((await idle).text).toBe("");
  }, 20_000);
});

describe("parseRequestHead", () => {
  it("reads a plain GET: target, Host, raw headers as sent, Web header lookups", () => {
    const head = parseRequestHead(
      "GET /a?b=1 HTTP/1.1\r\nHost: x.w7s.localhost\r\nX-Two:  a b \t\r\nConnection: keep-alive",
    );
    expect(head).toMatchObject({
      method: "GET",
      target: "/a?b=1",
      host: "x.w7s.localhost",
      rawHeaders: ["Host", "x.w7s.localhost", "X-Two", "a b", "Connection", "keep-alive"],
      close: false,
    });
    expect(head?.headers.get("x-two")).toBe("a b");
    expect(head?.headers.get("X-Two")).toBe("a b");
    expect(head?.headers.get("cookie")).toBeNull();
    expect(parseRequestHead("HEAD / HTTP/1.1\r\nhost: h\r\nconnection: Close")?.close).toBe(true);
  });

  it.each([
    ["POST", "POST / HTTP/1.1\r\nHost: h"],
    ["lowercase method", "get / HTTP/1.1\r\nHost: h"],
    ["HTTP/1.0", "GET / HTTP/1.0\r\nHost: h"],
    ["two spaces", "GET  / HTTP/1.1\r\nHost: h"],
    ["a tab in the target", "GET /a\tb HTTP/1.1\r\nHost: h"],
    ["asterisk form", "OPTIONS * HTTP/1.1\r\nHost: h"],
    ["no headers", "GET / HTTP/1.1"],
    ["a line without a colon", "GET / HTTP/1.1\r\nHost: h\r\nnothing"],
    ["a CR inside a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb"],
    ["a bare LF", "GET / HTTP/1.1\r\nHost: h\nX: y"],
    ["Connection: upgrade", "GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade"],
    ["Content-Length: 0", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0"],
    ["a repeated name in another case", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2"],
    [
      "101 headers",
      `GET / HTTP/1.1\r\nHost: h${Array.from({ length: 100 }, (_, index) => `\r\nX-${index}: 1`).join("")}`,
    ],
  ])("leaves %s to Node", (_name, head) => {
    expect(parseRequestHead(head)).toBeUndefined();
  });
});
