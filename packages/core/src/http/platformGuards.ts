/**
 * What runs around every route of the HTTP app, in this order: the `Cookie` size guard (431), custom-domain
 * interception before any platform route (D.1 step 2), the bearer-failure slow-down on the platform API,
 * and the security headers of platform-written responses. App answers pass through untouched, except for
 * the base-domain cookie policy they already had applied.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { JsonResponse } from "../errors/errorResponse.js";
import type { PlatformConfig } from "../platformConfig.js";
import { isCustomDomainCandidate } from "../routing/decideRoute.js";
import { isPlatformApiPath } from "../routing/routePaths.js";
import {
  type AuthFailureLimiter,
  clientAddressOf,
  makeAuthFailureLimiter,
} from "../security/authFailures.js";
import { oversizedCookieAnswer } from "../security/cookieLimit.js";
import { applySecurityHeaders } from "../security/securityHeaders.js";

/** Context variables the guards and the catch-all share. */
export interface GuardVariables {
  /** Set by whatever answered with an app's response, so that no platform header is added to it. */
  appAnswer: boolean;
}

// Kept off the app's type (`makeHttpApp` answers a plain `Hono`, which other route modules take).
const guardContext = (c: Context) => c as unknown as Context<{ Variables: GuardVariables }>;

/** Marks the response being answered as an app's own: the guards add nothing to it. */
export const markAppAnswer = (c: Context): void => guardContext(c).set("appAnswer", true);

export interface PlatformGuardOptions {
  readonly config: PlatformConfig;
  /** Routes a request to an app (`handleAppRequest`), or `undefined` for the platform routes. */
  readonly routeApp: (request: Request) => Promise<Response | undefined>;
  /** The address of the peer that sent the request (the runtime's connection info); `undefined` when unknown. */
  readonly peerAddress?: ((request: Request, env: unknown) => string | undefined) | undefined;
  readonly limiter?: AuthFailureLimiter;
  /** Milliseconds now (tests). */
  readonly now?: () => number;
}

const jsonAnswer = (answer: JsonResponse): Response =>
  new Response(answer.body, { status: answer.status, headers: answer.headers });

/** Adds the security headers to a platform response, rebuilding it when its headers are immutable. */
const secured = (response: Response): Response => {
  try {
    applySecurityHeaders(response.headers);
    return response;
  } catch {
    const headers = new Headers(response.headers);
    applySecurityHeaders(headers);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
};

/** The guards as one Hono middleware; register it before every route. */
export const platformGuards = (
  options: PlatformGuardOptions,
): MiddlewareHandler<{ Variables: GuardVariables }> => {
  const { config, routeApp } = options;
  const { security } = config;
  const now = options.now ?? Date.now;
  const limiter =
    options.limiter ??
    makeAuthFailureLimiter({
      limit: security.authFailureLimit,
      windowSeconds: security.authFailureWindowSeconds,
    });
  return async (c, next) => {
    const request = c.req.raw;
    const tooLarge = oversizedCookieAnswer(request.headers.get("cookie"), security.maxCookieHeaderBytes);
    if (tooLarge !== undefined) return secured(jsonAnswer(tooLarge));

    const host = request.headers.get("host") ?? new URL(request.url).host;
    if (isCustomDomainCandidate(host, config.baseDomain)) {
      const routed = await routeApp(request);
      if (routed !== undefined) {
        markAppAnswer(c);
        return routed;
      }
    }

    const { pathname } = new URL(request.url);
    const counted = isPlatformApiPath(pathname) && request.headers.has("authorization");
    const client = counted
      ? clientAddressOf(
          options.peerAddress?.(request, c.env),
          request.headers.get("x-forwarded-for"),
          security.trustedProxies,
        )
      : undefined;
    const refusal = limiter.refusal(client, now());
    if (refusal !== undefined) return secured(jsonAnswer(refusal));

    await next();
    if (guardContext(c).get("appAnswer") === true) return;
    if (counted && c.res.status === 401) limiter.recordFailure(client, now());
    const response = secured(c.res);
    if (response !== c.res) c.res = response;
  };
};
