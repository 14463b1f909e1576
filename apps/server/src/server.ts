/**
 * Starts the self-host server: the Node Layers, the shared Hono app with runtime accounting, an HTTP
 * listener that tries the fast path (answers from memory, written straight to the client) before handing
 * a request to the app, with the server's own HTTP/1.1 front reading its connections first, the internal API socket with its delivery loops and scheduler, the hourly
 * cleanup and, when configured, the operator listener that serves `/metrics`.
 */
import {
  createServer,
  type IncomingMessage,
  type Server as NodeServer,
  type Server,
  type ServerResponse,
} from "node:http";
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
  AnalyticsSink,
  activateLiveBackends,
  type CleanupReport,
  defaultNotificationDeliveryPolicy,
  defaultPlatformConfig,
  defaultSecuritySettings,
  deliverNotifications,
  makeHttpApp,
  makeManifestCache,
  makeRuntimeAccountant,
  type NotificationDeliveryPolicy,
  type PlatformConfig,
  parseBearerToken,
  type RequestAccounting,
  type RuntimeAccountant,
  runCleanup,
  SERVED_ENVIRONMENT_HEADER,
} from "@w7s/core";
import { Clock, Context, Effect, Exit, Layer, ManagedRuntime, Scope } from "effect";
import type { ServerSettings } from "./config.js";
import { type FastPath, makeFastPath } from "./fastPath.js";
import { makeServerMetrics, platformRoute } from "./metrics.js";
import { plainRequestOf } from "./nodeRequest.js";
import { nodeAnswerWriter } from "./nodeResponse.js";
import {
  makeInternalSocketPath,
  type PlatformServicesHandle,
  startPlatformServices,
} from "./platformServices.js";
import { aiSettingsOf, notificationSettingsOf } from "./platformSettings.js";
import { installSocketFront, type SocketFront } from "./socketFront.js";

export interface RunningServer {
  /** `http://<host>:<port>` */
  readonly url: string;
  readonly port: number;
  readonly config: PlatformConfig;
  /** `http://<metrics host>:<port>/metrics` when `metricsPort` is set. */
  readonly metricsUrl: string | undefined;
  /** Stops accepting connections, lets in-flight requests finish (up to `graceMs`), stops every backend. */
  readonly close: (graceMs?: number) => Promise<void>;
  /** How many requests each path has answered so far (diagnostics and tests). */
  readonly answered: () => { readonly fastPath: number; readonly httpApp: number };
  /** How many of the fast path's answers the socket front wrote (the rest went through Node's server). */
  readonly answeredOnSocket: () => number;
  /** Runs the hourly cleanup now; it still takes the hour's lock, so it runs once per hour across servers. */
  readonly cleanup: () => Promise<CleanupReport>;
  /** Counts everything accounting has noted so far (tests; the server does it every 100 ms). */
  readonly flushAccounting: () => Promise<void>;
  /** Runs one round of notification delivery now (the server does it every `notificationPollMs`). */
  readonly deliverNotifications: () => Promise<unknown>;
  /** The internal API's Unix socket and the per-minute scheduler (tests run a minute with `tick`). */
  readonly platform: { readonly internalSocket: string; readonly tick: () => Promise<unknown> };
}

export interface StartOptions {
  /** Try the fast path before the HTTP app (default true); false sends every request to the app. */
  readonly fastPath?: boolean;
  /**
   * Read connections with the server's own HTTP/1.1 front first (default: the `socketFront` setting, true;
   * only with the fast path); false leaves every connection to Node's `http` server, which then tries the
   * fast path itself.
   */
  readonly socketFront?: boolean;
  /** How long an idle keep-alive connection stays open (default 5 s) and a request head may take (60 s). */
  readonly keepAliveTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  /**
   * The wall clock of every use case and of the delivery loops (tests move it to the next UTC day or skip
   * minutes ahead); the system clock when unset. A function is read as the clock's `now`.
   */
  readonly clock?: WallClock | (() => number);
  /** Run the hourly cleanup on a timer (default true). */
  readonly cleanupTimer?: boolean;
  /** How often idle delivery loops and the scheduler look at the clock (defaults: 250 ms and 1 s). */
  readonly queuePollMs?: number;
  readonly schedulerPollMs?: number;
  /** How often the notification outbox is looked at (default 500 ms), and its retry policy. */
  readonly notificationPollMs?: number;
  readonly notificationPolicy?: Partial<NotificationDeliveryPolicy>;
  /** How long one Bot API call may take (default 10 s). */
  readonly telegramTimeoutMs?: number;
}

const HOUR_MS = 3_600_000;
/** The first cleanup runs a minute after start, so a restart loop never turns into a cleanup loop. */
const FIRST_CLEANUP_MS = 60_000;

