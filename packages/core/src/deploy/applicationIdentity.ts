/** Which application of a repository a deploy addresses, and the app-scoped repo slug that names it (B.6, B.2 row 9). */
import { applicationScopedRepoSlug, requireSlug } from "@w7s/env-naming";
import { Result } from "effect";
import { BadRequest } from "../errors/httpErrors.js";

/** The three sources of an application name. */
export interface ApplicationIdentityInput {
  /** `name` from `w7s.json` as the manifest normalized it (trimmed, lowercase); absent or empty = none. */
  readonly manifestName: string | null | undefined;
  /** The `x-w7s-application` header; absent or blank = none. */
  readonly applicationHeader: string | null | undefined;
  /** The source repo slug from `x-github-repository`. */
  readonly repoSlug: string;
}

/** The application a deploy publishes and the slug every key, URL and allow list uses for it. */
export interface ApplicationIdentity {
  readonly application: string;
  /** The app-scoped repo slug (`inbox-app-console-06ke78m`), or the source slug for the repo's own app. */
  readonly repoSlug: string;
  readonly sourceRepoSlug: string;
}

/** The exact row-9 texts. */
export const applicationIdentityMessages = {
  invalidApplication: "Invalid application name.",
  headerMismatch: "x-w7s-application must match name in w7s.json.",
} as const;

/**
 * `application = manifest name || slug of x-w7s-application || repo slug`, scoped with
 * `applicationScopedRepoSlug`. A header that normalizes to no valid slug is 400 `Invalid application name.`;
 * a header that disagrees with the manifest name is 400 `x-w7s-application must match name in w7s.json.`.
 */
export const resolveApplicationIdentity = (
  input: ApplicationIdentityInput,
): Result.Result<ApplicationIdentity, BadRequest> => {
  const header = input.applicationHeader?.trim() ?? "";
  const manifestName = input.manifestName ?? "";
  let headerApplication = "";
  if (header !== "") {
    const slug = requireSlug(header, "application name");
    if (Result.isFailure(slug)) {
      return Result.fail(new BadRequest({ message: applicationIdentityMessages.invalidApplication }));
    }
    headerApplication = slug.success;
  }
  if (headerApplication !== "" && manifestName !== "" && headerApplication !== manifestName) {
    return Result.fail(new BadRequest({ message: applicationIdentityMessages.headerMismatch }));
  }
  const application = manifestName || headerApplication || input.repoSlug;
  return Result.succeed({
    application,
    repoSlug: applicationScopedRepoSlug(input.repoSlug, application),
    sourceRepoSlug: input.repoSlug,
  });
};
