/**
 * `handleAppRequest` for servers that hold deployments, manifests and small files in memory: the same
 * decision (`decideRouteSync`) and the same answers (`appAnswers`), computed without a fiber, or
 * `undefined` whenever something is not at hand, so that the caller hands the request to the HTTP app.
 */
import type { PlatformConfig } from "../platformConfig.js";
import type { ByteRange } from "../ports/AssetStore.js";
import type { StoredDeployment } from "../ports/DeploymentStore.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type { StaticManifest } from "../ports/records/StaticManifest.js";
import { afterBackend } from "../routing/backendDispatch.js";
import { decideRouteSync } from "../routing/decideRoute.js";
import {
  type BackendDecision,
  type Cached,
  type CustomDomainRoute,
  NotCached,
  type RouteRequest,
  type RuntimeSource,
  type ServedApp,
  type StaticFileDecision,
  type SuspensionView,
  type SyncRouteLookups,
} from "../routing/routeModel.js";
import { selectCustomDomainRoute } from "../routing/routePaths.js";
import {
  type AppAnswer,
  finalizeAnswer,
  routableDeployment,
  staticFileAnswer,
  staticObjectRead,
} from "./appAnswers.js";
import { appKeyOf } from "./handleAppRequest.js";

/** What the stores hold in memory; each answers `NotCached` when the answer needs I/O. */
export interface SyncAppLookups {
  readonly current: (app: AppRef) => Cached<StoredDeployment | undefined>;
  readonly manifest: (manifestKey: string) => Cached<StaticManifest | undefined>;
  /** The bytes of a stored object (or of `range` of it); `undefined` when there is no such object. */
  readonly object: (key: string, range: ByteRange | undefined) => Cached<Uint8Array | undefined>;
  /** Every custom-domain route of a host (`DeploymentStore.domainRoutes`). */
  readonly domainRoutes: (hostname: string) => Cached<readonly CustomDomainRoute[]>;
  /** The app's active suspension (D.2 step 6.3; a `RuntimeAccountant`'s `peekSuspension`); none without it. */
  readonly suspension?: (app: AppRef) => Cached<SuspensionView | undefined>;
  /**
   * Starts reading a stored object into memory, without waiting. Asked for the files a backend's answer
   * may be replaced by (the SPA index, a worker-first exact file): the HTTP app reads those only when
   * the backend's answer needs them, so without this a backend that never answers 404 would never be
   * called from memory.
   */
  readonly readAhead?: (key: string) => void;
}

/** Who answered and how, for `RequestAccounting.account` (D.8). */
export interface SyncAccounted {
  readonly served: ServedApp;
  readonly source: RuntimeSource;
}

/** A finished answer: `x-w7s-environment` set, no body for HEAD. */
export interface SyncAnswer {
  readonly _tag: "Answer";
  readonly answer: AppAnswer;
  /** Set for the answers of D.2 steps 6.4-6.9, which the caller hands to accounting once written. */
  readonly accounted?: SyncAccounted;
  /** A D.6 showcase page (its `runtime_showcase` event). */
  readonly showcase?: boolean;
}

/** Call the backend, then ask `after`. */
export interface SyncBackendCall {
  readonly _tag: "Backend";
  readonly deploymentId: string;
  readonly decision: BackendDecision;
  /**
   * What to answer once the backend answered `status` (with `location` when it sent one): a finished
   * answer (the SPA index, the not-found answer), or `undefined` to send the backend's own response after
   * applying `applyResponseRules` to its headers.
   */
  readonly after: (status: number, location: string | null | undefined) => AppAnswer | undefined;
  /** Which D.8 source the answer has once the backend answered `status` (with `location`). */
  readonly sourceOf: (status: number, location: string | null | undefined) => RuntimeSource;
}

export type SyncAppAnswer = SyncAnswer | SyncBackendCall;

/**
 * The answer to a request on a runtime host from memory, or `undefined` when the HTTP app must answer it:
 * a platform route, or a deployment, manifest or file that is not in memory. A backend call is returned
 * only when every answer it can lead to is at hand, so a caller never has to call a backend twice.
 */
