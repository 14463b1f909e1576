/** Slug normalization for owners, repos and applications, and the script-part form used in keys and hosts (A.1). */
import { Result } from "effect";
import { InvalidSlug } from "./errors.js";

/** Every user-facing field name that `requireSlug` may report in `Invalid <field>.`. */
export const SLUG_FIELDS = [
  "repository owner",
  "repository name",
  "application name",
  "usage owner",
  "usage repo",
  "limits owner",
  "limits repo",
  "logs owner",
  "logs repo",
  "analytics owner",
  "analytics repo",
  "agent owner",
  "agent repo",
  "RPC target owner",
  "RPC target repo",
  "queue target owner",
  "queue target repo",
  "queue name",
  "workflow target owner",
  "workflow target repo",
  "workflow name",
  "workflow instance id",
  "event publisher owner",
  "event publisher repo",
] as const;

export type SlugField = (typeof SLUG_FIELDS)[number];

/** A valid slug: 1 to 100 characters, starting with a letter or digit. */
export const SLUG_PATTERN: RegExp = /^[a-z0-9](?:[a-z0-9._-]{0,99})$/i;

/**
 * Lowercases, turns every run of characters outside `[a-z0-9._-]` into one `-`, collapses `-` runs and
 * drops leading non-alphanumerics. Trailing `-`, `.` and `_` are kept on purpose (A.1).
 */
export const normalizeSlug = (value: string): string =>
  value
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[^a-z0-9]+/, "");

/** `normalizeSlug`, then rejects an empty or over-long result with `Invalid <field>.` at `path = field`. */
export const requireSlug = (value: string, field: SlugField): Result.Result<string, InvalidSlug> => {
  const slug = normalizeSlug(value);
  return slug.length > 0 && SLUG_PATTERN.test(slug)
    ? Result.succeed(slug)
    : Result.fail(new InvalidSlug({ path: field, message: `Invalid ${field}.` }));
};

/**
 * The form of a name used inside KV keys, script names and host labels: `normalizeSlug` with `.`/`_` runs
 * turned into `-`, or `worker` when nothing is left. Hyphens are deliberately not re-collapsed
 * (`a.-b` -> `a--b`), so the function is not idempotent on such inputs.
 */
export const sanitizeScriptPart = (value: string): string =>
  normalizeSlug(value).replace(/[._]+/g, "-") || "worker";
