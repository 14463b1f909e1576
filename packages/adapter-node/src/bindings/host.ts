/**
 * The bindings host: a private HTTP listener on a Unix socket that serves the storage bindings of every
 * backend this server runs. workerd turns an app's `env.KV.get(...)`, `env.FILES.put(...)` or
 * `env.DB.prepare(...)` into an HTTP request to it, adding the signed grant of that one resource; the host
 * checks the grant, hands the request to the gateway of its kind and counts the operation.
 */
import { createServer, type Server } from "node:http";
import { closeServer, listenOnUnixSocket } from "../shared/unixSocket.js";
import { answerFailure, type BindingGateway, GatewayFailure, type UsageSink } from "./gateway.js";
import { GRANT_HEADER, type GrantedKind, type GrantSigner } from "./grants.js";

export interface BindingsHostOptions {
  readonly socketPath: string;
  readonly grants: GrantSigner;
  readonly gateways: Readonly<Record<GrantedKind, BindingGateway>>;
  readonly usage: UsageSink;
}

export interface BindingsHost {
  readonly socketPath: string;
  readonly close: () => Promise<void>;
}

const splitUrl = (url: string): { path: string; query: URLSearchParams } => {
  const mark = url.indexOf("?");
  return mark < 0
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, mark), query: new URLSearchParams(url.slice(mark + 1)) };
};

export const startBindingsHost = async (options: BindingsHostOptions): Promise<BindingsHost> => {
  const server: Server = createServer((request, response) => {
    const header = request.headers[GRANT_HEADER];
    const grant = options.grants.verify(Array.isArray(header) ? undefined : header);
    if (grant === undefined) {
      request.resume();
      answerFailure(response, 403, "This binding is not valid on this server.");
      return;
    }
    const { path, query } = splitUrl(request.url ?? "/");
    const gateway = options.gateways[grant.kind];
    gateway
      .handle({
        grant,
        request,
        response,
        path,
        query,
        count: (metric, outcome, units = 1) =>
          options.usage({ app: grant.app, metric, count: 1, units, outcome }),
      })
      .catch((error: unknown) => {
        request.resume();
        if (error instanceof GatewayFailure) answerFailure(response, error.status, error.message);
        else
          answerFailure(response, 500, error instanceof Error ? error.message : "Storage operation failed.");
      });
  });
  // Bindings keep connections open between operations; no per-request timeout cuts a large upload short.
  server.keepAliveTimeout = 60_000;
  server.requestTimeout = 0;
  await listenOnUnixSocket(server, options.socketPath);
  return {
    socketPath: options.socketPath,
    close: async () => {
      const closed = closeServer(server);
      for (const gateway of Object.values(options.gateways)) gateway.close();
      await closed;
    },
  };
};
