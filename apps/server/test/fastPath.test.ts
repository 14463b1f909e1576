import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../src/config.js";
import { type RunningServer, startServer } from "../src/server.js";
import { deployFiles } from "./support/deployFiles.js";

const TOKEN = "fast-path-token";
const INDEX = "<!doctype html><h1>spa</h1>";
const APP_JS = `console.log("${"x".repeat(200)}");`;

const BACKEND = `let answered = 0;
export default {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/count": answered += 1; return new Response(request.headers.get("x-ask") ?? "", { headers: { "x-count": String(answered) } });
      case "/api": {
        const headers = new Headers({ "content-type": "application/json", "X-Custom": "a" });
        headers.append("x-custom", "b");
        headers.append("set-cookie", "sid=1; Domain=.W7S.localhost; Path=/");
        headers.append("set-cookie", "theme=dark; Path=/");
        headers.set("x-w7s-environment", "forged");
        const seen = Object.fromEntries([...request.headers].filter(([name]) => name !== "cf-connecting-ip"));
        return new Response(JSON.stringify({ url: request.url, method: request.method, seen }), { headers });
      }
      case "/method": return new Response("no", { status: 405 });
      case "/moved": return new Response(null, { status: 302, headers: { location: "/elsewhere" } });
      case "/empty": return new Response(null, { status: 204 });
      case "/big": return new Response("b".repeat(100 * 1024));
      case "/chunked": return new Response(new ReadableStream({
        start(controller) { controller.enqueue(new TextEncoder().encode("one,")); controller.enqueue(new TextEncoder().encode("two")); controller.close(); },
      }));
      case "/slow": await new Promise((done) => setTimeout(done, 1500)); return new Response("late");
      default: return new Response("backend 404", { status: 404 });
    }
  },
};`;

const deploy = async (server: RunningServer, repo: string, files: Record<string, string>) => {
  const response = await deployFiles(server.url, TOKEN, `fast/${repo}`, files, "f".repeat(40));
  expect(response.status).toBe(200);
};

interface Raw {
  readonly status: number;
  /** Raw header lines as sent, in order, without `Date`. */
  readonly headers: string[];
  readonly body: string;
}

const send = (
  server: RunningServer,
  host: string,
  path: string,
  method: string,
  headers: Record<string, string>,
) =>
  new Promise<Raw>((resolve, reject) => {
    const outgoing = httpRequest(
      { host: "127.0.0.1", port: server.port, path, method, headers: { ...headers, host } },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () => {
          const lines: string[] = [];
          for (let index = 0; index + 1 < incoming.rawHeaders.length; index += 2) {
            if (incoming.rawHeaders[index]!.toLowerCase() !== "date") {
              lines.push(`${incoming.rawHeaders[index]}: ${incoming.rawHeaders[index + 1]}`);
            }
          }
          resolve({
            status: incoming.statusCode ?? 0,
            headers: lines,
            body: Buffer.concat(chunks).toString(),
          });
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.end();
  });

let fast: RunningServer;
let slow: RunningServer;

beforeAll(async () => {
  const settings = {
    ...DEFAULT_SETTINGS,
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "w7s-fast-")),
    deployToken: TOKEN,
    requestTimeoutMs: 1000,
  };
  fast = await startServer(settings);
  // The same data directory, every request through the HTTP app: the reference the fast path must match.
  slow = await startServer(settings, { fastPath: false });
  await deploy(fast, "site", {
    "dist/index.html": INDEX,
    "dist/assets/app.js": APP_JS,
    "dist/docs/index.html": "<h1>docs</h1>",
  });
  await deploy(fast, "spa", { "dist/index.html": INDEX, "backend/index.js": BACKEND });
}, 60_000);

afterAll(async () => {
  await Promise.all([fast?.close(1_000), slow?.close(1_000)]);
});

const etag = (text: string) => `"${createHash("sha256").update(text).digest("hex")}"`;
const HOST = "fast.w7s.localhost";

// [name, host, path, method, request headers, answered by the fast path]
const table: ReadonlyArray<readonly [string, string, string, string, Record<string, string>, boolean]> = [
  ["static exact file", HOST, "/site/assets/app.js", "GET", {}, true],
  ["directory index", HOST, "/site/docs/", "GET", {}, true],
  ["repo root index", HOST, "/site/", "GET", {}, true],
  ["trailing-slash redirect, query kept", HOST, "/site?from=test", "GET", {}, true],
  ["static-only miss: not connected", HOST, "/site/missing.js", "GET", {}, true],
  ["SPA fallback on a static-only app", HOST, "/site/settings/profile", "GET", {}, true],
  ["304 on If-None-Match", HOST, "/site/assets/app.js", "GET", { "if-none-match": etag(APP_JS) }, true],
  ["206 Range", HOST, "/site/assets/app.js", "GET", { range: "bytes=0-9" }, true],
  ["416 Range", HOST, "/site/assets/app.js", "GET", { range: "bytes=9999-" }, true],
  ["HEAD of a file, no body", HOST, "/site/assets/app.js", "HEAD", {}, true],
  ["branch host falls back to production", `feature--${HOST}`, "/site/", "GET", {}, true],
  ["not connected, JSON", HOST, "/nothing/", "GET", {}, true],
  ["not connected, HEAD", HOST, "/nothing/", "HEAD", {}, true],
  ["deploy target for a navigation", HOST, "/nothing/", "GET", { "sec-fetch-mode": "navigate" }, true],
  ["private path", HOST, "/_w7s/queue", "GET", {}, true],
  [
    "backend: D.4 headers, cookies for the base domain dropped, forged x-w7s-* replaced",
    HOST,
    "/spa/api?q=1&q=2",
    "GET",
    { "x-w7s-repo-slug": "forged", "x-forwarded-for": "1.2.3.4", accept: "application/json" },
    true,
  ],
  ["backend HEAD", HOST, "/spa/api", "HEAD", {}, true],
  [
    "backend: a header byte above 0x7f, passed on as sent",
    HOST,
    "/spa/api",
    "GET",
    { "x-latin": "caf\u00e9" },
    true,
  ],
  ["backend 404: SPA fallback", HOST, "/spa/settings", "GET", {}, true],
  ["backend 404: not found for a file path", HOST, "/spa/missing.png", "GET", {}, true],
  ["backend 405 to HEAD: SPA fallback without a body", HOST, "/spa/method", "HEAD", {}, true],
  ["backend redirect passes through", HOST, "/spa/moved", "GET", {}, true],
  ["backend 204", HOST, "/spa/empty", "GET", {}, true],
  ["backend large body, streamed", HOST, "/spa/big", "GET", {}, true],
  ["backend chunked body", HOST, "/spa/chunked", "GET", {}, true],
  ["backend timeout: 504 with the runtime's text", HOST, "/spa/slow", "GET", {}, true],
  ["platform health stays with the app", HOST, "/health", "GET", {}, false],
  ["platform API stays with the app", HOST, "/api/v1/nothing", "GET", {}, false],
  ["the apex stays with the app", "w7s.localhost", "/", "GET", {}, false],
  ["a normalized URL stays with the app", HOST, "/site/docs/../assets/app.js", "GET", {}, false],
];

