/**
 * Decides what answers a request (D.1 steps 2-4, D.2): a platform route, a static file, a backend or a 4xx.
 * The rules are written once, as a generator that yields each lookup it needs; `decideRoute` answers those
 * lookups with the adapter's Effects, `decideRouteSync` from what the adapter holds in memory.
 */
import { cleanHost, type RepoPathCandidate, repoPathCandidates, resolveRuntimeHost } from "@w7s/env-naming";
import { Clock, Effect } from "effect";
import { withSecurityHeaders } from "../security/securityHeaders.js";
import { backendDispatch } from "./backendDispatch.js";
import { deployTargetOf, deployTargetPageFor, deployTargetResponse } from "./deployTarget.js";
import { notConnectedResponse } from "./notConnected.js";
import {
  type AppKey,
  type BackendNotFoundDecision,
  type Cached,
  type CustomDomainRoute,
  NotCached,
  type NotConnectedDecision,
  type NotConnectedReason,
  type PlatformReason,
  type RoutableDeployment,
  type RouteDecision,
  type RoutedResponse,
  type RouteLookups,
  type RouteMount,
  type RouteRequest,
  type RoutingConfig,
  SERVED_ENVIRONMENT_HEADER,
  type ServedApp,
  type StaticFileDecision,
  type StaticFileInfo,
  type SuspensionView,
  type SyncRouteLookups,
} from "./routeModel.js";
import { isPlatformApiPath, isPrivatePath, stripRoutePrefix } from "./routePaths.js";
import { shouldServeSpaFallback, staticLookupCandidates } from "./staticPath.js";
import { staticAnswer } from "./staticResponse.js";
import { suspendedResponse } from "./suspension.js";

/** The request facts every step reads, computed once. */
interface RoutingContext {
  readonly request: RouteRequest;
  readonly url: URL;
  /** Upper-cased, for comparisons only; backends get the method as sent. */
  readonly method: string;
  readonly readsBody: boolean;
  readonly rawHost: string;
  readonly navigation: boolean;
}

/** One (repo, path) reading of a request, as tried in D.2 step 6. */
interface Candidate {
  readonly repoSlug: string;
  readonly repoPath: string;
  readonly mount: RouteMount;
}

/** A lookup the rules need answered before they can go on. */
type RouteQuery =
  | { readonly _tag: "Deployment"; readonly key: AppKey }
  | { readonly _tag: "CustomDomain"; readonly host: string; readonly pathname: string }
  | { readonly _tag: "Suspension"; readonly key: AppKey }
  | { readonly _tag: "Now" };

/** A step of the rules: yields lookups, is resumed with their answers, returns `A`. */
type RouteSteps<A> = Generator<RouteQuery, A, unknown>;

function* ask<A>(query: RouteQuery): RouteSteps<A> {
  return (yield query) as A;
}
const askDeployment = (key: AppKey) => ask<RoutableDeployment | undefined>({ _tag: "Deployment", key });
const askSuspension = (key: AppKey) => ask<SuspensionView | undefined>({ _tag: "Suspension", key });
const askCustomDomain = (host: string, pathname: string) =>
  ask<CustomDomainRoute | undefined>({ _tag: "CustomDomain", host, pathname });
const askNow = () => ask<number>({ _tag: "Now" });

/** The text 404 of an owner-host backend that found nothing (D.2 step 6.9). */
export const NOT_FOUND_TEXT = "Not found.";

const platform = (reason: PlatformReason): RouteDecision => ({ _tag: "Platform", reason });

/** A response the platform wrote itself (not an app's): it carries the platform's security headers. */
const platformWritten = (response: RoutedResponse): RoutedResponse => ({
  ...response,
  headers: withSecurityHeaders(response.headers),
});

const notConnected = (context: RoutingContext, reason: NotConnectedReason): NotConnectedDecision => ({
  _tag: "NotConnected",
  reason,
  response: platformWritten(
    notConnectedResponse({
      method: context.method,
      host: context.rawHost,
      path: context.url.pathname + context.url.search,
      navigation: context.navigation,
    }),
  ),
});

const servedHeader = (served: ServedApp): Record<string, string> => ({
  [SERVED_ENVIRONMENT_HEADER]: served.environment,
});

const staticFile = (
  context: RoutingContext,
  served: ServedApp,
  source: StaticFileDecision["source"],
  file: StaticFileInfo,
): StaticFileDecision => {
  const answer = staticAnswer(file, context.request);
  return {
    _tag: "StaticFile",
    source,
    served,
    file,
    status: answer.status,
    headers: { ...answer.headers, ...servedHeader(served) },
    body: answer.body,
  };
};

const exactStaticFile = (deployment: RoutableDeployment, repoPath: string): StaticFileInfo | undefined => {
  const site = deployment.static;
  if (site === undefined) return undefined;
  for (const routePath of staticLookupCandidates(repoPath)) {
    const file = site.file(routePath);
    if (file !== undefined) return file;
  }
  return undefined;
};

