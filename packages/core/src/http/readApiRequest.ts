/**
 * What the read APIs (usage, limits, logs, analytics; F.10, G.1, G.3) share: the bearer, the
 * `/api/v1/<api>/<owner>/<repo>` path, the environment and application of the query, the query's numbers
 * and times, and the repository check, which is the deploy check with read access (B.3 on the raw path
 * segments). Each step is a `Result` so every API runs them in its documented order.
 */
import { applicationScopedRepoSlug, requireSlug, resolveEnvironment } from "@w7s/env-naming";
import { Effect, Result } from "effect";
import { parseBearerToken } from "../deploy/preflight.js";
import {
  errorResponse,
  errorResponseFromUnknown,
  type JsonResponse,
  successResponse,
} from "../errors/errorResponse.js";
import { BadGateway, BadRequest, type HttpError, Unauthorized } from "../errors/httpErrors.js";
import { RepoAuth } from "../ports/RepoAuth.js";
import type { AppRef } from "../ports/records/AppRef.js";

/** The read APIs, by the path segment that names them. */
export type ReadApi = "usage" | "limits" | "logs" | "analytics";

const API_TITLES: Readonly<Record<ReadApi, string>> = {
  usage: "Usage",
  limits: "Limits",
  logs: "Logs",
  analytics: "Analytics",
};

/** The exact texts the read APIs share. */
export const readApiMessages = {
  missingToken: "Missing bearer token.",
  route: (api: ReadApi) => `${API_TITLES[api]} route must be /api/v1/${api}/<owner>/<repo>.`,
  invalidEnvironment: "Invalid environment.",
  repositoryForm: "Repository must be in owner/repo form.",
  invalidApplication: "Invalid application name.",
  notAuthorized: "Bearer token is not authorized for this GitHub repository.",
  authorityUnavailable: (detail: string) => `Could not verify repository access with GitHub: ${detail}`,
  integer: (name: string, min: number, max: number) => `${name} must be an integer from ${min} to ${max}.`,
  isoDate: (name: "from" | "to") => `${name} must be a valid ISO date.`,
  fromBeforeTo: "from must be before to.",
} as const;

const badRequest = (message: string) => Result.fail(new BadRequest({ message }));

/** Row 1 of every read API: `Authorization: Bearer <token>`. */
export const readBearer = (request: Request): Result.Result<string, Unauthorized> => {
  const token = parseBearerToken(request.headers.get("authorization"));
  return token === null
    ? Result.fail(new Unauthorized({ message: readApiMessages.missingToken }))
    : Result.succeed(token);
};

/** The raw owner and repo segments of `/api/v1/<api>/<owner>/<repo>` (percent-decoded, nothing else). */
export const readRoute = (
  url: URL,
  api: ReadApi,
): Result.Result<{ readonly owner: string; readonly repo: string }, BadRequest> => {
  const prefix = `/api/v1/${api}/`;
  const segments = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length).split("/") : [];
  const [owner, repo] = segments.map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return "";
    }
  });
  if (segments.length !== 2 || owner === undefined || repo === undefined || owner === "" || repo === "")
    return badRequest(readApiMessages.route(api));
  return Result.succeed({ owner, repo });
};

/** `?environment=` beats `x-w7s-environment` (an empty query value disables the header); default production. */
export const readEnvironment = (url: URL, request: Request): Result.Result<string, BadRequest> => {
  const environment = resolveEnvironment({
    branch: "main",
    queryValue: url.searchParams.get("environment"),
    headerValue: request.headers.get("x-w7s-environment"),
  });
  return Result.isSuccess(environment)
    ? Result.succeed(environment.success)
    : badRequest(readApiMessages.invalidEnvironment);
};

/**
 * The app the request reads: owner and repo as slugs, the repo scoped to `?application=` when it names
 * another application of the repository (B.6). Analytics has no application support (G.3).
 */
