/** Public API of @w7s/cli: the `w7s` commands as functions, for tests and embedding. */
export { type ParsedArgs, parseArgs, UsageError } from "./args.js";
export { deployCommand, deployUsage } from "./deployCommand.js";
export { type DevBackend, LOCAL_DATA_DIR, LoadError, makeDevBackend } from "./dev/devBackend.js";
export { devCommand, devIdentity, devUsage, type RunningDev, startDev } from "./dev/devCommand.js";
export { devRouterMessages, makeDevRouter } from "./dev/devRouter.js";
export { makeRegistry, type RegistryEntry, registryDirectory } from "./dev/registry.js";
export { type DryRunReport, dryRun, dryRunLines } from "./dryRun.js";
export { type GitFacts, gitFacts, localRepoName, repositoryFromRemote } from "./git.js";
export type { CommandIo } from "./io.js";
export { logsCommand, logsUsage } from "./logsCommand.js";
export { rollbackCommand, rollbackUsage } from "./rollbackCommand.js";
export { appTarget, deployEndpoint } from "./target.js";
export { resolveToken, tokenMessages } from "./token.js";
export { usageCommand, usageUsage } from "./usageCommand.js";
