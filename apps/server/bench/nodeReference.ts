/**
 * What plain Node can do on this machine, as a reference line in `pnpm bench`: `static <port> <file>` serves
 * one file's bytes with no routing at all; `proxy <port> <socket>` forwards every request to a workerd
 * socket with `node:http` and a keep-alive agent, nothing else. The server's fast path can only approach these.
 */
import { readFileSync } from "node:fs";
import { Agent, createServer, request } from "node:http";

const [mode, port, target] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const body = mode === "static" ? readFileSync(target!).toString("latin1") : "";
const headers = {
  "content-type": "text/html; charset=utf-8",
  "content-length": Buffer.byteLength(body, "latin1"),
};

createServer((incoming, outgoing) => {
  if (mode === "static") {
    outgoing.writeHead(200, headers);
    outgoing.end(body, "latin1");
    return;
  }
  request(
    { socketPath: target, agent, path: incoming.url, method: incoming.method, headers: incoming.headers },
    (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    },
  ).end();
}).listen(Number(port), "127.0.0.1");
