/**
 * RepoAuth (B.3, DECISIONS 3): an operator deploy token, a GitHub Actions OIDC token (signature, issuer,
 * audience, expiry, repository; the branch comes from `ref`), or a GitHub token that must show write
 * access through the GitHub API. Uses only fetch and WebCrypto (through jose), no node:* modules.
 */
import { type RepoAccess, type RepoAccessRequest, RepoAuth, UpstreamError } from "@w7s/core";
import { Effect, Layer } from "effect";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";

export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";
export const DEFAULT_OIDC_AUDIENCES: readonly string[] = ["w7s.cloud", "https://w7s.cloud"];
const JWKS_CACHE_MS = 60 * 60 * 1000;
const CLOCK_SKEW_SECONDS = 60;

export interface RepoAuthOptions {
  /** GitHub REST API base URL (GitHub Enterprise, or a local stand-in in tests). */
  readonly githubApiUrl?: string;
  /** An operator's shared deploy token: grants every repository (air-gapped installs). */
  readonly deployToken?: string | undefined;
  readonly oidc?: {
    readonly issuer?: string;
    /** Accepted `aud` values besides `https://github.com/<owner>`. */
    readonly audiences?: readonly string[];
    readonly jwksUrl?: string;
  };
  readonly userAgent?: string;
  readonly fetch?: typeof fetch;
}

const denied: RepoAccess = { granted: false };

const constantTimeEqual = (a: string, b: string): boolean => {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  let difference = left.length ^ right.length;
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    difference |= (left[index] ?? 0) ^ (right[index] ?? 0);
  }
  return difference === 0;
};

const upstream = (description: string, cause?: unknown) =>
  new UpstreamError({ reason: "Unavailable", operation: "RepoAuth.verify", description, cause });

/** The verifier; exported for tests and for adapters that build their own Layer. */
export const makeRepoAuth = (options: RepoAuthOptions = {}): RepoAuth["Service"] => {
  const apiUrl = (options.githubApiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  const issuer = options.oidc?.issuer ?? GITHUB_OIDC_ISSUER;
  const jwksUrl = options.oidc?.jwksUrl ?? `${issuer.replace(/\/+$/, "")}/.well-known/jwks`;
  const audiences = options.oidc?.audiences ?? DEFAULT_OIDC_AUDIENCES;
  const userAgent = options.userAgent ?? "w7s-io-deploy";
  const doFetch = options.fetch ?? fetch;
  let jwks: { keys: JSONWebKeySet; fetchedAt: number } | undefined;

  const loadJwks = async (force: boolean): Promise<JSONWebKeySet> => {
    if (!force && jwks !== undefined && Date.now() - jwks.fetchedAt < JWKS_CACHE_MS) return jwks.keys;
    const response = await doFetch(jwksUrl, {
      headers: { accept: "application/json", "user-agent": userAgent },
    });
    if (!response.ok) throw upstream(`GitHub OIDC JWKS fetch failed (${response.status}).`);
    const keys = (await response.json()) as JSONWebKeySet;
    jwks = { keys, fetchedAt: Date.now() };
    return keys;
  };

  const isOidcToken = (token: string): boolean => {
    if (token.split(".").length !== 3) return false;
    try {
      return decodeJwt(token).iss === issuer;
    } catch {
      return false;
    }
  };

  const verifyOidc = async (request: RepoAccessRequest): Promise<RepoAccess> => {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(request.token);
    } catch {
      return denied;
    }
    if (header.alg !== "RS256" || typeof header.kid !== "string") return denied;
    const hadCache = jwks !== undefined;
    let keys = await loadJwks(false);
    if (!keys.keys.some((key) => key.kid === header.kid) && hadCache) keys = await loadJwks(true);
    const ownerAudience = `https://github.com/${request.owner}`.toLowerCase();
    try {
      const { payload } = await jwtVerify(request.token, createLocalJWKSet(keys), {
        issuer,
        algorithms: ["RS256"],
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ["exp"],
      });
      const tokenAudiences = typeof payload.aud === "string" ? [payload.aud] : (payload.aud ?? []);
      const audienceOk = tokenAudiences.some(
        (audience) => audiences.includes(audience) || audience.toLowerCase() === ownerAudience,
      );
      const repository = typeof payload["repository"] === "string" ? payload["repository"] : "";
      if (!audienceOk || repository.toLowerCase() !== `${request.owner}/${request.repo}`.toLowerCase())
        return denied;
      const ref = typeof payload["ref"] === "string" ? payload["ref"] : "";
      return ref.startsWith("refs/heads/")
        ? { granted: true, proof: "oidc", branch: ref.slice("refs/heads/".length) }
        : { granted: true, proof: "oidc" };
    } catch {
      return denied;
    }
  };

  const github = async (path: string, token: string) => {
    let response: Response;
    try {
      response = await doFetch(`${apiUrl}${path}`, {
        headers: {
          accept: "application/vnd.github+json",
          authorization: `Bearer ${token}`,
          "user-agent": userAgent,
          "x-github-api-version": "2022-11-28",
        },
      });
    } catch (error) {
      throw upstream(
        `GitHub API request failed: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
    if (response.status === 401 || response.status === 403 || response.status === 404) return undefined;
    if (!response.ok) throw upstream(`GitHub authorization check failed (${response.status}).`);
    return (await response.json()) as Record<string, unknown>;
  };

  /** Installation tokens (a workflow's GITHUB_TOKEN) carry no `permissions`; their repository list decides. */
  const installationCovers = async (token: string, fullName: string): Promise<boolean> => {
    for (let page = 1; page <= 100; page += 1) {
      const body = await github(`/installation/repositories?per_page=100&page=${page}`, token);
      const repositories = Array.isArray(body?.["repositories"])
        ? (body["repositories"] as Array<{ full_name?: unknown }>)
        : [];
      if (repositories.some((repository) => String(repository.full_name).toLowerCase() === fullName))
        return true;
      if (repositories.length < 100) return false;
    }
    return false;
  };

  const verifyGitHubToken = async (request: RepoAccessRequest): Promise<RepoAccess> => {
    const path = `/repos/${encodeURIComponent(request.owner)}/${encodeURIComponent(request.repo)}`;
    const repository = await github(path, request.token);
    if (repository === undefined) return denied;
    if (request.access === "read") return { granted: true, proof: "github-token" };
    const permissions = repository["permissions"] as Record<string, unknown> | undefined;
    if (permissions !== undefined) {
      const canWrite =
        permissions["push"] === true || permissions["maintain"] === true || permissions["admin"] === true;
      return canWrite ? { granted: true, proof: "github-token" } : denied;
    }
    const fullName = `${request.owner}/${request.repo}`.toLowerCase();
    return (await installationCovers(request.token, fullName))
      ? { granted: true, proof: "github-token" }
      : denied;
  };

  return {
    verify: (request) =>
      Effect.tryPromise({
        try: async () => {
          if (
            options.deployToken !== undefined &&
            options.deployToken !== "" &&
            constantTimeEqual(request.token, options.deployToken)
          ) {
            return { granted: true, proof: "deploy-token" } satisfies RepoAccess;
          }
          return isOidcToken(request.token) ? verifyOidc(request) : verifyGitHubToken(request);
        },
        catch: (error) =>
          error instanceof UpstreamError
            ? error
            : upstream(error instanceof Error ? error.message : String(error), error),
      }),
  };
};

/** RepoAuth as a Layer. */
export const repoAuthLayer = (options: RepoAuthOptions = {}): Layer.Layer<RepoAuth> =>
  Layer.succeed(RepoAuth, makeRepoAuth(options));
