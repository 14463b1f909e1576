/** HTTP to one backend process over its Unix socket, both bodies streamed. */
import { Agent, request as httpRequest } from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { backendHeaderFilter } from "./hopByHop.js";

const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });
const BUFFERED_BODY_BYTES = 64 * 1024;

/**
 * Sends `request` unchanged but for its hop-by-hop headers: method, headers, path and query. `Host` keeps
 * the public host so the app sees the URL its users addressed (D.4). Redirects are returned, never followed. Resolves on response headers.
 */
export const forward = (socketPath: string, request: Request, signal: AbortSignal): Promise<Response> =>
  new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    const passes = backendHeaderFilter(request.headers.get("connection") ?? undefined);
    request.headers.forEach((value, name) => {
      if (passes(name)) headers[name] = value;
    });
    headers["host"] = url.host;
    const outgoing = httpRequest(
      {
        socketPath,
        agent: keepAlive,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers,
        signal,
      },
      (incoming) => {
        const responseHeaders = new Headers();
        for (let index = 0; index + 1 < incoming.rawHeaders.length; index += 2) {
          responseHeaders.append(incoming.rawHeaders[index]!, incoming.rawHeaders[index + 1]!);
        }
        const status = incoming.statusCode ?? 502;
        const init = { status, statusText: incoming.statusMessage ?? "", headers: responseHeaders };
        const empty = request.method === "HEAD" || status === 204 || status === 304;
        if (empty) {
          incoming.resume();
          resolve(new Response(null, init));
          return;
        }
        // A small body of known length is collected: a Response holding bytes is far cheaper for the
        // server to write than one holding a stream. Anything else streams through.
        const length = Number(incoming.headers["content-length"] ?? Number.NaN);
        if (Number.isInteger(length) && length <= BUFFERED_BODY_BYTES) {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("end", () => resolve(new Response(new Uint8Array(Buffer.concat(chunks)), init)));
          incoming.on("error", reject);
          return;
        }
        resolve(new Response(Readable.toWeb(incoming) as ReadableStream<Uint8Array>, init));
      },
    );
    outgoing.on("error", reject);
    if (request.body === null) {
      outgoing.end();
      return;
    }
    const body = Readable.fromWeb(request.body as NodeReadableStream);
    body.on("error", (error) => outgoing.destroy(error));
    body.pipe(outgoing);
  });