export const readApp = (
  route: { readonly owner: string; readonly repo: string },
  environment: string,
  application: string | null,
): Result.Result<AppRef, BadRequest> => {
  const orgSlug = requireSlug(route.owner, "repository owner");
  const repoSlug = requireSlug(route.repo, "repository name");
  if (Result.isFailure(orgSlug) || Result.isFailure(repoSlug))
    return badRequest(readApiMessages.repositoryForm);
  const named = application?.trim() ?? "";
  if (named === "")
    return Result.succeed({ environment, orgSlug: orgSlug.success, repoSlug: repoSlug.success });
  const applicationSlug = requireSlug(named, "application name");
  if (Result.isFailure(applicationSlug)) return badRequest(readApiMessages.invalidApplication);
  return Result.succeed({
    environment,
    orgSlug: orgSlug.success,
    repoSlug: applicationScopedRepoSlug(repoSlug.success, applicationSlug.success),
  });
};

/** An integer query value from `min` to `max`; absent or empty gives `fallback`. */
export const readInteger = (
  url: URL,
  name: string,
  range: { readonly min: number; readonly max: number; readonly fallback: number },
): Result.Result<number, BadRequest> => {
  const raw = url.searchParams.get(name)?.trim() ?? "";
  if (raw === "") return Result.succeed(range.fallback);
  const value = Number(raw);
  return /^[+]?\d+$/.test(raw) && value >= range.min && value <= range.max
    ? Result.succeed(value)
    : badRequest(readApiMessages.integer(name, range.min, range.max));
};

/** The `from`/`to` window: `to` defaults to now, `from` to `to - hours`; `from` must come first. */
export const readWindow = (
  url: URL,
  hours: number,
  nowMs: number,
): Result.Result<{ readonly fromMs: number; readonly toMs: number }, BadRequest> => {
  const parse = (name: "from" | "to"): number | null | undefined => {
    const raw = url.searchParams.get(name)?.trim() ?? "";
    if (raw === "") return undefined;
    const parsed = Date.parse(raw);
    return Number.isFinite(parsed) ? parsed : null;
  };
  const to = parse("to");
  if (to === null) return badRequest(readApiMessages.isoDate("to"));
  const from = parse("from");
  if (from === null) return badRequest(readApiMessages.isoDate("from"));
  const toMs = to ?? nowMs;
  const fromMs = from ?? toMs - hours * 3_600_000;
  return fromMs < toMs ? Result.succeed({ fromMs, toMs }) : badRequest(readApiMessages.fromBeforeTo);
};

/** B.3 with read access, on the raw owner/repo segments; an authority that cannot answer is a 502. */
export const authorizeRead = (token: string, route: { readonly owner: string; readonly repo: string }) =>
  Effect.gen(function* () {
    const auth = yield* RepoAuth;
    const access = yield* auth.verify({ token, owner: route.owner, repo: route.repo, access: "read" }).pipe(
      Effect.mapError(
        (error) =>
          new BadGateway({
            message: readApiMessages.authorityUnavailable(error.description ?? error.reason),
          }),
      ),
    );
    if (!access.granted)
      return yield* Effect.fail(new Unauthorized({ message: readApiMessages.notAuthorized }));
  });

/** Lifts a `Result` step into the API's effect. */
export const step = <A, E>(result: Result.Result<A, E>): Effect.Effect<A, E> =>
  Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure);

const toResponse = (answer: JsonResponse): Response =>
  new Response(answer.body, { status: answer.status, headers: answer.headers });

/** Runs a read API: its data as the success envelope, any `HttpError` as its envelope, a defect as a 500. */
export const answerReadApi = <R>(
  body: Effect.Effect<unknown, HttpError, R>,
): Effect.Effect<Response, never, R> =>
  body.pipe(
    Effect.map((data) => toResponse(successResponse(data))),
    Effect.catch((error: HttpError) => Effect.succeed(toResponse(errorResponse(error)))),
    Effect.catchDefect((defect) => Effect.succeed(toResponse(errorResponseFromUnknown(defect)))),
  );
