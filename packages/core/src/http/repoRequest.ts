/**
 * The request shape the repository-scoped APIs share (`/api/v1/<area>/<owner>/<repo>[/...]`): the path's
 * owner and repo, `?environment=` (or `x-w7s-environment`), `?application=` (B.6), and the bearer token
 * checked against the repository with RepoAuth (B.3, DECISIONS 3), in that order.
 */
import { applicationScopedRepoSlug, normalizeSlug, requireSlug, resolveEnvironment } from "@w7s/env-naming";
import { Effect, Result } from "effect";
import { parseBearerToken, preflightMessages } from "../deploy/preflight.js";
import { BadGateway, BadRequest, type HttpError, Unauthorized } from "../errors/httpErrors.js";
import { type RepoAccess, type RepoAccessLevel, RepoAuth } from "../ports/RepoAuth.js";
import type { AppRef } from "../ports/records/AppRef.js";

/** A parsed repository request, before authorization. */
export interface RepoTarget {
  /** The path segments as sent (decoded), e.g. for links. */
  readonly owner: string;
  readonly repo: string;
  readonly orgSlug: string;
  /** The app-scoped repo slug (`?application=`). */
  readonly repoSlug: string;
  readonly environment: string;
  /** Path segments after `<owner>/<repo>`. */
  readonly tail: readonly string[];
  readonly app: AppRef;
}

export const repoRequestMessages = {
  notAuthorized: "Bearer token is not authorized for this GitHub repository.",
  authorityUnavailable: (detail: string) => `Could not verify repository access with GitHub: ${detail}`,
} as const;

const decodeSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
};

/**
 * Parses `<prefix>/<owner>/<repo>[/tail]`; `routeError` is the area's 400 text for a path of another shape.
 * `branch` is what an absent environment override resolves from (`main`, so production).
 */
export const parseRepoTarget = (
  request: Request,
  prefix: readonly string[],
  routeError: string,
): Result.Result<RepoTarget, BadRequest> => {
  const url = new URL(request.url);
  const segments = url.pathname.split("/").filter((segment) => segment !== "");
  const startsWithPrefix = prefix.every((part, index) => segments[index] === part);
  const owner = decodeSegment(segments[prefix.length] ?? "");
  const repo = decodeSegment(segments[prefix.length + 1] ?? "");
  if (!startsWithPrefix || owner === undefined || repo === undefined || owner === "" || repo === "") {
    return Result.fail(new BadRequest({ message: routeError }));
  }
  const orgSlug = requireSlug(owner, "repository owner");
  if (Result.isFailure(orgSlug))
    return Result.fail(new BadRequest({ message: preflightMessages.invalidOwner }));
  const sourceRepoSlug = requireSlug(repo, "repository name");
  if (Result.isFailure(sourceRepoSlug))
    return Result.fail(new BadRequest({ message: preflightMessages.invalidRepo }));
  const environment = resolveEnvironment({
    branch: "main",
    queryValue: url.searchParams.get("environment"),
    headerValue: request.headers.get("x-w7s-environment"),
  });
  if (Result.isFailure(environment))
    return Result.fail(new BadRequest({ message: preflightMessages.invalidEnvironment }));
  const application = normalizeSlug(url.searchParams.get("application") ?? "");
  const repoSlug = applicationScopedRepoSlug(sourceRepoSlug.success, application);
  return Result.succeed({
    owner,
    repo,
    orgSlug: orgSlug.success,
    repoSlug,
    environment: environment.success,
    tail: segments.slice(prefix.length + 2),
    app: { environment: environment.success, orgSlug: orgSlug.success, repoSlug },
  });
};

/** 401 without a bearer token or when it does not prove `access` to owner/repo; 502 when GitHub cannot answer. */
export const authorizeRepoRequest = (
  request: Request,
  target: { readonly owner: string; readonly repo: string },
  access: RepoAccessLevel,
): Effect.Effect<Extract<RepoAccess, { granted: true }>, HttpError, RepoAuth> =>
  Effect.gen(function* () {
    const token = parseBearerToken(request.headers.get("authorization"));
    if (token === null)
      return yield* Effect.fail(new Unauthorized({ message: preflightMessages.missingToken }));
    const auth = yield* RepoAuth;
    const answer = yield* auth.verify({ token, owner: target.owner, repo: target.repo, access }).pipe(
      Effect.mapError(
        (error) =>
          new BadGateway({
            message: repoRequestMessages.authorityUnavailable(error.description ?? error.reason),
          }),
      ),
    );
    if (!answer.granted)
      return yield* Effect.fail(new Unauthorized({ message: repoRequestMessages.notAuthorized }));
    return answer;
  });
