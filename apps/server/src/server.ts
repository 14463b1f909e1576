/**
 * Starts the self-host server: the Node Layers, the shared Hono app, and an HTTP listener that tries the
 * fast path (answers from memory, written straight to Node's response) before handing a request to the app.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { getRequestListener } from "@hono/node-server";
import {
  BackendStreams,
  CachedAssets,
  CachedDeployments,
  effectClockOf,
  nodePlatformLayer,
  systemClock,
  type WallClock,
} from "@w7s/adapter-node";
import {
  defaultPlatformConfig,
  defaultSecuritySettings,
  makeHttpApp,
  makeManifestCache,
  type PlatformConfig,
} from "@w7s/core";
import { Clock, Context, Effect, ManagedRuntime } from "effect";
import type { ServerSettings } from "./config.js";
import { type FastPath, makeFastPath } from "./fastPath.js";
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
  /** How many requests each path has answered so far (diagnostics and tests). */
  readonly answered: () => { readonly fastPath: number; readonly httpApp: number };
  /** The internal API's Unix socket and the per-minute scheduler (tests run a minute with `tick`). */
  readonly platform: { readonly internalSocket: string; readonly tick: () => Promise<unknown> };
}

/** What tests (and embedders) may change beyond the settings. */
export interface StartOptions {
  /** Try the fast path before the HTTP app (default true); false sends every request to the app. */
  readonly fastPath?: boolean;
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
        databaseTimeLimitMs: settings.databaseTimeLimitMs,
        hyperdrive: settings.hyperdrive,
        platformServiceUrl: `unix:${internalSocket.path}`,
      },
      ai:
        settings.aiBaseUrl === undefined
          ? undefined
          : { baseUrl: settings.aiBaseUrl, apiKey: settings.aiApiKey },
      domains: { dnsServers: settings.dnsServers },
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
  let fastPath: FastPath | undefined;
  const answered = { fastPath: 0, httpApp: 0 };
  const finished = () => {
    inFlight -= 1;
    if (inFlight === 0) drained?.();
  };
  const appListener = getRequestListener((request, env) =>
    app === undefined ? new Response("Starting.", { status: 503 }) : app.fetch(request, env),
  );

  const server = await new Promise<Server>((resolveListening, reject) => {
    const track = (response: ServerResponse) => {
      inFlight += 1;
      response.once("close", finished);
    };
    const listening = createServer((request, response) => {
      if (fastPath?.(request, response) === true) {
        answered.fastPath += 1;
        // Most fast-path answers are written before this returns; only backend calls are still in flight.
        if (!response.writableEnded) track(response);
        return;
      }
      answered.httpApp += 1;
      track(response);
      void appListener(request, response);
    });
    listening.once("error", reject);
    listening.listen(settings.port, settings.host, () => resolveListening(listening));
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
    historyDepth: settings.historyDepth,
    oidcAudiences: settings.oidcAudiences,
    security: {
      ...defaultSecuritySettings,
      maxCookieHeaderBytes: settings.maxCookieBytes,
      authFailureLimit: settings.authFailureLimit,
      trustedProxies: settings.trustedProxies,
    },
  };
  // The services are built once; running each request against them directly skips the runtime's lookup.
  const run = Effect.runPromiseWith(services);
  const manifests = makeManifestCache();
  app = makeHttpApp({
    config,
    run: (effect) => run(effect),
    manifests,
    // @hono/node-server hands the Node request over as `env.incoming`.
    peerAddress: (_request, env) =>
      (env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress,
  });
  if (options.fastPath !== false) {
    fastPath = makeFastPath({
      config,
      manifests,
      deployments: Context.get(services, CachedDeployments),
      assets: Context.get(services, CachedAssets),
      backends: Context.get(services, BackendStreams),
    });
  }
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
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        drained = () => clearTimeout(timer);
      });
      await platform.close();
      await runtime.dispose();
      internalSocket.remove();
    },
    answered: () => ({ ...answered }),
    platform: { internalSocket: internalSocket.path, tick: platform.tick },
  };
};
