import { describe, expect, it } from "vitest";
import { type RepoPathCandidate, repoPathCandidates } from "./repoPath.js";

const repoPrefix = (repoSlug: string, repoPath: string): RepoPathCandidate => ({
  repoSlug,
  repoPath,
  mount: "repo-prefix",
});
const orgRoot = (repoPath: string): RepoPathCandidate => ({ repoSlug: "acme", repoPath, mount: "org-root" });

describe("A.6 owner root repo rule and path candidates (owner acme)", () => {
  it.each([
    ["/", [orgRoot("/")]],
    ["", [orgRoot("/")]],
    ["/demo", [repoPrefix("demo", "/"), orgRoot("/demo")]],
    ["/demo/", [repoPrefix("demo", "/"), orgRoot("/demo/")]],
    ["/demo/a/b", [repoPrefix("demo", "/a/b"), orgRoot("/demo/a/b")]],
    ["/demo/a/b/", [repoPrefix("demo", "/a/b/"), orgRoot("/demo/a/b/")]],
    ["/Demo//assets/app.js", [repoPrefix("demo", "/assets/app.js"), orgRoot("/Demo//assets/app.js")]],
    ["/acme", [repoPrefix("acme", "/")]],
    ["/acme/x", [repoPrefix("acme", "/x")]],
    ["/ACME/x/", [repoPrefix("acme", "/x/")]],
    ["/---/x", [orgRoot("/---/x")]],
  ])("%j -> %j", (pathname, expected) => {
    expect(repoPathCandidates("acme", pathname)).toStrictEqual(expected);
  });
});
