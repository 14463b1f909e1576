/** The values the routing decision (D) reads and produces: the request, its lookups and the decision union. */
import type { Effect } from "effect";

/** The part of a `Headers` object routing reads. */
export interface HeaderLookup {
  get(name: string): string | null;
}

/** An incoming request as routing sees it; a Web `Request` plus its `Host` header fits. */
export interface RouteRequest {
  readonly method: string;
  /** The absolute URL the client addressed; redirects echo its scheme and host. */
  readonly url: string;
  /** The raw `Host` header; the URL host is used when it is absent. */
  readonly host: string | undefined;
  readonly headers: HeaderLookup;
}

/** Operator configuration routing needs. */
export interface RoutingConfig {
  readonly baseDomain: string;
}

/** One app in one environment, as every lookup is keyed. */
export interface AppKey {
  readonly environment: string;
  readonly owner: string;
  readonly repo: string;
}

/** One published static file, as listed in the site manifest; `etag` is the SHA-256 hex of its bytes. */
export interface StaticFileInfo {
  readonly routePath: string;
  readonly contentType: string;
  readonly size: number;
  readonly etag: string;
}

/** The static site of a deployment: whether it has a root `index.html`, and its manifest by route path. */
export interface RoutableStaticSite {
  readonly hasIndex: boolean;
  file(routePath: string): StaticFileInfo | undefined;
}

/** What routing needs to know about a live deployment. */
export interface RoutableDeployment {
  /** The environment of this deployment, which may be production for a branch host (A.5). */
  readonly environment: string;
  readonly orgSlug: string;
  /** The app-scoped repo slug. */
  readonly repoSlug: string;
  readonly hasBackend: boolean;
  readonly routing: { readonly defaultDomain: boolean };
  readonly static?: RoutableStaticSite | undefined;
}

/** The custom-domain route that owns a request, after the longest-prefix match (H.4). */
export interface CustomDomainRoute {
  readonly hostname: string;
  /** Absent or `/` for the host root. */
  readonly pathPrefix?: string | undefined;
  readonly orgSlug: string;
  readonly repoSlug: string;
  readonly environment: string;
}

/**
 * An active suspension (F.8): only the fields the 429 reads are typed. The value itself is echoed as
 * `details.appLimitState`, so an adapter passes the stored state record and every field of it is shown.
 */
export interface SuspensionView {
  readonly reason: string;
  readonly metrics: ReadonlyArray<{ readonly metric: string }>;
  /** ISO time; absent for an operator's suspension. */
  readonly resumeAfter?: string | undefined;
}

/**
 * The lookups routing makes. They are Effects so adapters can back them with storage; their error and
 * requirement types pass through `decideRoute` unchanged. `customDomain` returns the longest-prefix match.
 */
export interface RouteLookups<E = never, R = never> {
  readonly deployment: (key: AppKey) => Effect.Effect<RoutableDeployment | undefined, E, R>;
  readonly customDomain: (
    host: string,
    pathname: string,
  ) => Effect.Effect<CustomDomainRoute | undefined, E, R>;
  readonly suspension: (key: AppKey) => Effect.Effect<SuspensionView | undefined, E, R>;
}

/** What a synchronous lookup answers when it cannot answer without I/O. */
export const NotCached: unique symbol = Symbol.for("@w7s/core/NotCached");

/** A value read from memory, or `NotCached` when reading it needs I/O. */
export type Cached<A> = A | typeof NotCached;

/**
 * The lookups of `RouteLookups`, answered from what the adapter holds in memory (`decideRouteSync`). Each
 * answers `NotCached` when it would need I/O; `undefined` still means "there is none".
 */
export interface SyncRouteLookups {
  readonly deployment: (key: AppKey) => Cached<RoutableDeployment | undefined>;
  readonly customDomain: (host: string, pathname: string) => Cached<CustomDomainRoute | undefined>;
  readonly suspension: (key: AppKey) => Cached<SuspensionView | undefined>;
  readonly nowMs: () => number;
}

/** A response fully decided by the core; `body` is `null` when none is sent (HEAD, 302, 304). */
export interface RoutedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
}

/** Where an app was found (D.8 mounts). */
export type RouteMount = "repo-prefix" | "org-root" | "custom-domain";

/** What produced an accounted response (D.8 sources). */
export type RuntimeSource =
  | "static_redirect"
  | "worker_redirect"
  | "static_exact"
  | "worker"
  | "static_fallback"
  | "not_found";

/** The deployment that answers a request; `environment` is what `x-w7s-environment` reports. */
export interface ServedApp {
  readonly environment: string;
  readonly orgSlug: string;
  readonly repoSlug: string;
  readonly mount: RouteMount;
}

/** Why routing hands the request to the platform's own routes. */
export type PlatformReason =
  /** The base domain itself. */
  | "apex"
  /** `www`/`api`/`app`, or a host outside the base domain with no custom-domain route. */
  | "not-runtime-host"
  /** `/api/v1` or below on an owner host (A.7). */
  | "platform-api"
  /** `GET /health` on an owner host (A.7). */
  | "platform-health"
  /** A request URL that does not parse. */
  | "unparsable-url";

