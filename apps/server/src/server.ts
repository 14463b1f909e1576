/** Starts the self-host server: the Node Layers, the shared Hono app, and an HTTP listener. */
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { serve } from "@hono/node-server";
import { effectClockOf, nodePlatformLayer, systemClock, type WallClock } from "@w7s/adapter-node";
import { defaultPlatformConfig, makeHttpApp, type PlatformConfig } from "@w7s/core";
import { Clock, Context, Effect, ManagedRuntime } from "effect";
import type { ServerSettings } from "./config.js";
import {
  makeInternalSocketPath,
  type PlatformServicesHandle,
  startPlatformServices,
} from "./platformServices.js";
import { aiSettingsOf } from "./platformSettings.js";

export interface RunningServer {
  /** `http://<host>:<port>` */
  readonly url: string;
  readonly port: number;
  readonly config: PlatformConfig;
  /** Stops accepting connections, lets in-flight requests finish (up to `graceMs`), stops every backend. */
  readonly close: (graceMs?: number) => Promise<void>;
  /** The internal API's Unix socket and the per-minute scheduler (tests run a minute with `tick`). */
  readonly platform: { readonly internalSocket: string; readonly tick: () => Promise<unknown> };
}

/** What tests (and embedders) may change beyond the settings. */
export interface StartOptions {
  /** The wall clock of the delivery loops and of every use case (default: the system clock). */
  readonly clock?: WallClock;
  /** How often idle delivery loops and the scheduler look at the clock (defaults: 250 ms and 1 s). */
  readonly queuePollMs?: number;
  readonly schedulerPollMs?: number;
}

/** Starts a server with the given settings; resolves once it is listening. */
export const startServer = async (
  settings: ServerSettings,
  options: StartOptions = {},
): Promise<RunningServer> => {
  const dataDir = resolve(settings.dataDir);
  const clock = options.clock ?? systemClock;
  const internalSocket = makeInternalSocketPath();
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
        hyperdrive: settings.hyperdrive,
        platformServiceUrl: `unix:${internalSocket.path}`,
      },
      ai:
        settings.aiBaseUrl === undefined
          ? undefined
          : { baseUrl: settings.aiBaseUrl, apiKey: settings.aiApiKey },
    }),
  );
  const built = await runtime.context().catch(async (error: unknown) => {
    await runtime.dispose();
    internalSocket.remove();
    throw error;
  });
  const services = Context.add(built, Clock.Clock, effectClockOf(clock));

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
    ...aiSettingsOf(settings),
  };
  // The services are built once; running each request against them directly skips the runtime's lookup.
  const run = Effect.runPromiseWith(services);
  app = makeHttpApp({ config, run: (effect) => run(effect) });
  const platform: PlatformServicesHandle = await startPlatformServices({
    socketPath: internalSocket.path,
    config,
    services,
    run,
    loops: {
      clock,
      leaseMs: settings.queueLeaseSeconds * 1000,
      ...(options.queuePollMs === undefined ? {} : { queuePollMs: options.queuePollMs }),
      ...(options.schedulerPollMs === undefined ? {} : { schedulerPollMs: options.schedulerPollMs }),
    },
  });

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
      await platform.close();
      await runtime.dispose();
      internalSocket.remove();
    },
    platform: { internalSocket: internalSocket.path, tick: platform.tick },
  };
};
