/**
 * The GitHub REST calls of the usage-warning issue (J.4): list a repository's issues page by page following
 * `Link: rel="next"`, create one, update one. Headers as the official action sends them.
 */
import { requestJson } from "./http.js";
import { type ApiAnswer, asArray } from "./responses.js";

/** An issue as GitHub lists it (the fields the upsert reads). */
export interface GitHubIssue {
  readonly number: number;
  readonly title?: string;
  readonly body?: string | null;
  readonly state?: string;
  readonly html_url?: string;
  readonly pull_request?: unknown;
}

export interface GitHubClientOptions {
  /** `GITHUB_API_URL`, default `https://api.github.com`. */
  readonly apiUrl?: string | undefined;
  readonly token: string;
}

/** The URL of the `rel="next"` relation of a `Link` header, if any. */
export const nextPageUrl = (link: string | null | undefined): string | undefined => {
  for (const part of (link ?? "").split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (match !== null && match[2]!.split(/\s+/).includes("next")) return match[1];
  }
  return undefined;
};

const MAX_PAGES = 50;

export const makeGitHubClient = (options: GitHubClientOptions) => {
  const base = (options.apiUrl || "https://api.github.com").replace(/\/+$/, "");
  const headers = {
    accept: "application/vnd.github+json",
    authorization: `Bearer ${options.token}`,
    "content-type": "application/json",
    "x-github-api-version": "2022-11-28",
    "user-agent": "w7s-cloud-action",
  };
  const repoPath = (repository: { owner: string; repo: string }) =>
    `${base}/repos/${encodeURIComponent(repository.owner)}/${encodeURIComponent(repository.repo)}`;

  return {
    /**
     * Every issue of the repository (`state=all`, 100 per page), following `rel="next"` until the first
     * issue `stop` accepts. Pull requests are skipped. Fails with the answer of a page that was not 2xx.
     */
    findIssue: async (
      repository: { owner: string; repo: string },
      stop: (issue: GitHubIssue) => boolean,
    ): Promise<{ found?: GitHubIssue; failed?: ApiAnswer<unknown> }> => {
      let url: string | undefined = `${repoPath(repository)}/issues?state=all&per_page=100&page=1`;
      for (let page = 0; url !== undefined && page < MAX_PAGES; page += 1) {
        const answer: ApiAnswer<unknown> = await requestJson<unknown>(url, { headers });
        if (answer.status < 200 || answer.status >= 300) return { failed: answer };
        const found = asArray<GitHubIssue>(answer.body).find(
          (issue) => issue.pull_request === undefined && stop(issue),
        );
        if (found !== undefined) return { found };
        url = nextPageUrl(answer.headers?.get("link"));
      }
      return {};
    },
    createIssue: (repository: { owner: string; repo: string }, issue: { title: string; body: string }) =>
      requestJson<GitHubIssue>(`${repoPath(repository)}/issues`, {
        method: "POST",
        headers,
        body: JSON.stringify(issue),
      }),
    updateIssue: (
      repository: { owner: string; repo: string },
      number: number,
      patch: { title: string; body: string; state?: "open" },
    ) =>
      requestJson<GitHubIssue>(`${repoPath(repository)}/issues/${number}`, {
        method: "PATCH",
        headers,
        body: JSON.stringify(patch),
      }),
  };
};

export type GitHubClient = ReturnType<typeof makeGitHubClient>;
