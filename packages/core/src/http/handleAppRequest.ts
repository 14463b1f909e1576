/**
 * The runtime resolver of D.2 over the ports: `decideRoute` decides, this module fetches what the
 * decision names (static bytes, a backend response) and applies the response rules every answer shares
 * (`x-w7s-environment`, the base-domain cookie policy of D.1, no body for HEAD).
 */
import { Effect, Option } from "effect";
import type { PlatformConfig } from "../platformConfig.js";
import { AssetStore } from "../ports/AssetStore.js";
import { BackendRuntime } from "../ports/BackendRuntime.js";
import { DeploymentStore, type StoredDeployment } from "../ports/DeploymentStore.js";
import type { StaticManifest } from "../ports/records/StaticManifest.js";
import { afterBackend, backendRequestHeaders } from "../routing/backendDispatch.js";
import { decideRoute } from "../routing/decideRoute.js";
import type {
  AppKey,
  BackendDecision,
  RoutedResponse,
  RouteLookups,
  RuntimeSource,
  ServedApp,
  StaticFileDecision,
} from "../routing/routeModel.js";
import { selectCustomDomainRoute } from "../routing/routePaths.js";
import type { AccountedResponse, RequestAccounting } from "../usage/runtimeAccounting.js";
import {
  type AppAnswer,
  applyResponseRules,
  appRequestMessages,
  routableDeployment,
  runtimeFailureAnswer,
  staticFileAnswer,
  staticObjectRead,
  textAnswer,
} from "./appAnswers.js";

/** The services request handling reads. */
export type AppRequestServices = DeploymentStore | AssetStore | BackendRuntime;

/** Static manifests never change once written (their keys are unique per deployment), so they are cached. */
export interface ManifestCache {
  readonly get: (key: string) => StaticManifest | undefined;
  readonly set: (key: string, manifest: StaticManifest) => void;
}

/** A bounded cache of static manifests, oldest entry evicted first. */
export const makeManifestCache = (capacity = 256): ManifestCache => {
  const entries = new Map<string, StaticManifest>();
  return {
    get: (key) => entries.get(key),
    set: (key, manifest) => {
      entries.set(key, manifest);
      if (entries.size > capacity) entries.delete(entries.keys().next().value!);
    },
  };
};

/** The key of an app in the per-request map of deployments found. */
export const appKeyOf = (app: { environment: string; orgSlug: string; repoSlug: string }) =>
  `${app.environment}\u0000${app.orgSlug}\u0000${app.repoSlug}`;

const answerToResponse = (answer: AppAnswer | RoutedResponse): Response =>
  new Response(answer.body as BodyInit | null, { status: answer.status, headers: answer.headers });

/** Applies the rules every answer shares: HEAD has no body, cookies for the base domain are dropped. */
export const finalizeResponse = (
  request: Request,
  response: Response,
  config: PlatformConfig,
  served?: ServedApp,
): Response => {
  if (request.method !== "HEAD") {
    // Responses built here or by the runtime have mutable headers: adjusting them in place keeps the body
    // as it is (bytes stay bytes), which is much cheaper for servers than re-wrapping it in a new stream.
    try {
      applyResponseRules(response.headers, config.baseDomain, served);
      return response;
    } catch {
      // Immutable headers (a fetch() response): rebuild below.
    }
  }
  const headers = new Headers(response.headers);
  applyResponseRules(headers, config.baseDomain, served);
  const body = request.method === "HEAD" ? null : response.body;
  if (body === null && response.body !== null) void response.body.cancel().catch(() => undefined);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
};

/**
 * Answers a request on a runtime host, or `undefined` when the platform's own routes should answer it
 * (apex, `/api/v1`, health, hosts outside the base domain). With `accounting`, suspended apps answer 429
 * (D.2 step 6.3) and every answer of steps 6.4-6.9 is handed to it once produced (D.8).
 */
