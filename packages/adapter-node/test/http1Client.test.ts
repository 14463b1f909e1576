/**
 * The fast path's HTTP/1.1 client against a scripted Unix-socket server: every framing a backend can
 * answer with, connection reuse, and the answers it must refuse without taking anything else down.
 * (Real workerd answers go through it in the server's fast-path and conformance tests.)
 */
import { mkdtempSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BackendProtocolError, type Http1Answer, makeHttp1Client } from "../src/runtime/http1Client.js";

type Script = (request: string, socket: Socket) => void;

let server: Server | undefined;
let client = makeHttp1Client();
afterEach(async () => {
  client.close();
  client = makeHttp1Client();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

/** A server that answers each request head with `script`; counts the connections it accepted. */
const serve = async (script: Script) => {
  const path = join(mkdtempSync(join(tmpdir(), "w7s-http1-")), "s.sock");
  const stats = { connections: 0, requests: [] as string[] };
  server = createServer((socket) => {
    stats.connections += 1;
    let pending = "";
    socket.on("data", (data) => {
      pending += data.toString("latin1");
      for (let end = pending.indexOf("\r\n\r\n"); end >= 0; end = pending.indexOf("\r\n\r\n")) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        stats.requests.push(head);
        script(head, socket);
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server!.listen(path, resolve));
  return { path, stats };
};

const get = (path: string, method = "GET", signal = new AbortController().signal) =>
  client.request(path, { method, path: "/x?y=1", headers: { host: "app.test", "x-one": "1" } }, signal);

const text = async (answer: Http1Answer) => {
  if (answer.body !== undefined) return answer.body.toString("utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of answer.stream!) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

describe("HTTP/1.1 client for backend sockets", () => {
  it("sends the request head as given, reads a small body whole and keeps the connection", async () => {
    const { path, stats } = await serve((_head, socket) =>
      socket.write(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\n\r\nhello",
      ),
    );
    const first = await get(path);
    expect(first).toMatchObject({ status: 200, stream: undefined });
    expect(first.rawHeaders).toEqual([
      "Content-Type",
      "text/plain",
      "Content-Length",
      "5",
      "Set-Cookie",
      "a=1",
    ]);
    expect(await text(first)).toBe("hello");
    expect(await text(await get(path))).toBe("hello");
    expect(stats.connections).toBe(1);
    expect(stats.requests[0]).toBe(
      "GET /x?y=1 HTTP/1.1\r\nhost: app.test\r\nx-one: 1\r\nconnection: keep-alive",
    );
  });

  it("says its own connection headers, never the client's", async () => {
    const { path, stats } = await serve((_head, socket) =>
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    );
    const headers = {
      host: "app.test",
      connection: "close, x-hop",
      "keep-alive": "timeout=1",
      te: "trailers",
      upgrade: "websocket",
      "proxy-connection": "close",
      "x-hop": "1",
      "x-kept": "2",
    };
    for (let round = 0; round < 2; round += 1) {
      await text(
        await client.request(path, { method: "GET", path: "/", headers }, AbortSignal.timeout(2000)),
      );
    }
    expect(stats.requests[0]).toBe("GET / HTTP/1.1\r\nhost: app.test\r\nx-kept: 2\r\nconnection: keep-alive");
    expect(stats.connections).toBe(1);
  });

  it("writes header values byte for byte: one character per byte, as they were received", async () => {
    let received = Buffer.alloc(0);
    const path = join(mkdtempSync(join(tmpdir(), "w7s-http1-")), "s.sock");
    server = createServer((socket) => {
      socket.on("data", (data: Buffer) => {
        received = Buffer.concat([received, data]);
        if (received.includes("\r\n\r\n")) socket.write("HTTP/1.1 204 No Content\r\n\r\n");
      });
    });
    await new Promise<void>((resolve) => server!.listen(path, resolve));
    const headers = { host: "app.test", "x-latin": "caf\u00e9" };
    await client.request(path, { method: "GET", path: "/", headers }, new AbortController().signal);
    expect(received.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a]))).toBe(true);
  });

  it("trims only spaces and tabs around a header value, as Node's parser does", async () => {
    const { path } = await serve((_head, socket) =>
      socket.write(
        Buffer.from("HTTP/1.1 200 OK\r\nX-Edge: \t\xa0caf\xe9\xa0 \r\nContent-Length: 2\r\n\r\nok", "latin1"),
      ),
    );
    expect((await get(path)).rawHeaders).toEqual(["X-Edge", "\xa0caf\xe9\xa0", "Content-Length", "2"]);
  });

  it("decodes a chunked body sent a few bytes at a time, with extensions and trailers, and reuses the connection", async () => {
    const { path, stats } = await serve((_head, socket) => {
      const wire =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n";
      let offset = 0;
      const drip = () => {
        if (offset >= wire.length) return;
        socket.write(wire.slice(offset, offset + 3));
        offset += 3;
        setImmediate(drip);
      };
      drip();
    });
    const answer = await get(path);
    expect(answer.body).toBeUndefined();
    expect(await text(answer)).toBe("Wikipedia in\r\n\r\nchunks.");
    expect(await text(await get(path))).toBe("Wikipedia in\r\n\r\nchunks.");
    expect(stats.connections).toBe(1);
  });

  it("streams a large body of known length byte for byte", async () => {
    const body = Buffer.alloc(300_000, "z");
    const { path } = await serve((_head, socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body);
    });
    const answer = await get(path);
    expect(answer.stream).toBeDefined();
    expect((await text(answer)).length).toBe(300_000);
  });

  it("reads no body for HEAD, 204 and 304, whatever their headers say", async () => {
    const { path, stats } = await serve((head, socket) => {
      if (head.startsWith("HEAD")) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n");
      else if (stats.requests.length === 2) socket.write("HTTP/1.1 204 No Content\r\n\r\n");
      else socket.write("HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n");
    });
    expect(await get(path, "HEAD")).toMatchObject({ status: 200, body: Buffer.alloc(0) });
    expect(await get(path)).toMatchObject({ status: 204, body: Buffer.alloc(0) });
    expect(await get(path)).toMatchObject({ status: 304, body: Buffer.alloc(0) });
    expect(stats.connections).toBe(1);
  });

  it("reads a body without length to the end of the connection, and does not keep that one or a `Connection: close` one", async () => {
    const { path, stats } = await serve((head, socket) => {
      if (head.includes("x-one")) {
        if (stats.requests.length === 1) socket.end("HTTP/1.1 200 OK\r\n\r\nuntil the end");
        else socket.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
      }
    });
    expect(await text(await get(path))).toBe("until the end");
    expect(await text(await get(path))).toBe("ok");
    expect(await text(await get(path))).toBe("ok");
    expect(stats.connections).toBe(3);
  });

  it("refuses malformed answers with a protocol error and closes only that connection", async () => {
    const answers = [
      "HTTP/1.1 2000 OK\r\n\r\n",
      "SMTP 220 hi\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
      "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
      `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(70_000)}\r\n\r\n`,
    ];
    const { path } = await serve((_head, socket) => socket.write(answers.shift()!));
    for (let index = 0; index < 8; index += 1)
      await expect(get(path)).rejects.toBeInstanceOf(BackendProtocolError);
  });

  it("fails the stream of a chunked body with a bad chunk size, or one cut short", async () => {
    const answers = [
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnope\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    ];
    const { path } = await serve((_head, socket) => {
      const answer = answers.shift()!;
      if (answer.includes("short")) socket.end(answer);
      else socket.write(answer);
    });
    const bad = await get(path);
    await expect(text(bad)).rejects.toBeInstanceOf(BackendProtocolError);
    // A short body of known small length is read whole before the answer: the request fails.
    await expect(get(path)).rejects.toThrow("closed the connection before its answer was complete");
  });

  it("drops a connection that sends bytes after its answer, and retries once on a kept one the backend closed", async () => {
    const { path, stats } = await serve((_head, socket) => {
      if (stats.requests.length === 1) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA");
      else if (stats.requests.length === 2) {
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        // The backend closes the kept connection while it is idle.
        setTimeout(() => socket.destroy(), 20);
      } else socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    expect(await text(await get(path))).toBe("ok");
    expect(await text(await get(path))).toBe("ok");
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await text(await get(path))).toBe("ok");
    expect(stats.connections).toBe(3);
  });

  it("aborts a request that has no answer yet, and refuses header values that would split the request", async () => {
    const { path, stats } = await serve(() => {});
    const controller = new AbortController();
    const pending = get(path, "GET", controller.signal);
    setTimeout(() => controller.abort(new Error("timed out")), 30);
    await expect(pending).rejects.toThrow("timed out");
    await expect(
      client.request(
        path,
        { method: "GET", path: "/", headers: { "x-a": "1\r\nx-b: 2" } },
        controller.signal,
      ),
    ).rejects.toBeInstanceOf(TypeError);
    expect(stats.requests).toHaveLength(1);
  });
});
