export {
  type GitHubStandIn,
  type OidcClaims,
  type RecordedRequest,
  type RepoPermissions,
  startGitHubStandIn,
} from "./standIn.js";