describe("D.2 / D.3 / D.4 the fast path answers byte for byte as the HTTP app does", () => {
  it.each(table)(
    "%s",
    async (_name, host, path, method, headers, byFastPath) => {
      // Both servers read the files into memory first: `x-w7s-static-cache` says whether the answer needed a
      // read of the store, so the two are compared in the same state.
      await send(fast, host, path, method, headers);
      await send(slow, host, path, method, headers);
      const before = fast.answered().fastPath;
      const ours = await send(fast, host, path, method, headers);
      expect(fast.answered().fastPath - before).toBe(byFastPath ? 1 : 0);
      expect(ours).toEqual(await send(slow, host, path, method, headers));
    },
    20_000,
  );

  it("serves a redeploy at once: remembered answers of the old deployment are not reused", async () => {
    const path = "/site/assets/app.js";
    const conditional = { "if-none-match": etag(APP_JS) };
    expect((await send(fast, HOST, path, "GET", conditional)).status).toBe(304);
    const next = `console.log("v2");`;
    await deploy(fast, "site", { "dist/index.html": INDEX, "dist/assets/app.js": next });
    await send(fast, HOST, path, "GET", {}); // the new manifest and file are read into memory
    const before = fast.answered().fastPath;
    expect((await send(fast, HOST, path, "GET", conditional)).status).toBe(200);
    expect((await send(fast, HOST, path, "GET", {})).body).toBe(next);
    expect((await send(fast, HOST, "/site/docs/", "GET", {})).body).toBe(INDEX); // no docs/ any more: the SPA index
    expect(fast.answered().fastPath - before).toBe(3);
  });

  it("calls a backend from memory once the SPA index it may fall back to is read ahead, with no fallback needed", async () => {
    await deploy(fast, "fullstack", { "dist/index.html": INDEX, "backend/index.js": BACKEND });
    let byFastPath = 0;
    for (let attempt = 0; attempt < 20 && byFastPath === 0; attempt += 1) {
      const before = fast.answered().fastPath;
      const answer = await send(fast, HOST, "/fullstack/api", "GET", {});
      expect(answer.status).toBe(200);
      byFastPath = fast.answered().fastPath - before;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(byFastPath).toBe(1);
  });

  it("reads every answer and every request afresh, however often the same heads repeat", async () => {
    const counts: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      const before = fast.answered().fastPath;
      const answer = await send(fast, HOST, "/spa/count", "GET", {
        "x-ask": round < 2 ? "same" : `ask-${round}`,
      });
      expect(fast.answered().fastPath - before).toBe(1);
      expect(answer.body).toBe(round < 2 ? "same" : `ask-${round}`);
      counts.push(answer.headers.find((line) => line.startsWith("x-count: "))!);
    }
    expect(new Set(counts).size).toBe(4);
  });

  it("leaves requests with a body to the HTTP app", async () => {
    const before = fast.answered();
    const answer = await send(fast, HOST, "/spa/api", "POST", {});
    expect(answer.status).toBe(200);
    expect(fast.answered()).toEqual({ fastPath: before.fastPath, httpApp: before.httpApp + 1 });
  });

  it("keeps the client's connection headers from a backend on every path", async () => {
    const hops = { "keep-alive": "timeout=5", te: "trailers", "x-hop": "1", "x-kept": "yes" };
    for (const [server, connection, method] of [
      [fast, "close", "GET"], // the socket front
      [fast, "keep-alive, x-hop", "GET"], // node:http, then the fast path
      [slow, "keep-alive, x-hop", "GET"], // the HTTP app
      [fast, "keep-alive, x-hop", "POST"], // the HTTP app, with a body
    ] as const) {
      const answer = await send(server, HOST, "/spa/api", method, { ...hops, connection });
      const seen = (JSON.parse(answer.body) as { seen: Record<string, string> }).seen;
      const about = `Connection: ${connection}, ${method}`;
      expect(seen["x-kept"], about).toBe("yes");
      // Only the server's own hop to the backend.
      expect(seen["connection"], about).toBe("keep-alive");
      expect(seen["x-hop"], about).toBe(connection === "close" ? "1" : undefined);
      for (const name of ["keep-alive", "te", "transfer-encoding"]) expect(seen[name], about).toBeUndefined();
    }
  });
});
