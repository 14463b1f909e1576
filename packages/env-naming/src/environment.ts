/** Environment names: their slug form, the branch rule and the explicit override (A.1 - A.3). */
import { Result } from "effect";
import { InvalidEnvironment } from "./errors.js";
import { sanitizeScriptPart } from "./slug.js";

/** The environment that `main`, `master` and unnameable branches deploy to. */
export const PRODUCTION = "production" as const;

/** A valid environment: 1 to 63 of `[a-z0-9-]`, starting with a letter or digit. */
export const ENVIRONMENT_PATTERN: RegExp = /^[a-z0-9](?:[a-z0-9-]{0,62})$/;

const MAX_ENVIRONMENT_LENGTH = 63;

/**
 * Lowercases, turns runs outside `[a-z0-9-]` into `-`, collapses `-` runs, trims `-` at both ends and keeps
 * at most 63 characters. The result never contains `--`, which keeps `<env>--<owner>` hosts unambiguous.
 */
export const normalizeEnvironmentSlug = (value: string): string =>
  value
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_ENVIRONMENT_LENGTH)
    .replace(/-+$/, "");

const invalidEnvironment = (): InvalidEnvironment =>
  new InvalidEnvironment({ path: "environment", message: "Invalid environment." });

/** `normalizeEnvironmentSlug`, then rejects an empty result with `Invalid environment.`. */
export const requireEnvironmentSlug = (value: string): Result.Result<string, InvalidEnvironment> => {
  const environment = normalizeEnvironmentSlug(value);
  return ENVIRONMENT_PATTERN.test(environment)
    ? Result.succeed(environment)
    : Result.fail(invalidEnvironment());
};

/** The environment a branch deploys to: its slug, or `production` for `main`, `master` and empty slugs. */
export const branchToEnvironment = (branch: string): string => {
  const environment = normalizeEnvironmentSlug(branch);
  return environment === "" || environment === "main" || environment === "master" ? PRODUCTION : environment;
};

/** The inputs of `resolveEnvironment`; `null`/`undefined` mean "not given". */
export interface EnvironmentRequest {
  readonly branch: string;
  /** The `?environment=` query value; present-but-empty disables the header. */
  readonly queryValue?: string | null | undefined;
  /** The `x-w7s-environment` header value. */
  readonly headerValue?: string | null | undefined;
}

/**
 * The environment of a request (A.3): the query value wins whenever present (even empty), then the header;
 * a non-empty override must be a valid environment slug (`Main` -> `main`, not `production`), and no
 * override means the branch rule.
 */
export const resolveEnvironment = (input: EnvironmentRequest): Result.Result<string, InvalidEnvironment> => {
  const override = (input.queryValue ?? input.headerValue ?? "").trim();
  return override === ""
    ? Result.succeed(branchToEnvironment(input.branch))
    : requireEnvironmentSlug(override);
};

/**
 * The label prefix of branch custom domains (H.2): computed from the raw branch, so it can differ from the
 * environment (`Main/` -> `main-`, unnameable branches -> `worker`) and is never truncated.
 */
export const customDomainBranchPrefix = (branch: string): string => sanitizeScriptPart(branch);
