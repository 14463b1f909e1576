/**
 * The log ingest: a private HTTP listener on a Unix socket that takes the batches the tail workers send.
 * A batch without a valid grant is refused; one that is too large or not a JSON array is refused too. The
 * batch is answered once it has been handed on, so a flood of logs slows the tail worker, not the server.
 */
import { createServer, type Server } from "node:http";
import { closeServer, listenOnUnixSocket } from "../shared/unixSocket.js";
import { LOG_GRANT_HEADER, type LogGrants } from "./logGrants.js";

export interface LogIngestOptions {
  readonly socketPath: string;
  readonly grants: LogGrants;
  /** Hands a batch on; rejecting answers 503 (the tail worker drops it). */
  readonly receive: (deploymentId: string, traces: ReadonlyArray<unknown>) => Promise<void>;
  /** Largest batch body accepted (default 8 MiB). */
  readonly maxBodyBytes?: number;
}

export interface LogIngest {
  readonly socketPath: string;
  readonly close: () => Promise<void>;
}

const answer = (response: import("node:http").ServerResponse, status: number) => {
  response.statusCode = status;
  response.setHeader("content-length", "0");
  response.end();
};

export const startLogIngest = async (options: LogIngestOptions): Promise<LogIngest> => {
  const limit = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const server: Server = createServer((request, response) => {
    const header = request.headers[LOG_GRANT_HEADER];
    const deploymentId = options.grants.verify(Array.isArray(header) ? undefined : header);
    if (deploymentId === undefined || request.method !== "POST") {
      request.resume();
      return answer(response, deploymentId === undefined ? 403 : 405);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on("end", () => {
      if (size > limit) return answer(response, 413);
      let traces: unknown;
      try {
        traces = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return answer(response, 400);
      }
      if (!Array.isArray(traces)) return answer(response, 400);
      options.receive(deploymentId, traces).then(
        () => answer(response, 204),
        () => answer(response, 503),
      );
    });
    request.on("error", () => response.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await listenOnUnixSocket(server, options.socketPath);
  return {
    socketPath: options.socketPath,
    close: () => closeServer(server),
  };
};