/** Fall through to the platform routes (D.1 step 3 and 4). */
export interface PlatformDecision {
  readonly _tag: "Platform";
  readonly reason: PlatformReason;
}

/** D.2 step 6.4: `/repo` to `/repo/`. */
export interface RepoRootRedirectDecision {
  readonly _tag: "RepoRootRedirect";
  readonly source: "static_redirect";
  readonly served: ServedApp;
  readonly response: RoutedResponse;
}

/** Which bytes of a static file to send. */
export type StaticBody =
  | { readonly kind: "none" }
  | { readonly kind: "whole" }
  | { readonly kind: "range"; readonly offset: number; readonly length: number };

/**
 * Serve one static file (D.3). `status` and `headers` already apply `If-None-Match` (304) and `Range`
 * (206/416); the adapter adds `x-w7s-static-cache` and reads the bytes named by `body`.
 */
export interface StaticFileDecision {
  readonly _tag: "StaticFile";
  readonly source: "static_exact" | "static_fallback";
  readonly served: ServedApp;
  readonly file: StaticFileInfo;
  readonly status: 200 | 206 | 304 | 416;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: StaticBody;
}

/** The request to send to an app backend (D.4). */
export interface BackendDispatch {
  /** The request URL with its path replaced by the repo path; the query is kept. */
  readonly url: string;
  readonly method: string;
  readonly repoPath: string;
  /** Set after every incoming `x-w7s-*` header is dropped (see `backendRequestHeaders`). */
  readonly identityHeaders: Readonly<Record<string, string>>;
}

/** D.2 step 6.9: the backend answered 404/405 to a GET/HEAD and no SPA fallback applies. */
export interface BackendNotFoundDecision {
  readonly _tag: "BackendNotFound";
  readonly source: "not_found";
  readonly served: ServedApp;
  readonly response: RoutedResponse;
}

/** Call the app backend, then ask `afterBackend` what to answer. */
export interface BackendDecision {
  readonly _tag: "Backend";
  readonly served: ServedApp;
  readonly dispatch: BackendDispatch;
  /** Custom domains call the backend before static matching (D.2 step 5). */
  readonly workerFirst: boolean;
  /** The exact static file a worker-first request serves when the backend does not redirect. */
  readonly exactStatic: StaticFileDecision | undefined;
  readonly spaFallback: StaticFileDecision | undefined;
  readonly notFound: BackendNotFoundDecision;
}

/** Answer with the backend's own response, adding `x-w7s-environment`. */
export interface UseBackendResponseDecision {
  readonly _tag: "UseBackendResponse";
  readonly source: "worker" | "worker_redirect";
  readonly served: ServedApp;
}

/** What to answer once the backend has answered. */
export type AfterBackendDecision = UseBackendResponseDecision | StaticFileDecision | BackendNotFoundDecision;

/** The app is suspended (F.8): 429, nothing else runs. */
export interface SuspendedDecision {
  readonly _tag: "Suspended";
  readonly served: ServedApp;
  readonly response: RoutedResponse;
}

/** Why a route answers `deployment_not_connected`. */
export type NotConnectedReason =
  /** `/_w7s` or below: internal delivery paths are never reachable from outside. */
  | "private-path"
  /** Owner host, no candidate deployment, not a browser navigation. */
  | "no-deployment"
  /** A custom-domain route whose deployment does not exist. */
  | "mapped-deployment-missing"
  /** A static-only app with no file for the path and no SPA fallback (D.2 step 6.10). */
  | "no-match";

/** The D.7 404. */
export interface NotConnectedDecision {
  readonly _tag: "NotConnected";
  readonly reason: NotConnectedReason;
  readonly response: RoutedResponse;
}

/** The D.6 target data: what a navigation to an empty owner-host route was looking for. */
export interface DeployTarget {
  readonly requestedUrl: string;
  readonly owner: string;
  readonly repoSlug: string;
  readonly deployUrl: string;
  /** `<owner>/<repoSlug>` */
  readonly repository: string;
  readonly repositoryUrl: string;
  /** The path addressed the owner root, served by the same-name repo `<owner>/<owner>`. */
  readonly ownerRoot: boolean;
}

/** Which D.6 answer a navigation gets. */
export type DeployTargetPage = "showcase" | "robots" | "sitemap" | "crawler";

/** A browser navigation to an owner-host route with no deployment (D.6 [NEWEST]). */
export interface DeployTargetDecision {
  readonly _tag: "DeployTarget";
  readonly page: DeployTargetPage;
  readonly target: DeployTarget;
  readonly response: RoutedResponse;
}

/** Everything routing can decide about a request. */
export type RouteDecision =
  | PlatformDecision
  | RepoRootRedirectDecision
  | StaticFileDecision
  | BackendDecision
  | SuspendedDecision
  | NotConnectedDecision
  | DeployTargetDecision;

/** The response header that names the environment that served (DECISIONS: branch hosts fall back). */
export const SERVED_ENVIRONMENT_HEADER = "x-w7s-environment";

/** `<source>:<mount>`, the analytics `source` of an accounted response (D.8). */
export const accountingSource = (source: RuntimeSource, served: ServedApp): string =>
  `${source}:${served.mount}`;
