/**
 * Non-OIDC tokens (B.3 step 2 with DECISIONS 3): the GitHub API must show write access, not merely read.
 *
 * 1. `GET /repos/{owner}/{repo}`. 401/403/404 mean "no". For `read`, any 2xx is enough. For `deploy`,
 *    `permissions.push` (or `maintain`/`admin`) true grants: that is a user token (classic or
 *    fine-grained PAT, OAuth) of someone with write access.
 * 2. Otherwise the answer has no `permissions` (app installation tokens, such as a workflow's
 *    `GITHUB_TOKEN`) or reports it all false, as GitHub does for app tokens on some endpoints. Then
 *    `GET /installation/repositories` decides: only installation tokens may call it (a user token gets
 *    403, so a read-only user stays refused), and the repository must be in its list, read page by page.
 */
import { type RepoAccess, type RepoAccessRequest, UpstreamError } from "@w7s/core";
import { Effect } from "effect";
import { type HttpFailure, httpGet, type RepoAuthFetch, readJson } from "./http.js";

const PAGE_SIZE = 100;
/** 1,000 pages of 100: more repositories than any installation may hold; stops a server that pages forever. */
const MAX_PAGES = 1000;

export interface GitHubApiSettings {
  readonly apiUrl: string;
  readonly userAgent: string;
  readonly timeoutMs: number;
  readonly fetch: RepoAuthFetch;
}

const denied: RepoAccess = { granted: false };
const granted: RepoAccess = { granted: true, proof: "github-token" };

const apiFailure = (reason: UpstreamError["reason"], description: string) =>
  new UpstreamError({ reason, operation: "RepoAuth.verify (GitHub API)", description });

const fromHttpFailure = (failure: HttpFailure) =>
  failure.kind === "timeout"
    ? apiFailure("Timeout", `GitHub authorization check timed out after ${failure.afterMs} ms.`)
    : apiFailure("Unavailable", `GitHub authorization check failed (${failure.message}).`);

/** A refusal, a JSON body with the `Link` header, or an upstream failure. */
type ApiAnswer = { readonly refused: true } | { readonly refused: false; body: unknown; link: string | null };

const isRateLimited = (response: Response) =>
  response.status === 403 && response.headers.get("x-ratelimit-remaining") === "0";

const hasNextPage = (link: string | null) => link !== null && /rel="next"/.test(link);

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;

const showsWriteAccess = (repository: unknown): boolean => {
  const permissions = field(repository, "permissions");
  return (
    field(permissions, "push") === true ||
    field(permissions, "maintain") === true ||
    field(permissions, "admin") === true
  );
};

const namesRepository = (entry: unknown, fullName: string): boolean => {
  const listed = field(entry, "full_name");
  const spelled =
    typeof listed === "string"
      ? listed
      : `${String(field(field(entry, "owner"), "login"))}/${String(field(entry, "name"))}`;
  return spelled.toLowerCase() === fullName;
};

export const makeGitHubTokenCheck = (settings: GitHubApiSettings) => {
  const apiUrl = settings.apiUrl.replace(/\/+$/, "");

  const get = (path: string, token: string): Effect.Effect<ApiAnswer, UpstreamError> =>
    Effect.gen(function* () {
      const response = yield* httpGet(
        settings.fetch,
        `${apiUrl}${path}`,
        {
          accept: "application/vnd.github+json",
          authorization: `Bearer ${token}`,
          "user-agent": settings.userAgent,
          "x-github-api-version": "2022-11-28",
        },
        settings.timeoutMs,
      ).pipe(Effect.mapError(fromHttpFailure));
      if (isRateLimited(response) || !(response.ok || [401, 403, 404].includes(response.status))) {
        return yield* Effect.fail(
          apiFailure("Unavailable", `GitHub authorization check failed (${response.status}).`),
        );
      }
      if (!response.ok) return { refused: true } as const;
      const body = yield* readJson(response);
      if (body === undefined) {
        return yield* Effect.fail(
          apiFailure("BadResponse", "GitHub authorization check failed (response is not JSON)."),
        );
      }
      return { refused: false, body, link: response.headers.get("link") } as const;
    });

  const installationCovers = (token: string, fullName: string) =>
    Effect.gen(function* () {
      let seen = 0;
      for (let page = 1; page <= MAX_PAGES; page += 1) {
        const answer = yield* get(`/installation/repositories?per_page=${PAGE_SIZE}&page=${page}`, token);
        if (answer.refused) return false;
        const repositories = field(answer.body, "repositories");
        if (!Array.isArray(repositories)) {
          return yield* Effect.fail(
            apiFailure("BadResponse", "GitHub authorization check failed (no repository list)."),
          );
        }
        if (repositories.some((entry) => namesRepository(entry, fullName))) return true;
        seen += repositories.length;
        const total = field(answer.body, "total_count");
        const more = hasNextPage(answer.link) || (typeof total === "number" && seen < total);
        if (repositories.length === 0 || !more) return false;
      }
      return false;
    });

  return (request: RepoAccessRequest): Effect.Effect<RepoAccess, UpstreamError> =>
    Effect.gen(function* () {
      const path = `/repos/${encodeURIComponent(request.owner)}/${encodeURIComponent(request.repo)}`;
      const repository = yield* get(path, request.token);
      if (repository.refused) return denied;
      if (request.access === "read" || showsWriteAccess(repository.body)) return granted;
      const fullName = `${request.owner}/${request.repo}`.toLowerCase();
      return (yield* installationCovers(request.token, fullName)) ? granted : denied;
    });
};
