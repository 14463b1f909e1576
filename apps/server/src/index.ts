/** Public API of @w7s/server: start the self-host server in-process (tests, embedding). */
export { DEFAULT_SETTINGS, resolveSettings, SETTINGS, type ServerSettings, SettingsError } from "./config.js";
export { type DeployOutcome, demoUrlLines, deployExamples } from "./demo.js";
export { type RunningServer, startServer } from "./server.js";
export { deployFiles, isExcludedFromDeploy, zipDirectory } from "./zipDirectory.js";
