/** What git says about a working copy: the GitHub owner/repo of its remote, the branch and the commit. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { normalizeSlug } from "@w7s/env-naming";

const git = (cwd: string, args: readonly string[]): string | undefined => {
  try {
    return (
      execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
};

/** `git@github.com:acme/web.git`, `https://github.com/acme/web(.git)`, `ssh://git@host/acme/web` -> acme/web. */
export const repositoryFromRemote = (remote: string): { owner: string; repo: string } | undefined => {
  const match = /[:/]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(remote.trim());
  return match === null ? undefined : { owner: match[1]!, repo: match[2]! };
};

export interface GitFacts {
  readonly owner?: string | undefined;
  readonly repo?: string | undefined;
  readonly branch?: string | undefined;
  readonly sha?: string | undefined;
}

/** The remote `origin` (or the first remote), the current branch and HEAD; each missing when git cannot say. */
export const gitFacts = (cwd: string): GitFacts => {
  const remoteName = git(cwd, ["remote"])?.split("\n").includes("origin")
    ? "origin"
    : git(cwd, ["remote"])?.split("\n")[0];
  const remote = remoteName === undefined ? undefined : git(cwd, ["remote", "get-url", remoteName]);
  const repository = remote === undefined ? undefined : repositoryFromRemote(remote);
  // `branch --show-current` also names the branch of a repository without commits yet.
  const branch = git(cwd, ["branch", "--show-current"]) ?? git(cwd, ["rev-parse", "--abbrev-ref", "HEAD"]);
  return {
    owner: repository?.owner,
    repo: repository?.repo,
    branch: branch === "HEAD" ? undefined : branch,
    sha: git(cwd, ["rev-parse", "HEAD"]),
  };
};

/** The repo slug a local app goes by when git has no remote: package.json `name` (unscoped), else the folder. */
export const localRepoName = (root: string): string => {
  try {
    const name = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name?: unknown }).name;
    if (typeof name === "string" && name.trim() !== "") return normalizeSlug(name.replace(/^@[^/]+\//, ""));
  } catch {}
  return normalizeSlug(basename(root));
};