export const answerAppRequestSync = (
  request: RouteRequest,
  config: PlatformConfig,
  lookups: SyncAppLookups,
): SyncAppAnswer | undefined => {
  const found = new Map<string, StoredDeployment>();
  const routeLookups: SyncRouteLookups = {
    deployment: (key) => {
      const app = { environment: key.environment, orgSlug: key.owner, repoSlug: key.repo };
      const current = lookups.current(app);
      if (current === NotCached || current === undefined) return current;
      found.set(appKeyOf(app), current);
      const staticTarget = current.record.targets.static;
      const manifest = staticTarget === undefined ? undefined : lookups.manifest(staticTarget.manifestKey);
      if (manifest === NotCached) return NotCached;
      return routableDeployment(current.record, manifest);
    },
    // As in handleAppRequest: custom domains from the store; suspensions from the same cache the HTTP app
    // reads (a caller without one gets none), and `accounted` answers handed to the same accounting (D.8).
    customDomain: (host, pathname) => {
      const routes = lookups.domainRoutes(host);
      return routes === NotCached ? NotCached : selectCustomDomainRoute(routes, pathname);
    },
    suspension: (key) =>
      lookups.suspension === undefined
        ? undefined
        : lookups.suspension({ environment: key.environment, orgSlug: key.owner, repoSlug: key.repo }),
    nowMs: () => Date.now(),
  };
  const decision = decideRouteSync(request, { baseDomain: config.baseDomain }, routeLookups);
  if (decision === NotCached) return undefined;

  const staticAnswer = (file: StaticFileDecision, readAhead = false): Cached<AppAnswer> => {
    const manifestKey = found.get(appKeyOf(file.served))?.record.targets.static?.manifestKey;
    const manifest = manifestKey === undefined ? undefined : lookups.manifest(manifestKey);
    if (manifest === NotCached) return NotCached;
    const read = staticObjectRead(file, manifest);
    const bytes = read === undefined ? "none" : lookups.object(read.key, read.range);
    if (bytes === NotCached) {
      if (readAhead && read !== undefined) lookups.readAhead?.(read.key);
      return NotCached;
    }
    // Every byte this path serves is already in memory: no read of the object store to count.
    return finalizeAnswer(staticFileAnswer(file, bytes ?? "missing", "memory"), request.method, file.served);
  };
  const answer = (answer: AppAnswer, accounted?: SyncAccounted): SyncAnswer =>
    accounted === undefined ? { _tag: "Answer", answer } : { _tag: "Answer", answer, accounted };

  switch (decision._tag) {
    case "Platform":
      return undefined;
    case "StaticFile": {
      const file = staticAnswer(decision);
      return file === NotCached
        ? undefined
        : answer(file, { served: decision.served, source: decision.source });
    }
    case "Backend": {
      const stored = found.get(appKeyOf(decision.served));
      if (stored === undefined) return undefined;
      const exact = decision.exactStatic && staticAnswer(decision.exactStatic, true);
      const fallback = decision.spaFallback && staticAnswer(decision.spaFallback, true);
      if (exact === NotCached || fallback === NotCached) return undefined;
      const notFound = finalizeAnswer(decision.notFound.response, request.method, decision.served);
      return {
        _tag: "Backend",
        deploymentId: stored.deploymentId,
        decision,
        after: (status, location) => {
          const next = afterBackend(decision, status, location);
          if (next._tag === "UseBackendResponse") return undefined;
          if (next._tag === "BackendNotFound") return notFound;
          return next.source === "static_exact" ? exact : fallback;
        },
        sourceOf: (status, location) => afterBackend(decision, status, location).source,
      };
    }
    case "RepoRootRedirect":
      return answer(finalizeAnswer(decision.response, request.method, decision.served), {
        served: decision.served,
        source: decision.source,
      });
    case "Suspended":
      return answer(finalizeAnswer(decision.response, request.method, decision.served));
    case "NotConnected":
      return answer(finalizeAnswer(decision.response, request.method, undefined));
    case "DeployTarget": {
      const page = answer(finalizeAnswer(decision.response, request.method, undefined));
      return decision.page === "showcase" ? { ...page, showcase: true } : page;
    }
  }
};
