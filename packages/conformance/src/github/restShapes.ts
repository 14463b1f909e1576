/**
 * Response bodies shaped like GitHub's REST API (api version 2022-11-28): the repository object, the
 * installation repository list and the error envelope. Only the fields a client could rely on are filled.
 */

/** What a user token may do on one repository (GitHub's `permissions` object). */
export interface RepoPermissions {
  readonly push: boolean;
  readonly pull?: boolean;
  readonly admin?: boolean;
  readonly maintain?: boolean;
  readonly triage?: boolean;
}

const stableId = (text: string): number =>
  Math.abs([...text].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) | 0, 7));

/** `permissions` as GitHub reports it: every level present, higher levels imply the lower ones. */
const permissionsObject = (permissions: RepoPermissions) => {
  const admin = permissions.admin ?? false;
  const maintain = (permissions.maintain ?? false) || admin;
  const push = permissions.push || maintain;
  const triage = (permissions.triage ?? false) || push;
  return { admin, maintain, push, triage, pull: (permissions.pull ?? true) || triage };
};

/** `permissions` only appears when the caller is a user; `"all-false"` imitates app tokens on list endpoints. */
export type PermissionsField = RepoPermissions | "omitted" | "all-false";

export const repositoryBody = (
  fullName: string,
  options: { readonly isPrivate: boolean; readonly permissions: PermissionsField; readonly apiUrl: string },
) => {
  const [owner = "", name = ""] = fullName.split("/");
  const permissions =
    options.permissions === "omitted"
      ? undefined
      : options.permissions === "all-false"
        ? { admin: false, maintain: false, push: false, triage: false, pull: false }
        : permissionsObject(options.permissions);
  return {
    id: stableId(fullName),
    node_id: `R_${stableId(fullName).toString(36)}`,
    name,
    full_name: fullName,
    private: options.isPrivate,
    visibility: options.isPrivate ? "private" : "public",
    owner: {
      login: owner,
      id: stableId(owner),
      type: "Organization",
      url: `${options.apiUrl}/users/${owner}`,
    },
    html_url: `https://github.com/${fullName}`,
    url: `${options.apiUrl}/repos/${fullName}`,
    default_branch: "main",
    archived: false,
    disabled: false,
    ...(permissions === undefined ? {} : { permissions }),
  };
};

const documentation = "https://docs.github.com/rest";

/** GitHub's error envelope: `{ message, documentation_url, status }`. */
export const errorBody = (status: number, message: string) => ({
  message,
  documentation_url: documentation,
  status: String(status),
});

export const errorMessages = {
  badCredentials: "Bad credentials",
  requiresAuthentication: "Requires authentication",
  notFound: "Not Found",
  notAnInstallation:
    "You must authenticate with an installation access token in order to list repositories for an installation.",
  serverError: "Server Error",
  rateLimited: "API rate limit exceeded. Check the documentation for rate limits.",
} as const;

/** A `Link` header with `prev`, `next`, `first`, `last` relations, as GitHub paginates. */
export const paginationLink = (
  pageUrl: (page: number) => string,
  page: number,
  lastPage: number,
): string | undefined => {
  const relations: string[] = [];
  if (page > 1) relations.push(`<${pageUrl(page - 1)}>; rel="prev"`);
  if (page < lastPage)
    relations.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(lastPage)}>; rel="last"`);
  if (page > 1) relations.push(`<${pageUrl(1)}>; rel="first"`);
  return relations.length === 0 ? undefined : relations.join(", ");
};

/** An issue as the stand-in keeps it. */
export interface StoredIssue {
  readonly number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** A pull request: listed by the issues endpoint, as GitHub does, with a `pull_request` key. */
  readonly pullRequest: boolean;
  readonly author: string;
}

/** GitHub's issue object (api version 2022-11-28): the fields a client could rely on. */
export const issueBody = (fullName: string, issue: StoredIssue, apiUrl: string) => {
  const id = stableId(`${fullName}#${issue.number}`);
  return {
    url: `${apiUrl}/repos/${fullName}/issues/${issue.number}`,
    repository_url: `${apiUrl}/repos/${fullName}`,
    html_url: `https://github.com/${fullName}/${issue.pullRequest ? "pull" : "issues"}/${issue.number}`,
    id,
    node_id: `I_${id.toString(36)}`,
    number: issue.number,
    title: issue.title,
    user: { login: issue.author, id: stableId(issue.author), type: "Bot" },
    labels: [],
    state: issue.state,
    state_reason: issue.state === "closed" ? "completed" : null,
    locked: false,
    assignee: null,
    assignees: [],
    comments: 0,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    author_association: "NONE",
    body: issue.body,
    ...(issue.pullRequest
      ? {
          pull_request: {
            url: `${apiUrl}/repos/${fullName}/pulls/${issue.number}`,
            html_url: `https://github.com/${fullName}/pull/${issue.number}`,
          },
        }
      : {}),
  };
};

/** GitHub's 422 body for an invalid request. */
export const validationFailedBody = (resource: string, field: string, code: string) => ({
  message: "Validation Failed",
  errors: [{ resource, field, code }],
  documentation_url: documentation,
  status: "422",
});
