/**
 * RepoAuth (B.3, DECISIONS 3): the operator's deploy token, a GitHub Actions OIDC token, or a GitHub
 * token that shows write access through the GitHub API, checked in that order. Uses only `fetch` and
 * WebCrypto (through jose), no `node:*` module, so other runtimes can reuse it.
 */
import { type RepoAccess, RepoAuth } from "@w7s/core";
import { Effect, Layer } from "effect";
import { constantTimeEqual } from "./constantTime.js";
import { makeGitHubTokenCheck } from "./githubToken.js";
import type { RepoAuthFetch } from "./http.js";
import { isIssuedBy, makeOidcVerifier } from "./oidc.js";

export const DEFAULT_GITHUB_API_URL = "https://api.github.com";
export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";
/** The audiences of B.3; `https://github.com/<owner>` is accepted in addition, always. */
export const DEFAULT_OIDC_AUDIENCES: readonly string[] = ["w7s.cloud", "https://w7s.cloud"];
export const DEFAULT_USER_AGENT = "w7s-io-deploy";
export const DEFAULT_AUTH_TIMEOUT_MS = 10_000;

export interface RepoAuthOptions {
  /** GitHub REST API base URL: GitHub Enterprise (`https://ghe.example.com/api/v3`) or a stand-in. */
  readonly githubApiUrl?: string;
  /**
   * An operator's shared deploy token, for air-gapped installs that cannot reach GitHub: whoever holds
   * it may deploy and read every repository. Unset or empty disables it.
   */
  readonly deployToken?: string | undefined;
  readonly oidc?: {
    /** Default `https://token.actions.githubusercontent.com` (GitHub Enterprise Server has its own). */
    readonly issuer?: string;
    /**
     * Accepted `aud` values (default `w7s.cloud`, `https://w7s.cloud`); replaces the default list, so
     * add the defaults yourself to keep them next to your own (e.g. your base domain).
     * `https://github.com/<owner>` is always accepted.
     */
    readonly audiences?: readonly string[];
    /** Default `<issuer>/.well-known/jwks`. */
    readonly jwksUrl?: string;
  };
  /** Sent to GitHub as `user-agent` (default `w7s-io-deploy`, as B.3). */
  readonly userAgent?: string;
  /** Deadline of each call to GitHub or the JWKS (default 10 s); past it the check is an `UpstreamError`. */
  readonly timeoutMs?: number;
  /** Replaces the global `fetch` (proxies, tests). */
  readonly fetch?: RepoAuthFetch;
}

/** The service itself; `repoAuthLayer` wraps it. Exported for adapters that build their own Layer. */
export const makeRepoAuth = (options: RepoAuthOptions = {}): RepoAuth["Service"] => {
  const issuer = options.oidc?.issuer ?? GITHUB_OIDC_ISSUER;
  const common = {
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    timeoutMs: options.timeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS,
    fetch: options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init)),
  };
  const verifyOidc = makeOidcVerifier({
    ...common,
    issuer,
    jwksUrl: options.oidc?.jwksUrl ?? `${issuer.replace(/\/+$/, "")}/.well-known/jwks`,
    audiences: options.oidc?.audiences ?? DEFAULT_OIDC_AUDIENCES,
  });
  const verifyGitHubToken = makeGitHubTokenCheck({
    ...common,
    apiUrl: options.githubApiUrl ?? DEFAULT_GITHUB_API_URL,
  });
  const deployToken = options.deployToken === "" ? undefined : options.deployToken;

  return {
    verify: (request) =>
      Effect.gen(function* () {
        if (deployToken !== undefined) {
          const matches = yield* Effect.promise(() => constantTimeEqual(request.token, deployToken));
          if (matches) return { granted: true, proof: "deploy-token" } satisfies RepoAccess;
        }
        return yield* isIssuedBy(request.token, issuer) ? verifyOidc(request) : verifyGitHubToken(request);
      }),
  };
};

/** RepoAuth as a Layer. */
export const repoAuthLayer = (options: RepoAuthOptions = {}): Layer.Layer<RepoAuth> =>
  Layer.succeed(RepoAuth, makeRepoAuth(options));
