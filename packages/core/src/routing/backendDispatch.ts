/** The request an app backend receives (D.4), and what to answer once it has answered (D.2 steps 5, 7-9). */
import type { AfterBackendDecision, BackendDecision, BackendDispatch, ServedApp } from "./routeModel.js";

/** The exact texts adapters answer with when a backend cannot be called (D.4). */
export const backendDispatchTexts = {
  notConfigured: "DISPATCHER binding is not configured.",
  failed: "Worker dispatch failed.",
} as const;

/** Incoming headers with this prefix never reach a backend, so every `x-w7s-*` it sees is the platform's. */
export const PLATFORM_HEADER_PREFIX = "x-w7s-";

/** The request to send to a backend: the path becomes `repoPath`, the query stays, identity headers are set. */
export const backendDispatch = (input: {
  readonly url: URL;
  readonly method: string;
  readonly repoPath: string;
  readonly served: ServedApp;
}): BackendDispatch => {
  const url = new URL(input.url.href);
  url.pathname = input.repoPath;
  return {
    url: url.href,
    method: input.method,
    repoPath: input.repoPath,
    identityHeaders: {
      "x-w7s-org-slug": input.served.orgSlug,
      "x-w7s-repo-slug": input.served.repoSlug,
      "x-w7s-original-path": input.url.pathname,
    },
  };
};

/**
 * The headers to send to a backend: the incoming ones minus every `x-w7s-*` header a client sent (identity,
 * schedule, queue, workflow and RPC markers cannot be spoofed), then the platform's identity headers.
 */
export const backendRequestHeaders = (
  incoming: Iterable<readonly [string, string]>,
  dispatch: BackendDispatch,
): Array<[string, string]> => {
  const headers: Array<[string, string]> = [];
  for (const [name, value] of incoming)
    if (!name.toLowerCase().startsWith(PLATFORM_HEADER_PREFIX)) headers.push([name, value]);
  for (const name in dispatch.identityHeaders) headers.push([name, dispatch.identityHeaders[name]!]);
  return headers;
};

const isRedirect = (status: number, location: string | null | undefined): boolean =>
  status >= 300 && status < 400 && location !== undefined && location !== null && location !== "";

/**
 * What to answer after the backend answered `status` (with `location` when it sent one):
 * a worker-first custom domain returns a 3xx with a location unchanged, then prefers an exact static file;
 * the backend's answer stands unless a GET/HEAD got 404 or 405 (non-GET 404/405 pass through); those fall
 * back to the SPA index when allowed, else to the not-found answer.
 */
export const afterBackend = (
  decision: BackendDecision,
  status: number,
  location?: string | null,
): AfterBackendDecision => {
  if (decision.workerFirst && isRedirect(status, location)) {
    return { _tag: "UseBackendResponse", source: "worker_redirect", served: decision.served };
  }
  if (decision.exactStatic !== undefined) return decision.exactStatic;
  const method = decision.dispatch.method.toUpperCase();
  const readsBody = method === "GET" || method === "HEAD";
  if (!(readsBody && (status === 404 || status === 405))) {
    return { _tag: "UseBackendResponse", source: "worker", served: decision.served };
  }
  return decision.spaFallback ?? decision.notFound;
};
