export type { OidcClaims } from "./oidcIssuer.js";
export type { RepoPermissions } from "./restShapes.js";
export {
  type ActionsIdTokenRequest,
  type GitHubStandIn,
  type GitHubStandInOptions,
  type InstallationTokenOptions,
  type RecordedRequest,
  type SeedIssue,
  type StandInIssue,
  startGitHubStandIn,
  type UserRepos,
} from "./standIn.js";