const spaFallbackFile = (deployment: RoutableDeployment, repoPath: string): StaticFileInfo | undefined =>
  deployment.static?.hasIndex === true && shouldServeSpaFallback(repoPath)
    ? deployment.static.file("index.html")
    : undefined;

const backendNotFound = (context: RoutingContext, served: ServedApp): BackendNotFoundDecision => {
  const base =
    served.mount === "custom-domain"
      ? notConnected(context, "no-match").response
      : platformWritten({
          status: 404,
          headers: { "content-type": "text/plain; charset=utf-8" },
          body: context.method === "HEAD" ? null : NOT_FOUND_TEXT,
        });
  return {
    _tag: "BackendNotFound",
    source: "not_found",
    served,
    response: { ...base, headers: { ...base.headers, ...servedHeader(served) } },
  };
};

/** D.2 steps 6.3-6.10 for the candidate whose deployment was found. */
function* serveDeployment(
  context: RoutingContext,
  deployment: RoutableDeployment,
  candidate: Candidate,
): RouteSteps<RouteDecision> {
  const served: ServedApp = {
    environment: deployment.environment,
    orgSlug: deployment.orgSlug,
    repoSlug: deployment.repoSlug,
    mount: candidate.mount,
  };
  const suspension = yield* askSuspension({
    environment: served.environment,
    owner: served.orgSlug,
    repo: served.repoSlug,
  });
  if (suspension !== undefined) {
    const nowMs = yield* askNow();
    const response = platformWritten(
      suspendedResponse(suspension, {
        method: context.method,
        accept: context.request.headers.get("accept"),
        nowMs,
      }),
    );
    return {
      _tag: "Suspended",
      served,
      response: { ...response, headers: { ...response.headers, ...servedHeader(served) } },
    } satisfies RouteDecision;
  }

  if (
    candidate.mount === "repo-prefix" &&
    deployment.static !== undefined &&
    context.readsBody &&
    candidate.repoPath === "/" &&
    !context.url.pathname.endsWith("/")
  ) {
    const location = new URL(context.url.href);
    location.pathname = `${location.pathname}/`;
    return {
      _tag: "RepoRootRedirect",
      source: "static_redirect",
      served,
      response: {
        status: 302,
        headers: { location: location.href, "cache-control": "no-store", ...servedHeader(served) },
        body: null,
      },
    } satisfies RouteDecision;
  }

  const exact = context.readsBody ? exactStaticFile(deployment, candidate.repoPath) : undefined;
  const exactDecision = exact && staticFile(context, served, "static_exact", exact);
  const fallback = context.readsBody ? spaFallbackFile(deployment, candidate.repoPath) : undefined;
  const fallbackDecision = fallback && staticFile(context, served, "static_fallback", fallback);

  if (deployment.hasBackend) {
    const workerFirst = candidate.mount === "custom-domain";
    if (!workerFirst && exactDecision !== undefined) return exactDecision;
    return {
      _tag: "Backend",
      served,
      dispatch: backendDispatch({
        url: context.url,
        method: context.request.method,
        repoPath: candidate.repoPath,
        served,
      }),
      workerFirst,
      exactStatic: workerFirst ? exactDecision : undefined,
      spaFallback: fallbackDecision,
      notFound: backendNotFound(context, served),
    } satisfies RouteDecision;
  }
  return exactDecision ?? fallbackDecision ?? notConnected(context, "no-match");
}

/** The first environment (in host order) with a deployment of the app. */
function* findDeployment(
  environments: readonly string[],
  owner: string,
  repo: string,
): RouteSteps<RoutableDeployment | undefined> {
  for (const environment of environments) {
    const deployment = yield* askDeployment({ environment, owner, repo });
    if (deployment !== undefined) return deployment;
  }
  return undefined;
}

function* decideOwnerHost(
  context: RoutingContext,
  owner: string,
  environments: readonly string[],
): RouteSteps<RouteDecision> {
  const pathname = context.url.pathname;
  if (isPlatformApiPath(pathname)) return platform("platform-api");
  if (context.readsBody && pathname === "/health") return platform("platform-health");
  const candidates: readonly RepoPathCandidate[] = repoPathCandidates(owner, pathname);
  if (isPrivatePath(pathname) || candidates.some((candidate) => isPrivatePath(candidate.repoPath))) {
    return notConnected(context, "private-path");
  }
  for (const candidate of candidates) {
    const deployment = yield* findDeployment(environments, owner, candidate.repoSlug);
    // routing.defaultDomain=false: served only through its custom domains (D.5).
    if (deployment === undefined || !deployment.routing.defaultDomain) continue;
    return yield* serveDeployment(context, deployment, candidate);
  }
  if (!context.navigation || !context.readsBody) return notConnected(context, "no-deployment");
  const target = deployTargetOf({ url: context.url, host: context.rawHost, owner });
  const page = deployTargetPageFor(pathname, context.request.headers);
  return {
    _tag: "DeployTarget",
    page,
    target,
    response: platformWritten(deployTargetResponse(page, target, context.method)),
  } satisfies RouteDecision;
}

