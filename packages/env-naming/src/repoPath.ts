/** Which (repo, path) pairs a request path on an owner host may address, in the order to try them (A.6). */
import { normalizeSlug } from "./slug.js";

/** One way to read a path: a repo mounted at `/<repo>/`, or the owner-root repo mounted at `/`. */
export interface RepoPathCandidate {
  readonly repoSlug: string;
  readonly repoPath: string;
  readonly mount: "repo-prefix" | "org-root";
}

/**
 * The repo-prefix reading of the first segment comes first, so `/<repo>/...` beats the owner-root app; the
 * owner-root reading follows unless the first segment already names the owner-root repo.
 */
export const repoPathCandidates = (owner: string, pathname: string): readonly RepoPathCandidate[] => {
  const segments = pathname
    .split("/")
    .map((segment) => segment.trim())
    .filter((segment) => segment !== "");
  const [first, ...rest] = segments;
  const candidates: RepoPathCandidate[] = [];
  const prefixedRepo = first === undefined ? "" : normalizeSlug(first);
  // A first segment with no slug characters (`/---/`) cannot name a repo, so it only reads as org-root.
  if (prefixedRepo !== "") {
    const repoPath = rest.length === 0 ? "/" : `/${rest.join("/")}${pathname.endsWith("/") ? "/" : ""}`;
    candidates.push({ repoSlug: prefixedRepo, repoPath, mount: "repo-prefix" });
  }
  if (prefixedRepo !== owner) {
    candidates.push({ repoSlug: owner, repoPath: pathname === "" ? "/" : pathname, mount: "org-root" });
  }
  return candidates;
};
