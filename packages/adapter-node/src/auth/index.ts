export type { RepoAuthFetch } from "./http.js";
export {
  DEFAULT_AUTH_TIMEOUT_MS,
  DEFAULT_GITHUB_API_URL,
  DEFAULT_OIDC_AUDIENCES,
  DEFAULT_USER_AGENT,
  GITHUB_OIDC_ISSUER,
  makeRepoAuth,
  type RepoAuthOptions,
  repoAuthLayer,
} from "./repoAuth.js";