function* decideCustomDomain(context: RoutingContext, host: string): RouteSteps<RouteDecision> {
  const pathname = context.url.pathname;
  const route = yield* askCustomDomain(host, pathname);
  if (route === undefined) return platform("not-runtime-host");
  const repoPath = stripRoutePrefix(route, pathname);
  if (isPrivatePath(pathname) || isPrivatePath(repoPath)) return notConnected(context, "private-path");
  const deployment = yield* askDeployment({
    environment: route.environment,
    owner: route.orgSlug,
    repo: route.repoSlug,
  });
  if (deployment === undefined) return notConnected(context, "mapped-deployment-missing");
  return yield* serveDeployment(context, deployment, {
    repoSlug: route.repoSlug,
    repoPath,
    mount: "custom-domain",
  });
}

/**
 * Whether a request host may be a custom domain (D.1 step 2): neither the base domain nor a host under it.
 * Custom-domain requests are routed before any platform route, so adapters ask this first.
 */
export const isCustomDomainCandidate = (rawHost: string, baseDomain: string): boolean => {
  const host = cleanHost(rawHost);
  const base = cleanHost(baseDomain);
  return host !== "" && host !== base && !host.endsWith(`.${base}`);
};

/** D.1 steps 2-4 and D.2 for one request, as steps. */
function* routeSteps(request: RouteRequest, config: RoutingConfig): RouteSteps<RouteDecision> {
  const url = URL.parse(request.url);
  if (url === null) return platform("unparsable-url");
  const rawHost = request.host ?? url.host;
  const method = request.method.toUpperCase();
  const context: RoutingContext = {
    request,
    url,
    method,
    readsBody: method === "GET" || method === "HEAD",
    rawHost,
    navigation: request.headers.get("sec-fetch-mode") === "navigate",
  };
  // `/_w7s` is where the platform delivers to backends: no outside request reaches it, on any host.
  if (isPrivatePath(url.pathname)) return notConnected(context, "private-path");
  const host = cleanHost(rawHost);
  if (host === cleanHost(config.baseDomain)) return platform("apex");
  const runtimeHost = resolveRuntimeHost(host, config.baseDomain);
  if (runtimeHost !== null) {
    return yield* decideOwnerHost(context, runtimeHost.owner, runtimeHost.environments);
  }
  // The platform's own hosts (`www`, `api`, `app`): no app may claim a host under the base domain.
  if (!isCustomDomainCandidate(host, config.baseDomain)) return platform("not-runtime-host");
  return yield* decideCustomDomain(context, host);
}

const askWith = <E, R>(lookups: RouteLookups<E, R>, query: RouteQuery): Effect.Effect<unknown, E, R> => {
  switch (query._tag) {
    case "Deployment":
      return lookups.deployment(query.key);
    case "CustomDomain":
      return lookups.customDomain(query.host, query.pathname);
    case "Suspension":
      return lookups.suspension(query.key);
    case "Now":
      return Clock.currentTimeMillis;
  }
};

/**
 * The routing decision for one request. Owner hosts try the A.6 candidates in each host environment
 * (a branch host falls back to production, and `served.environment` says which one answered); custom
 * domains serve their route's app; the apex, reserved labels and unknown hosts go to the platform.
 * Lookup failures pass through; nothing else fails.
 */
export const decideRoute = <E = never, R = never>(
  request: RouteRequest,
  config: RoutingConfig,
  lookups: RouteLookups<E, R>,
): Effect.Effect<RouteDecision, E, R> =>
  Effect.gen(function* () {
    const steps = routeSteps(request, config);
    let step = steps.next();
    while (step.done !== true) step = steps.next(yield* askWith(lookups, step.value));
    return step.value;
  });

const askSync = (lookups: SyncRouteLookups, query: RouteQuery): Cached<unknown> => {
  switch (query._tag) {
    case "Deployment":
      return lookups.deployment(query.key);
    case "CustomDomain":
      return lookups.customDomain(query.host, query.pathname);
    case "Suspension":
      return lookups.suspension(query.key);
    case "Now":
      return lookups.nowMs();
  }
};

/**
 * `decideRoute` over lookups that answer from memory: the same rules, the same decision, or `NotCached`
 * as soon as one lookup cannot answer without I/O (then ask `decideRoute`).
 */
export const decideRouteSync = (
  request: RouteRequest,
  config: RoutingConfig,
  lookups: SyncRouteLookups,
): Cached<RouteDecision> => {
  const steps = routeSteps(request, config);
  let step = steps.next();
  while (step.done !== true) {
    const answer = askSync(lookups, step.value);
    if (answer === NotCached) return NotCached;
    step = steps.next(answer);
  }
  return step.value;
};
