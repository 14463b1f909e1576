/** Names attached to a published backend script: the script name, its tags and the Durable Object migration tag (B.8). */
import { hash7 } from "./hash.js";
import { sanitizeScriptPart } from "./slug.js";

const COMMIT_SHA_LENGTH = 40;
const MAX_TAG_PART_LENGTH = 48;

/** The commit part of per-commit names: the first 40 characters of the SHA, as a script part. */
export const commitPart = (commitSha: string): string =>
  sanitizeScriptPart(commitSha.slice(0, COMMIT_SHA_LENGTH));

/**
 * `<org>--<repo>--<env>--<sha>`, or the stable `<org>--<repo>--<env>` when state must survive redeploys
 * (the manifest declares a Durable Object).
 */
export const scriptName = (input: {
  readonly owner: string;
  readonly repo: string;
  readonly environment: string;
  readonly commitSha: string;
  readonly stable: boolean;
}): string => {
  const stableName = [input.owner, input.repo, input.environment].map(sanitizeScriptPart).join("--");
  return input.stable ? stableName : `${stableName}--${commitPart(input.commitSha)}`;
};

const tagPart = (value: string): string =>
  sanitizeScriptPart(value)
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, MAX_TAG_PART_LENGTH) || "unknown";

/** The five script tags: `w7s`, `w7s-env-…`, `w7s-owner-…`, `w7s-repo-…`, `w7s-app-<owner-repo>`. */
export const scriptTags = (input: {
  readonly owner: string;
  readonly repo: string;
  readonly environment: string;
}): readonly string[] => [
  "w7s",
  `w7s-env-${tagPart(input.environment)}`,
  `w7s-owner-${tagPart(input.owner)}`,
  `w7s-repo-${tagPart(input.repo)}`,
  `w7s-app-${tagPart(`${input.owner}-${input.repo}`)}`,
];

/** The Durable Object class names a migration covers: unique and sorted. */
export const durableObjectClasses = (classNames: readonly string[]): readonly string[] =>
  [...new Set(classNames)].sort();

/** `w7s-do-<hash7(unique sorted classes joined by \0)>`; equal tags mean no migration is needed. */
export const durableObjectMigrationTag = (classNames: readonly string[]): string =>
  `w7s-do-${hash7(durableObjectClasses(classNames).join("\0"))}`;
