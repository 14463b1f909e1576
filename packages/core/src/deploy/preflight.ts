/** The checks a deploy request passes before its token is verified or its body read (B.1, B.2 rows 1-6, DECISIONS 2). */
import { requireSlug, resolveEnvironment } from "@w7s/env-naming";
import { Result } from "effect";
import { BadRequest, Unauthorized, UnsupportedMediaType } from "../errors/httpErrors.js";

/** Anything with a `get` like `Headers` or `URLSearchParams`: `null` when the name is absent. */
export interface ValueLookup {
  readonly get: (name: string) => string | null;
}

/** The parts of a deploy request the preflight reads. */
export interface DeployRequestInput {
  readonly headers: ValueLookup;
  readonly query: ValueLookup;
}

/** A deploy request that passed rows 1-6 of B.2. Optional headers are `null` when missing or blank. */
export interface DeployRequest {
  /** The bearer token, still to be verified (row 7). */
  readonly token: string;
  /** `x-github-repository` trimmed, in its original case: `owner/repo`. */
  readonly repository: string;
  /** The owner and repo parts of `repository`, as sent (what GitHub authorization is asked about). */
  readonly owner: string;
  readonly repo: string;
  readonly ownerSlug: string;
  /** The source repo slug, before any application scoping (B.6). */
  readonly repoSlug: string;
  readonly sha: string;
  /** The raw branch (trimmed); custom-domain prefixes are derived from it. */
  readonly branch: string;
  readonly environment: string;
  readonly applicationHeader: string | null;
  readonly telegram: {
    readonly chatId: string | null;
    readonly userId: string | null;
    readonly events: string | null;
  };
}

/** Every way the preflight can refuse a request, each with its B.2 status. */
export type DeployPreflightError = Unauthorized | UnsupportedMediaType | BadRequest;

/** The exact texts of B.2 rows 1-6 (row 5 per DECISIONS 2: 400, not 500). */
export const preflightMessages = {
  missingToken: "Missing bearer token.",
  notZip: "Deploy body must be an application/zip archive.",
  missingHeader: (name: RequiredDeployHeader) => `Missing ${name} header.`,
  repositoryForm: "x-github-repository must be in owner/repo form.",
  invalidOwner: "Invalid repository owner.",
  invalidRepo: "Invalid repository name.",
  invalidEnvironment: "Invalid environment.",
} as const;

/** The headers a deploy must send, in the order their absence is reported. */
export const REQUIRED_DEPLOY_HEADERS = ["x-github-repository", "x-github-sha", "x-github-branch"] as const;

export type RequiredDeployHeader = (typeof REQUIRED_DEPLOY_HEADERS)[number];

const ZIP_CONTENT_TYPES = ["application/zip", "application/octet-stream"] as const;

const REPOSITORY_FORM = /^([^/\s]+)\/([^/\s]+)$/;

const missingHeader = (name: RequiredDeployHeader): Result.Result<never, BadRequest> =>
  Result.fail(new BadRequest({ message: preflightMessages.missingHeader(name) }));

/** A header's value trimmed, with missing and blank both `null`. */
const headerValue = (headers: ValueLookup, name: string): string | null => headers.get(name)?.trim() || null;

/**
 * The token of an `Authorization: Bearer <token>` value: the scheme in any case, separated by spaces or tabs,
 * the token trimmed. `null` for a missing value, another scheme or an empty token.
 */
export const parseBearerToken = (authorization: string | null | undefined): string | null => {
  const match = /^bearer[ \t]+(.+)$/i.exec((authorization ?? "").trim());
  return match?.[1]?.trim() || null;
};

/** True when the content type names a zip body (case-insensitive substring, as the reference checks). */
export const isZipContentType = (contentType: string | null | undefined): boolean => {
  const lower = (contentType ?? "").toLowerCase();
  return ZIP_CONTENT_TYPES.some((type) => lower.includes(type));
};

/**
 * B.2 rows 1-6 in order, the first failure winning: bearer token (401), zip content type (415), the three
 * GitHub headers (400), `owner/repo` form (400), owner then repo slug (400), environment (400: the query
 * `environment` beats `x-w7s-environment`, and an empty query value disables the header, A.3).
 */
export const deployRequestPreflight = (
  input: DeployRequestInput,
): Result.Result<DeployRequest, DeployPreflightError> => {
  const { headers, query } = input;
  const token = parseBearerToken(headers.get("authorization"));
  if (token === null) return Result.fail(new Unauthorized({ message: preflightMessages.missingToken }));
  if (!isZipContentType(headers.get("content-type"))) {
    return Result.fail(new UnsupportedMediaType({ message: preflightMessages.notZip }));
  }
  const repository = headerValue(headers, "x-github-repository");
  if (repository === null) return missingHeader("x-github-repository");
  const sha = headerValue(headers, "x-github-sha");
  if (sha === null) return missingHeader("x-github-sha");
  const branch = headerValue(headers, "x-github-branch");
  if (branch === null) return missingHeader("x-github-branch");
  const [, owner, repo] = REPOSITORY_FORM.exec(repository) ?? [];
  if (owner === undefined || repo === undefined) {
    return Result.fail(new BadRequest({ message: preflightMessages.repositoryForm }));
  }
  const ownerSlug = requireSlug(owner, "repository owner");
  if (Result.isFailure(ownerSlug))
    return Result.fail(new BadRequest({ message: preflightMessages.invalidOwner }));
  const repoSlug = requireSlug(repo, "repository name");
  if (Result.isFailure(repoSlug))
    return Result.fail(new BadRequest({ message: preflightMessages.invalidRepo }));
  const environment = resolveEnvironment({
    branch,
    queryValue: query.get("environment"),
    headerValue: headerValue(headers, "x-w7s-environment"),
  });
  if (Result.isFailure(environment)) {
    return Result.fail(new BadRequest({ message: preflightMessages.invalidEnvironment }));
  }
  return Result.succeed({
    token,
    repository,
    owner,
    repo,
    ownerSlug: ownerSlug.success,
    repoSlug: repoSlug.success,
    sha,
    branch,
    environment: environment.success,
    applicationHeader: headerValue(headers, "x-w7s-application"),
    telegram: {
      chatId: headerValue(headers, "x-w7s-telegram-chat-id"),
      userId: headerValue(headers, "x-w7s-telegram-user-id"),
      events: headerValue(headers, "x-w7s-telegram-events"),
    },
  });
};
