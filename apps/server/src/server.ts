/** Starts the self-host server: the Node Layers, the shared Hono app, and an HTTP listener. */
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { serve } from "@hono/node-server";
import { nodePlatformLayer } from "@w7s/adapter-node";
import { defaultPlatformConfig, makeHttpApp, type PlatformConfig } from "@w7s/core";
import { Effect, ManagedRuntime } from "effect";
import type { ServerSettings } from "./config.js";

export interface RunningServer {
  /** `http://<host>:<port>` */
  readonly url: string;
  readonly port: number;
  readonly config: PlatformConfig;
  /** Stops accepting connections, lets in-flight requests finish (up to `graceMs`), stops every backend. */
  readonly close: (graceMs?: number) => Promise<void>;
}

/** Starts a server with the given settings; resolves once it is listening. */
export const startServer = async (settings: ServerSettings): Promise<RunningServer> => {
  const dataDir = resolve(settings.dataDir);
  const runtime = ManagedRuntime.make(
    nodePlatformLayer({
      dataDir,
      databaseUrl: settings.databaseUrl,
      auth: {
        githubApiUrl: settings.githubApiUrl,
        deployToken: settings.deployToken,
        oidc: {
          issuer: settings.oidcIssuer,
          audiences: settings.oidcAudiences,
          ...(settings.oidcJwksUrl === undefined ? {} : { jwksUrl: settings.oidcJwksUrl }),
        },
      },
      runtime: {
        requestTimeoutMs: settings.requestTimeoutMs,
        memoryLimitMb: settings.memoryLimitMb,
        databaseTimeLimitMs: settings.databaseTimeLimitMs,
        hyperdrive: settings.hyperdrive,
      },
    }),
  );
  const services = await runtime.context().catch(async (error: unknown) => {
    await runtime.dispose();
    throw error;
  });

  let inFlight = 0;
  let drained: (() => void) | undefined;
  let app: ReturnType<typeof makeHttpApp> | undefined;

  const server = await new Promise<ReturnType<typeof serve>>((resolveListening, reject) => {
    const listening = serve(
      {
        fetch: async (request) => {
          inFlight += 1;
          try {
            if (app === undefined) return new Response("Starting.", { status: 503 });
            return await app.fetch(request);
          } finally {
            inFlight -= 1;
            if (inFlight === 0) drained?.();
          }
        },
        port: settings.port,
        hostname: settings.host,
      },
      () => resolveListening(listening),
    );
    listening.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const config: PlatformConfig = {
    ...defaultPlatformConfig,
    baseDomain: settings.baseDomain,
    publicScheme: "http",
    publicPort: port === 80 ? null : port,
    serviceName: "w7s",
    limitExemptOwners: settings.limitExemptOwners,
  };
  // The services are built once; running each request against them directly skips the runtime's lookup.
  const run = Effect.runPromiseWith(services);
  app = makeHttpApp({ config, run: (effect) => run(effect) });

  return {
    url: `http://${settings.host}:${port}`,
    port,
    config,
    close: async (graceMs = 10_000) => {
      await new Promise<void>((done) => {
        server.close(() => done());
        if (inFlight === 0) return;
        const timer = setTimeout(
          () => "closeAllConnections" in server && server.closeAllConnections(),
          graceMs,
        );
        drained = () => clearTimeout(timer);
      });
      await runtime.dispose();
    },
  };
};