/** Starts a server with the given settings; resolves once it is listening. */
export const startServer = async (
  settings: ServerSettings,
  options: StartOptions = {},
): Promise<RunningServer> => {
  const dataDir = resolve(settings.dataDir);
  const clock: WallClock =
    options.clock === undefined
      ? systemClock
      : typeof options.clock === "function"
        ? { now: options.clock }
        : options.clock;
  // Read before anything starts: a manager chat that is not a chat id is a settings error.
  const notifications = notificationSettingsOf(settings);
  const internalSocket = makeInternalSocketPath();
  let accountant: RuntimeAccountant | undefined;
  const metrics = makeServerMetrics({ pendingAccounting: () => accountant?.pending() ?? 0 });
  const platform = nodePlatformLayer({
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
    telegram:
      notifications === null
        ? undefined
        : {
            botToken: settings.telegramBotToken!,
            apiUrl: settings.telegramApiUrl,
            timeoutMs: options.telegramTimeoutMs,
          },
    logs: {
      capture: settings.logCapture,
      retentionSeconds: settings.logRetentionSeconds,
      limitExemptOwners: settings.limitExemptOwners,
      onCapture: (outcome) =>
        metrics.logs(
          outcome.stored,
          outcome.dropped,
          outcome.records.filter((record) => record.kind === "exception").length,
        ),
    },
  });
  const runtime = ManagedRuntime.make(
    Layer.provideMerge(platform, Layer.succeed(Clock.Clock, effectClockOf(clock))),
  );
  const built = await runtime.context().catch(async (error: unknown) => {
    await runtime.dispose();
    internalSocket.remove();
    throw error;
  });
  // Every event written also feeds the operator metrics.
  const sink = Context.get(built, AnalyticsSink);
  const services = Context.add(built, AnalyticsSink, {
    ...sink,
    write: (event) => {
      metrics.event(event.event, event.outcome);
      return sink.write(event);
    },
  });
  // The services are built once; running each request against them directly skips the runtime's lookup.
  const run = Effect.runPromiseWith(services);

  let inFlight = 0;
  let drained: (() => void) | undefined;
  let app: ReturnType<typeof makeHttpApp> | undefined;
  let fastPath: FastPath | undefined;
  const answered = { fastPath: 0, httpApp: 0 };
  let answeredOnSocket = 0;
  const finished = () => {
    inFlight -= 1;
    if (inFlight === 0) drained?.();
  };
  const appListener = getRequestListener(async (request, env) => {
    if (app === undefined) return new Response("Starting.", { status: 503 });
    const started = performance.now();
    const response = await app.fetch(request, env);
    // App answers are measured by accounting; the platform's own routes here.
    if (!response.headers.has(SERVED_ENVIRONMENT_HEADER)) {
      const route = platformRoute(new URL(request.url).pathname);
      if (route !== "other")
        metrics.platformResponse(route, request.method, response.status, performance.now() - started);
    }
    return response;
  });

  let front: SocketFront | undefined;
  const server = await new Promise<Server>((resolveListening, reject) => {
    const track = (response: ServerResponse) => {
      inFlight += 1;
      response.once("close", finished);
    };
    const listening = createServer((request, response) => {
      const plain = fastPath === undefined ? undefined : plainRequestOf(request);
      if (plain !== undefined && fastPath?.(plain, nodeAnswerWriter(response)) === true) {
        answered.fastPath += 1;
        // Most fast-path answers are written before this returns; only backend calls are still in flight.
        if (!response.writableEnded) track(response);
        return;
      }
      answered.httpApp += 1;
      track(response);
      void appListener(request, response);
    });
    if (options.keepAliveTimeoutMs !== undefined) listening.keepAliveTimeout = options.keepAliveTimeoutMs;
    if (options.headersTimeoutMs !== undefined) listening.headersTimeout = options.headersTimeoutMs;
    if (options.fastPath !== false && (options.socketFront ?? settings.socketFront))
      front = installSocketFront({
        server: listening,
        serve: (request, writer) => {
          if (fastPath?.(request, writer) !== true) return false;
          answered.fastPath += 1;
          answeredOnSocket += 1;
          return true;
        },
        started: () => {
          inFlight += 1;
        },
        finished,
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
    notifications,
  };

  // Suspensions hold with accounting off too (an operator's suspension is not a usage matter).
  const accountingScope = Scope.makeUnsafe();
  const counting = await run(
    makeRuntimeAccountant(config, {
      onSuspended: () => metrics.suspended(),
      onFlushFailure: () => metrics.error("accounting_flush"),
    }).pipe(Scope.provide(accountingScope)),
  );
  accountant = counting;

  // Notifications leave through the outbox; a round that fails (the database is away) waits for the next.
  const notificationPolicy = { ...defaultNotificationDeliveryPolicy, ...options.notificationPolicy };
  const deliverRound = deliverNotifications(notificationPolicy).pipe(
    Effect.tap((report) =>
      Effect.sync(() => {
        metrics.notifications(report.sent, report.retried, report.dropped.length);
        for (const dropped of report.dropped)
          console.error(
            `w7s notifications: dropped ${dropped.event} message ${dropped.id}: ${dropped.error}`,
          );
      }),
    ),
    Effect.catchCause(() => Effect.sync(() => metrics.error("notification_delivery"))),
  );
  if (notifications !== null)
    await run(
      Effect.forkScoped(
        Effect.forever(deliverRound.pipe(Effect.andThen(Effect.sleep(options.notificationPollMs ?? 500)))),
      ).pipe(Scope.provide(accountingScope)),
    );
  const accounting: RequestAccounting = settings.usageAccounting
    ? {
        suspension: counting.suspension,
        account: (response) => {
          metrics.appResponse(response.source, response.status, response.durationMs);
          counting.account(response);
        },
        ...(counting.showcase === undefined ? {} : { showcase: counting.showcase }),
      }
    : {
        suspension: counting.suspension,
        account: (response) => metrics.appResponse(response.source, response.status, response.durationMs),
      };
  const manifests = makeManifestCache();
  app = makeHttpApp({
    config,
    run: (effect) => run(effect),
    manifests,
    accounting,
    // @hono/node-server hands the Node request over as `env.incoming`.
    peerAddress: (_request, env) =>
      (env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress,
  });
  const platformServices: PlatformServicesHandle = await startPlatformServices({
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
  // Apps with stateful objects get their live backend started, so alarms set before a restart fire.
  void run(activateLiveBackends()).catch((error: unknown) =>
    console.error(`w7s: could not start the live stateful backends: ${String(error)}`),
  );
  if (options.fastPath !== false) {
    fastPath = makeFastPath({
      config,
      manifests,
      deployments: Context.get(services, CachedDeployments),
      assets: Context.get(services, CachedAssets),
      backends: Context.get(services, BackendStreams),
      accounting: { ...accounting, peekSuspension: counting.peekSuspension },
    });
  }

  const cleanup = async (): Promise<CleanupReport> => {
    const report = await run(
      runCleanup({
        staticRetentionDays: settings.staticRetentionDays,
        backendRetentionDays: settings.backendRetentionDays,
        usageRetentionDays: settings.usageRetentionDays,
        analyticsRetentionDays: settings.analyticsRetentionDays,
      }),
    );
    if (report.cleaned) {
      const { cleaned: _cleaned, failures, ...counts } = report;
      metrics.cleaned(counts);
      for (const failure of failures) {
        metrics.error("cleanup");
        console.error(`w7s cleanup: ${failure}`);
      }
      console.log(`w7s cleanup: ${JSON.stringify(counts)}`);
    }
    return report;
  };
  const timers: NodeJS.Timeout[] = [];
  if (options.cleanupTimer !== false) {
    const runQuietly = () =>
      void cleanup().catch((error: unknown) => {
        metrics.error("cleanup");
        console.error("w7s cleanup failed:", error);
      });
    timers.push(setTimeout(runQuietly, FIRST_CLEANUP_MS), setInterval(runQuietly, HOUR_MS));
    for (const timer of timers) timer.unref();
  }

  let metricsServer: NodeServer | undefined;
  let metricsUrl: string | undefined;
  if (settings.metricsPort !== undefined) {
    const listening = createServer((request, response) => {
      const path = (request.url ?? "/").split("?")[0];
      if (request.method !== "GET" || path !== "/metrics") {
        response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found.\n");
        return;
      }
      if (
        settings.metricsToken !== undefined &&
        parseBearerToken(request.headers.authorization) !== settings.metricsToken
      ) {
        response
          .writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": "Bearer" })
          .end("Missing or wrong bearer token.\n");
        return;
      }
      response
        .writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" })
        .end(metrics.render());
    });
    metricsServer = await new Promise<NodeServer>((done, reject) => {
      listening.once("error", reject);
      listening.listen(settings.metricsPort, settings.metricsHost, () => done(listening));
    });
    const metricsPort = (metricsServer.address() as AddressInfo).port;
    metricsUrl = `http://${settings.metricsHost}:${metricsPort}/metrics`;
  }

  return {
    url: `http://${settings.host}:${port}`,
    port,
    config,
    metricsUrl,
    cleanup,
    flushAccounting: () => run(counting.flush),
    deliverNotifications: () => run(deliverRound),
    answered: () => ({ ...answered }),
    answeredOnSocket: () => answeredOnSocket,
    platform: { internalSocket: internalSocket.path, tick: platformServices.tick },
    close: async (graceMs = 10_000) => {
      for (const timer of timers) clearTimeout(timer);
      await new Promise<void>((done) => {
        server.close(() => done());
        front?.close();
        if (inFlight === 0) return;
        const timer = setTimeout(() => {
          server.closeAllConnections();
          front?.destroyAll();
        }, graceMs);
        drained = () => clearTimeout(timer);
      });
      if (metricsServer !== undefined) {
        const closing = metricsServer;
        await new Promise<void>((done) => closing.close(() => done()));
      }
      await platformServices.close();
      // Counts what accounting still holds before the stores close.
      await run(Scope.close(accountingScope, Exit.void));
      await runtime.dispose();
      internalSocket.remove();
    },
  };
};
