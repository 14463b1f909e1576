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
