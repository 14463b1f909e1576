/**
 * GitHub Actions OIDC tokens (B.3 step 1, DECISIONS 3): RS256 with a `kid`, keys from the issuer's JWKS
 * (cached for an hour, fetched again once for an unknown `kid`), expiry and not-before with 60 s skew,
 * an accepted audience, and a `repository` claim naming the repository. The branch is the `ref` claim's.
 */
import { type RepoAccess, type RepoAccessRequest, UpstreamError } from "@w7s/core";
import { Effect } from "effect";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { httpGet, type RepoAuthFetch, readJson } from "./http.js";

const JWKS_CACHE_MS = 60 * 60 * 1000;
const CLOCK_SKEW_SECONDS = 60;
const BRANCH_REF_PREFIX = "refs/heads/";

export interface OidcSettings {
  readonly issuer: string;
  readonly jwksUrl: string;
  /** Accepted `aud` values besides `https://github.com/<owner>`. */
  readonly audiences: readonly string[];
  readonly userAgent: string;
  readonly timeoutMs: number;
  readonly fetch: RepoAuthFetch;
}

const denied: RepoAccess = { granted: false };

const jwksFailure = (reason: UpstreamError["reason"], description: string) =>
  new UpstreamError({ reason, operation: "RepoAuth.verify (OIDC JWKS)", description });

const isKeySet = (body: unknown): body is JSONWebKeySet =>
  typeof body === "object" && body !== null && Array.isArray((body as { keys?: unknown }).keys);

/** Does the token claim to come from `issuer`? Undecodable tokens do not (they go to the GitHub API). */
export const isIssuedBy = (token: string, issuer: string): boolean => {
  if (token.split(".").length !== 3) return false;
  try {
    return decodeJwt(token).iss === issuer;
  } catch {
    return false;
  }
};

const audienceAccepted = (aud: unknown, accepted: readonly string[], owner: string): boolean => {
  const ownerAudience = `https://github.com/${owner}`.toLowerCase();
  const tokenAudiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  return tokenAudiences.some(
    (audience) =>
      typeof audience === "string" &&
      (accepted.includes(audience) || audience.toLowerCase() === ownerAudience),
  );
};

export const branchOfRef = (ref: unknown): string | undefined =>
  typeof ref === "string" && ref.startsWith(BRANCH_REF_PREFIX) && ref.length > BRANCH_REF_PREFIX.length
    ? ref.slice(BRANCH_REF_PREFIX.length)
    : undefined;

/** The OIDC check; keeps the JWKS cache for the lifetime of the returned function. */
export const makeOidcVerifier = (settings: OidcSettings) => {
  let cache: { readonly keys: JSONWebKeySet; readonly fetchedAt: number } | undefined;

  const fetchKeys = Effect.gen(function* () {
    const response = yield* httpGet(
      settings.fetch,
      settings.jwksUrl,
      { accept: "application/json", "user-agent": settings.userAgent },
      settings.timeoutMs,
    ).pipe(
      Effect.mapError((failure) =>
        failure.kind === "timeout"
          ? jwksFailure("Timeout", `GitHub OIDC JWKS fetch timed out after ${failure.afterMs} ms.`)
          : jwksFailure("Unavailable", `GitHub OIDC JWKS fetch failed (${failure.message}).`),
      ),
    );
    if (!response.ok) {
      return yield* Effect.fail(
        jwksFailure("Unavailable", `GitHub OIDC JWKS fetch failed (${response.status}).`),
      );
    }
    const body = yield* readJson(response);
    if (!isKeySet(body)) {
      return yield* Effect.fail(jwksFailure("BadResponse", "GitHub OIDC JWKS response is not a key set."));
    }
    cache = { keys: body, fetchedAt: Date.now() };
    return body;
  });

  /** Cached keys; fetched again once when they lack `kid` and did not come from this very call. */
  const keysFor = (kid: string) =>
    Effect.gen(function* () {
      const fresh = cache === undefined || Date.now() - cache.fetchedAt >= JWKS_CACHE_MS;
      const keys = fresh ? yield* fetchKeys : cache!.keys;
      if (fresh || keys.keys.some((key) => key.kid === kid)) return keys;
      return yield* fetchKeys;
    });

  /** The payload when signature, issuer, algorithm, `exp` and `nbf` hold; `undefined` for any "no". */
  const verifySignatureAndTimes = async (token: string, keys: JSONWebKeySet) => {
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(keys), {
        issuer: settings.issuer,
        algorithms: ["RS256"],
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ["exp"],
      });
      return payload;
    } catch {
      return undefined;
    }
  };

  return (request: RepoAccessRequest): Effect.Effect<RepoAccess, UpstreamError> =>
    Effect.gen(function* () {
      let header: ReturnType<typeof decodeProtectedHeader>;
      try {
        header = decodeProtectedHeader(request.token);
      } catch {
        return denied;
      }
      if (header.alg !== "RS256" || typeof header.kid !== "string" || header.kid === "") return denied;
      const keys = yield* keysFor(header.kid);
      const verified = yield* Effect.promise(() => verifySignatureAndTimes(request.token, keys));
      if (verified === undefined) return denied;
      if (!audienceAccepted(verified.aud, settings.audiences, request.owner)) return denied;
      const repository = verified["repository"];
      const expected = `${request.owner}/${request.repo}`.toLowerCase();
      if (typeof repository !== "string" || repository.toLowerCase() !== expected) return denied;
      const branch = branchOfRef(verified["ref"]);
      return branch === undefined
        ? ({ granted: true, proof: "oidc" } as const)
        : ({ granted: true, proof: "oidc", branch } as const);
    });
};
