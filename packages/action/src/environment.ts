/**
 * Which environment the usage and logs checks ask about (J.4): the deploy's own environment when there was
 * one, else an explicit value, else the branch. Explicit values and branches are normalized with the
 * platform's rule (@w7s/env-naming), so `MAIN` and `feature//x` name the environment the server deployed
 * to; the official action's own sanitizer differed (L.9 item 37).
 */
import { branchToEnvironment, normalizeEnvironmentSlug, PRODUCTION } from "@w7s/env-naming";

export const resolveCheckEnvironment = (input: {
  readonly deployed?: string | undefined;
  readonly explicit?: string | undefined;
  readonly branch?: string | undefined;
}): string => {
  if (input.deployed !== undefined && input.deployed.trim() !== "") return input.deployed.trim();
  const explicit = (input.explicit ?? "").trim();
  if (explicit !== "") return normalizeEnvironmentSlug(explicit) || PRODUCTION;
  return branchToEnvironment(input.branch ?? "");
};

/** The UTC date (`YYYY-MM-DD`) of an ISO time, or of now when it is missing or unreadable. */
export const utcDate = (iso: string | undefined, now: Date = new Date()): string => {
  const date = iso === undefined ? now : new Date(iso);
  return (Number.isNaN(date.getTime()) ? now : date).toISOString().slice(0, 10);
};
