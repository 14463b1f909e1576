/**
 * `GET /api/v1/tls/ask?domain=<host>`: the question a reverse proxy asks before it obtains a certificate on
 * demand (Caddy's `on_demand_tls { ask }`). 200 only for hosts this server answers for: the base domain and
 * its platform labels, owner and branch hosts of owners with a live deployment there, and hosts with an
 * attached custom-domain route; 404 for anything else, so nobody can make the proxy request certificates
 * for arbitrary names.
 */
import { cleanHost, RESERVED_HOST_LABELS, resolveRuntimeHost } from "@w7s/env-naming";
import { Effect } from "effect";
import { errorResponse, type JsonResponse, successResponse } from "../errors/errorResponse.js";
import { BadRequest, NotFound, ServiceUnavailable } from "../errors/httpErrors.js";
import type { PlatformConfig } from "../platformConfig.js";
import { DeploymentStore } from "../ports/DeploymentStore.js";
import { isCustomDomainCandidate } from "../routing/decideRoute.js";

/** Which kind of host a certificate may be issued for. */
export type TlsHostKind = "platform" | "owner-host" | "custom-domain";

export const tlsAskMessages = {
  missingDomain: "Missing domain query parameter.",
  notServed: (host: string) => `${host} is not served by this W7S server.`,
} as const;

const toResponse = (answer: JsonResponse): Response =>
  new Response(answer.body, {
    status: answer.status,
    headers: { ...answer.headers, "cache-control": "no-store" },
  });

/** What kind of host `domain` is for this server, or `undefined` when it serves nothing there. */
export const tlsHostKind = (domain: string, config: PlatformConfig) =>
  Effect.gen(function* () {
    const host = cleanHost(domain);
    const base = cleanHost(config.baseDomain);
    if (host === base) return "platform" as const;
    const store = yield* DeploymentStore;
    if (isCustomDomainCandidate(host, base)) {
      const routes = yield* store.domainRoutes(host);
      return routes.length > 0 ? ("custom-domain" as const) : undefined;
    }
    const runtimeHost = resolveRuntimeHost(host, base);
    if (runtimeHost === null) {
      const label = host.slice(0, -(base.length + 1));
      return RESERVED_HOST_LABELS.has(label) ? ("platform" as const) : undefined;
    }
    for (const environment of runtimeHost.environments) {
      if (yield* store.ownerHasDeployments({ environment, orgSlug: runtimeHost.owner })) {
        return "owner-host" as const;
      }
    }
    return undefined;
  });

/** The whole endpoint; storage failures answer 503 so the proxy retries later rather than caching a "no". */
export const tlsAsk = (
  request: Request,
  config: PlatformConfig,
): Effect.Effect<Response, never, DeploymentStore> =>
  Effect.gen(function* () {
    const domain = new URL(request.url).searchParams.get("domain")?.trim() ?? "";
    if (domain === "")
      return toResponse(errorResponse(new BadRequest({ message: tlsAskMessages.missingDomain })));
    const kind = yield* tlsHostKind(domain, config);
    const host = cleanHost(domain);
    return kind === undefined
      ? toResponse(errorResponse(new NotFound({ message: tlsAskMessages.notServed(host) })))
      : toResponse(successResponse({ domain: host, kind }));
  }).pipe(
    Effect.catch((error) =>
      Effect.succeed(toResponse(errorResponse(new ServiceUnavailable({ message: error.message })))),
    ),
  );
