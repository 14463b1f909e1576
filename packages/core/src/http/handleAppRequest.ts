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
import type { RuntimeError } from "../ports/PortErrors.js";
import type { StaticManifest } from "../ports/records/StaticManifest.js";
import { afterBackend, backendRequestHeaders } from "../routing/backendDispatch.js";
import { stripBaseDomainCookies } from "../routing/cookiePolicy.js";
import { decideRoute } from "../routing/decideRoute.js";
import {
  type AppKey,
  type BackendDecision,
  type RoutableDeployment,
  type RoutedResponse,
  type RouteLookups,
  SERVED_ENVIRONMENT_HEADER,
  type ServedApp,
  type StaticFileDecision,
} from "../routing/routeModel.js";

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

/** Texts of backend failures (D.4). */
export const appRequestMessages = {
  dispatchFailed: "Worker dispatch failed.",
  timedOut: "The backend did not answer in time.",
} as const;

const keyOf = (app: { environment: string; orgSlug: string; repoSlug: string }) =>
  `${app.environment}\u0000${app.orgSlug}\u0000${app.repoSlug}`;

const routedToResponse = (routed: RoutedResponse): Response =>
  new Response(routed.body, { status: routed.status, headers: routed.headers });

const textResponse = (status: number, text: string): Response =>
  new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

const runtimeFailure = (error: RuntimeError): Response =>
  error.reason === "Timeout"
    ? // The runtime's description names its limit ("The backend did not answer within <n> ms.").
      textResponse(504, error.description ?? appRequestMessages.timedOut)
    : textResponse(502, error.description ?? appRequestMessages.dispatchFailed);

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
      if (served !== undefined) response.headers.set(SERVED_ENVIRONMENT_HEADER, served.environment);
      const cookies = response.headers.getSetCookie();
      if (cookies.length > 0) {
        const kept = stripBaseDomainCookies(cookies, config.baseDomain);
        if (kept.length !== cookies.length) {
          response.headers.delete("set-cookie");
          for (const cookie of kept) response.headers.append("set-cookie", cookie);
        }
      }
      return response;
    } catch {
      // Immutable headers (a fetch() response): rebuild below.
    }
  }
  const headers = new Headers(response.headers);
  if (served !== undefined) headers.set(SERVED_ENVIRONMENT_HEADER, served.environment);
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) {
    const kept = stripBaseDomainCookies(cookies, config.baseDomain);
    if (kept.length !== cookies.length) {
      headers.delete("set-cookie");
      for (const cookie of kept) headers.append("set-cookie", cookie);
    }
  }
  const body = request.method === "HEAD" ? null : response.body;
  if (body === null && response.body !== null) void response.body.cancel().catch(() => undefined);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
};

/**
 * Answers a request on a runtime host, or `undefined` when the platform's own routes should answer it
 * (apex, `/api/v1`, health, hosts outside the base domain).
 */
export const handleAppRequest = (
  request: Request,
  config: PlatformConfig,
  manifests: ManifestCache = makeManifestCache(),
): Effect.Effect<Response | undefined, never, AppRequestServices> =>
  Effect.gen(function* () {
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
          found.set(keyOf(app), current.value);
          const staticTarget = record.targets.static;
          const manifest =
            staticTarget === undefined ? undefined : yield* loadManifest(staticTarget.manifestKey);
          const routable: RoutableDeployment = {
            environment: record.environment,
            orgSlug: record.orgSlug,
            repoSlug: record.repoSlug,
            hasBackend: record.targets.worker !== undefined,
            routing: { defaultDomain: record.routing?.defaultDomain ?? true },
            static:
              manifest === undefined
                ? undefined
                : {
                    hasIndex: manifest.hasIndex,
                    file: (routePath) => {
                      const entry = manifest.files[routePath];
                      return entry === undefined
                        ? undefined
                        : { routePath, contentType: entry.contentType, size: entry.size, etag: entry.etag };
                    },
                  },
          };
          return routable;
        }).pipe(Effect.orDie),
      customDomain: () => Effect.succeed(undefined),
      suspension: () => Effect.succeed(undefined),
    };

    const serveStatic = (decision: StaticFileDecision) =>
      Effect.gen(function* () {
        const stored = found.get(keyOf(decision.served));
        const manifestKey = stored?.record.targets.static?.manifestKey;
        const entry =
          manifestKey === undefined ? undefined : manifests.get(manifestKey)?.files[decision.file.routePath];
        const headers = new Headers(decision.headers);
        headers.set("x-w7s-static-cache", "miss");
        if (decision.body.kind === "none" || entry === undefined) {
          return new Response(null, { status: decision.status, headers });
        }
        const range =
          decision.body.kind === "range"
            ? { offset: decision.body.offset, length: decision.body.length }
            : undefined;
        const object = yield* assets.getObject(entry.r2Key, range).pipe(Effect.orDie);
        if (Option.isNone(object)) return textResponse(404, "Not found.");
        return new Response(object.value.body as Uint8Array<ArrayBuffer>, {
          status: decision.status,
          headers,
        });
      });

    const callBackend = (decision: BackendDecision) =>
      Effect.gen(function* () {
        const stored = found.get(keyOf(decision.served));
        if (stored === undefined) return textResponse(502, appRequestMessages.dispatchFailed);
        const hasBody = request.method !== "GET" && request.method !== "HEAD";
        const backendRequest = new Request(decision.dispatch.url, {
          method: request.method,
          headers: backendRequestHeaders(request.headers, decision.dispatch),
          redirect: "manual",
          ...(hasBody ? { body: request.body, duplex: "half" } : {}),
        } as RequestInit);
        const response = yield* Effect.result(runtime.dispatch(stored.deploymentId, backendRequest));
        if (response._tag === "Failure") return runtimeFailure(response.failure);
        const next = afterBackend(
          decision,
          response.success.status,
          response.success.headers.get("location"),
        );
        if (next._tag === "UseBackendResponse") return response.success;
        void response.success.body?.cancel().catch(() => undefined);
        if (next._tag === "StaticFile") return yield* serveStatic(next);
        return routedToResponse(next.response);
      });

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
      case "StaticFile":
        return finalizeResponse(request, yield* serveStatic(decision), config, decision.served);
      case "Backend":
        return finalizeResponse(request, yield* callBackend(decision), config, decision.served);
      case "RepoRootRedirect":
      case "Suspended":
        return finalizeResponse(request, routedToResponse(decision.response), config, decision.served);
      case "NotConnected":
      case "DeployTarget":
        return finalizeResponse(request, routedToResponse(decision.response), config);
    }
  });
