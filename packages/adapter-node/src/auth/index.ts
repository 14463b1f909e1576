export {
  DEFAULT_OIDC_AUDIENCES,
  GITHUB_OIDC_ISSUER,
  makeRepoAuth,
  type RepoAuthOptions,
  repoAuthLayer,
} from "./repoAuth.js";
