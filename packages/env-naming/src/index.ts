/** Public API of @w7s/env-naming: every name W7S derives from owners, repos, branches and environments. */
export { applicationScopedRepoSlug } from "./application.js";
export {
  branchToEnvironment,
  customDomainBranchPrefix,
  ENVIRONMENT_PATTERN,
  type EnvironmentRequest,
  normalizeEnvironmentSlug,
  PRODUCTION,
  requireEnvironmentSlug,
  resolveEnvironment,
} from "./environment.js";
export { InvalidEnvironment, InvalidSlug } from "./errors.js";
export { hash7 } from "./hash.js";
export {
  cleanHost,
  RESERVED_HOST_LABELS,
  type RuntimeHost,
  resolveRuntimeHost,
  runtimeHostname,
} from "./host.js";
export {
  assetPrefix,
  type DeploymentScope,
  type ManagedStorageKind,
  managedQueueName,
  managedResourceName,
  scheduleId,
  staticManifestKey,
  workflowInstanceId,
} from "./managedNames.js";
export { publicUrl } from "./publicUrl.js";
export { type RepoPathCandidate, repoPathCandidates } from "./repoPath.js";
export {
  commitPart,
  durableObjectClasses,
  durableObjectMigrationTag,
  scriptName,
  scriptTags,
} from "./script.js";
export {
  normalizeSlug,
  requireSlug,
  SLUG_FIELDS,
  SLUG_PATTERN,
  type SlugField,
  sanitizeScriptPart,
} from "./slug.js";
