/**
 * What plain Node can do on this machine, as reference lines in `pnpm bench`: `static <port> <file>` serves
 * one file's bytes with no routing at all; `proxy <port> <socket>` forwards every request to a workerd
 * socket with `node:http` and a keep-alive agent, nothing else; `lean <port> <socket>` forwards bodyless
 * requests on `node:net` with one upstream connection per client, finding message ends by the request's
 * blank line and the answer's `content-length` (no `node:http` on either side: the ceiling of a lean front
 * for GET and HEAD). The server's fast path can only approach these.
 */
import { readFileSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import { connect, createServer as createNetServer } from "node:net";

const [mode, port, target] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const body = mode === "static" ? readFileSync(target!).toString("latin1") : "";
const headers = {
  "content-type": "text/html; charset=utf-8",
  "content-length": Buffer.byteLength(body, "latin1"),
};
const HEAD_END = Buffer.from("\r\n\r\n");

const leanProxy = () =>
  createNetServer((client) => {
    const upstream = connect({ path: target! });
    let requests = Buffer.alloc(0);
    let answers = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      requests = Buffer.concat([requests, chunk]);
      for (let end = requests.indexOf(HEAD_END); end !== -1; end = requests.indexOf(HEAD_END)) {
        const head = requests.subarray(0, end).toString("latin1");
        requests = requests.subarray(end + 4);
        const path = head.split(" ", 2)[1] ?? "/";
        const host = /\r\nhost: *([^\r]*)/i.exec(head)?.[1] ?? "";
        upstream.write(`GET ${path} HTTP/1.1\r\nhost: ${host}\r\n\r\n`, "latin1");
      }
    });
    upstream.on("data", (chunk: Buffer) => {
      answers = Buffer.concat([answers, chunk]);
      for (let end = answers.indexOf(HEAD_END); end !== -1; end = answers.indexOf(HEAD_END)) {
        const length = Number(
          /\r\ncontent-length: *(\d+)/i.exec(answers.subarray(0, end).toString("latin1"))?.[1] ?? 0,
        );
        if (answers.length < end + 4 + length) return;
        client.write(answers.subarray(0, end + 4 + length));
        answers = answers.subarray(end + 4 + length);
      }
    });
    client.on("error", () => upstream.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });

const server =
  mode === "lean"
    ? leanProxy()
    : createServer((incoming, outgoing) => {
        if (mode === "static") {
          outgoing.writeHead(200, headers);
          outgoing.end(body, "latin1");
          return;
        }
        request(
          {
            socketPath: target,
            agent,
            path: incoming.url,
            method: incoming.method,
            headers: incoming.headers,
          },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        ).end();
      });
server.listen(Number(port), "127.0.0.1");
