/**
 * The HTTP surface every adapter mounts: the deploy API, health, the internal API of the platform bindings
 * (E.3-E.7), the agent API, deployment history and rollback, the TLS question of a reverse proxy, the
 * Telegram bot's webhook (I.6), and app routing (D.1) behind the platform's guards. It uses only web standard Request/Response, so the Node server
 * and the Cloudflare Worker serve the same app.
 */
import type { Effect } from "effect";
import { Hono } from "hono";
import { type DeployServices, deployApp } from "../deploy/deployApp.js";
import { errorResponse, errorResponseFromUnknown, type JsonResponse } from "../errors/errorResponse.js";
import { NotFound } from "../errors/httpErrors.js";
import { type PlatformServiceServices, platformServiceRoutes } from "../platform/routes.js";
import type { PlatformConfig } from "../platformConfig.js";
import type { AnalyticsSink } from "../ports/AnalyticsSink.js";
import type { LogStore } from "../ports/LogStore.js";
import type { Notifier } from "../ports/Notifier.js";
import type { RequestAccounting } from "../usage/runtimeAccounting.js";
import { agentDiscoveryResponse } from "./agentApi.js";
import { analyticsApi } from "./analyticsApi.js";
import { DEPLOY_STATUS_PATH, reportDeployStatus } from "./deployStatus.js";
import {
  finalizeResponse,
  handleAppRequest,
  type ManifestCache,
  makeManifestCache,
} from "./handleAppRequest.js";
import { healthBody } from "./health.js";
import { landingPage } from "./landingPage.js";
import { logsApi } from "./logsApi.js";
import { markAppAnswer, platformGuards } from "./platformGuards.js";
import { repoApiRoutes } from "./readOnlyRoutes.js";
import { answerTelegramWebhook, TELEGRAM_WEBHOOK_PATH, telegramWebhookInfo } from "./telegramWebhook.js";
import { tlsAsk } from "./tlsAsk.js";
import { limitsApi, usageApi } from "./usageApi.js";

/** Every service the HTTP app needs from an adapter. */
export type PlatformServices = DeployServices | PlatformServiceServices | LogStore | AnalyticsSink | Notifier;

/** Runs an effect with the adapter's services; a `ManagedRuntime`'s `runPromise` fits. */
export type EffectRunner = <A>(effect: Effect.Effect<A, never, PlatformServices>) => Promise<A>;

export interface HttpAppOptions {
  readonly config: PlatformConfig;
  readonly run: EffectRunner;
  /** Shared with whatever else serves requests from memory (a server's synchronous path); one per app by default. */
  readonly manifests?: ManifestCache;
  /**
   * The address of the peer that sent a request, from the runtime's connection info (`env` is Hono's
   * `c.env`); the bearer-failure slow-down counts per client address and is off where this is absent.
   */
  readonly peerAddress?: (request: Request, env: unknown) => string | undefined;
  /** Suspensions and runtime accounting (D.2 step 6.3, D.8); without it apps are never suspended or counted. */
  readonly accounting?: RequestAccounting;
}

const toResponse = (answer: JsonResponse): Response =>
  new Response(answer.body, { status: answer.status, headers: answer.headers });

/** The Hono app of the platform. */
export const makeHttpApp = ({
  config,
  run,
  manifests = makeManifestCache(),
  peerAddress,
  accounting,
}: HttpAppOptions): Hono => {
  const app = new Hono();
  // One call, so that the custom-domain interception and the catch-all route requests the same way.
  const routeApp = (request: Request) => run(handleAppRequest(request, config, manifests, accounting));
  app.use("*", platformGuards({ config, routeApp, peerAddress }));

  app.post("/api/v1/deploy", (c) => run(deployApp(c.req.raw, config)));
  app.post(DEPLOY_STATUS_PATH, (c) => run(reportDeployStatus(c.req.raw, config)));
  for (const path of ["/health", "/api/v1/health"]) {
    app.get(path, (c) => c.json(healthBody(config)));
  }
  platformServiceRoutes(app, { config, run });
  app.get("/api/v1/tls/ask", (c) => run(tlsAsk(c.req.raw, config)));
  repoApiRoutes(app, { config, run });
  app.get("/api/v1/usage/*", (c) => run(usageApi(c.req.raw)));
  app.get("/api/v1/limits/*", (c) => run(limitsApi(c.req.raw)));
  app.get("/api/v1/logs/*", (c) => run(logsApi(c.req.raw)));
  app.get("/api/v1/analytics/*", (c) => run(analyticsApi(c.req.raw)));
  app.get(TELEGRAM_WEBHOOK_PATH, () => telegramWebhookInfo(config));
  app.post(TELEGRAM_WEBHOOK_PATH, (c) => run(answerTelegramWebhook(c.req.raw, config)));

  app.all("*", async (c) => {
    const request = c.req.raw;
    const routed = await routeApp(request);
    if (routed !== undefined) {
      markAppAnswer(c);
      return routed;
    }
    const { pathname } = new URL(request.url);
    if (pathname === "/api/v1" || pathname.startsWith("/api/v1/")) {
      return toResponse(errorResponse(new NotFound({ message: "Not found." })));
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("404 Not Found", {
        status: 404,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    if (pathname === "/agent.json" || pathname === "/.well-known/agent.json") {
      return finalizeResponse(request, agentDiscoveryResponse(config), config);
    }
    const page = new Response(landingPage(config), {
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    });
    return finalizeResponse(request, page, config);
  });

  app.onError((error) => toResponse(errorResponseFromUnknown(error)));
  return app;
};
