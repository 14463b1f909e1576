export type { OidcClaims } from "./oidcIssuer.js";
export type { RepoPermissions } from "./restShapes.js";
export {
  type GitHubStandIn,
  type GitHubStandInOptions,
  type InstallationTokenOptions,
  type RecordedRequest,
  startGitHubStandIn,
  type UserRepos,
} from "./standIn.js";
