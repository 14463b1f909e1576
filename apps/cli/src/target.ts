/** Which server and which app a command talks to: the deploy URL, `owner/repo`, branch, commit, environment. */
import { DEFAULT_DEPLOY_URL } from "@w7s/action";
import { UsageError } from "./args.js";
import { gitFacts, localRepoName } from "./git.js";

/** `--url` may be a server (`http://127.0.0.1:8787`) or its deploy endpoint; both give the deploy endpoint. */
export const deployEndpoint = (
  url: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string => {
  const value = (url ?? env.W7S_DEPLOY_URL ?? "").trim();
  if (value === "") return DEFAULT_DEPLOY_URL;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`--url ${value} is not a URL.`);
  }
  if (!/\/api\/v1\/deploy\/?$/.test(parsed.pathname))
    parsed.pathname = `${parsed.pathname.replace(/\/+$/, "")}/api/v1/deploy`;
  return parsed.toString();
};

export interface AppTarget {
  readonly repository: string;
  readonly branch: string;
  readonly sha: string;
}

/** `--repository`/`--branch`/`--sha`, else `GITHUB_REPOSITORY`/`GITHUB_REF_NAME`/`GITHUB_SHA`, else git. */
export const appTarget = (
  cwd: string,
  values: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): AppTarget => {
  const facts = gitFacts(cwd);
  const repository =
    values.repository ??
    env.GITHUB_REPOSITORY ??
    (facts.owner !== undefined && facts.repo !== undefined ? `${facts.owner}/${facts.repo}` : undefined);
  if (repository === undefined || !/^[^/\s]+\/[^/\s]+$/.test(repository))
    throw new UsageError(
      `Cannot tell which GitHub repository this is (no git remote): pass --repository owner/${localRepoName(cwd)}.`,
    );
  return {
    repository,
    branch: values.branch ?? env.GITHUB_REF_NAME ?? facts.branch ?? "main",
    sha: values.sha ?? env.GITHUB_SHA ?? facts.sha ?? "local",
  };
};