export const handleAppRequest = (
  request: Request,
  config: PlatformConfig,
  manifests: ManifestCache = makeManifestCache(),
  accounting?: RequestAccounting,
): Effect.Effect<Response | undefined, never, AppRequestServices> =>
  Effect.gen(function* () {
    const started = performance.now();
    const store = yield* DeploymentStore;
    const assets = yield* AssetStore;
    const runtime = yield* BackendRuntime;
    const found = new Map<string, StoredDeployment>();

    const loadManifest = (key: string) =>
      Effect.gen(function* () {
        const cached = manifests.get(key);
        if (cached !== undefined) return cached;
        const loaded = yield* assets.getManifest(key);
        if (Option.isNone(loaded)) return undefined;
        manifests.set(key, loaded.value);
        return loaded.value;
      });

    const lookups: RouteLookups<never, never> = {
      deployment: (key: AppKey) =>
        Effect.gen(function* () {
          const app = { environment: key.environment, orgSlug: key.owner, repoSlug: key.repo };
          const current = yield* store.current(app);
          if (Option.isNone(current)) return undefined;
          const { record } = current.value;
          found.set(appKeyOf(app), current.value);
          const staticTarget = record.targets.static;
          const manifest =
            staticTarget === undefined ? undefined : yield* loadManifest(staticTarget.manifestKey);
          return routableDeployment(record, manifest);
        }).pipe(Effect.orDie),
      // answerAppRequestSync mirrors these two (and everything this handler does after answering, such as
      // accounting): when one changes how it reads storage, give SyncAppLookups the same lookup.
      customDomain: (host, pathname) =>
        store.domainRoutes(host).pipe(
          Effect.map((routes) => selectCustomDomainRoute(routes, pathname)),
          Effect.orDie,
        ),
      suspension: (key: AppKey) =>
        accounting === undefined
          ? Effect.succeed(undefined)
          : accounting.suspension({ environment: key.environment, orgSlug: key.owner, repoSlug: key.repo }),
    };

    const serveStatic = (decision: StaticFileDecision) =>
      Effect.gen(function* () {
        const stored = found.get(appKeyOf(decision.served));
        const manifestKey = stored?.record.targets.static?.manifestKey;
        const read = staticObjectRead(
          decision,
          manifestKey === undefined ? undefined : manifests.get(manifestKey),
        );
        // Nothing to read (HEAD, 304): answered from the manifest in memory, no store read to count.
        if (read === undefined) return answerToResponse(staticFileAnswer(decision, "none", "memory"));
        const object = yield* assets.getObject(read.key, read.range).pipe(Effect.orDie);
        return answerToResponse(
          Option.isNone(object)
            ? staticFileAnswer(decision, "missing")
            : staticFileAnswer(decision, object.value.body, object.value.cache ?? "miss"),
        );
      });

    const callBackend = (decision: BackendDecision) =>
      Effect.gen(function* () {
        const answer = (response: Response, source: RuntimeSource) => ({ response, source });
        const stored = found.get(appKeyOf(decision.served));
        if (stored === undefined) {
          return answer(answerToResponse(textAnswer(502, appRequestMessages.dispatchFailed)), "worker");
        }
        const hasBody = request.method !== "GET" && request.method !== "HEAD";
        const backendRequest = new Request(decision.dispatch.url, {
          method: request.method,
          headers: backendRequestHeaders(request.headers, decision.dispatch),
          redirect: "manual",
          ...(hasBody ? { body: request.body, duplex: "half" } : {}),
        } as RequestInit);
        const response = yield* Effect.result(runtime.dispatch(stored.deploymentId, backendRequest));
        if (response._tag === "Failure")
          return answer(answerToResponse(runtimeFailureAnswer(response.failure)), "worker");
        const next = afterBackend(
          decision,
          response.success.status,
          response.success.headers.get("location"),
        );
        if (next._tag === "UseBackendResponse") return answer(response.success, next.source);
        void response.success.body?.cancel().catch(() => undefined);
        if (next._tag === "StaticFile") return answer(yield* serveStatic(next), next.source);
        return answer(answerToResponse(next.response), next.source);
      });

    // answerAppRequestSync's callers (the server's fast path) hand the same facts to `accounting.account`.
    const accounted = (response: Response, served: ServedApp, source: RuntimeSource): Response => {
      if (accounting === undefined) return response;
      const url = new URL(request.url);
      const fact: AccountedResponse = {
        served,
        source,
        status: response.status,
        staticCache: response.headers.get("x-w7s-static-cache"),
        method: request.method,
        host: request.headers.get("host") ?? url.host,
        path: url.pathname,
        userAgent: request.headers.get("user-agent") ?? "",
        durationMs: performance.now() - started,
      };
      accounting.account(fact);
      return response;
    };

    const decision = yield* decideRoute(
      {
        method: request.method,
        url: request.url,
        host: request.headers.get("host") ?? undefined,
        headers: request.headers,
      },
      { baseDomain: config.baseDomain },
      lookups,
    );
    switch (decision._tag) {
      case "Platform":
        return undefined;
      case "StaticFile": {
        const response = finalizeResponse(request, yield* serveStatic(decision), config, decision.served);
        return accounted(response, decision.served, decision.source);
      }
      case "Backend": {
        const { response, source } = yield* callBackend(decision);
        return accounted(
          finalizeResponse(request, response, config, decision.served),
          decision.served,
          source,
        );
      }
      case "RepoRootRedirect": {
        const response = finalizeResponse(
          request,
          answerToResponse(decision.response),
          config,
          decision.served,
        );
        return accounted(response, decision.served, decision.source);
      }
      case "Suspended":
        return finalizeResponse(request, answerToResponse(decision.response), config, decision.served);
      case "DeployTarget":
        if (decision.page === "showcase")
          accounting?.showcase?.({
            host: request.headers.get("host") ?? new URL(request.url).host,
            path: new URL(request.url).pathname,
            method: request.method,
            userAgent: request.headers.get("user-agent") ?? "",
            status: decision.response.status,
          });
        return finalizeResponse(request, answerToResponse(decision.response), config);
      case "NotConnected":
        return finalizeResponse(request, answerToResponse(decision.response), config);
    }
  });
