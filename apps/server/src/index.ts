/** Public API of @w7s/server: start the self-host server in-process (tests, embedding). */
export {
  DEFAULT_SETTINGS,
  type ResolvedSettings,
  resolveSettings,
  SETTINGS,
  type ServerSettings,
  type SettingSource,
  SettingsError,
} from "./config.js";
export { CONFIG_FILE_NAME, locateConfigFile, readConfigFile, takeConfigFlag } from "./configFile.js";
export { type DeployOutcome, demoUrlLines, deployExamples, runDemo } from "./demo.js";
export { defaultPublicUrl, initConfig, initInstructions } from "./init.js";
export {
  type Counter,
  type Histogram,
  type MetricsRegistry,
  makeMetricsRegistry,
  makeServerMetrics,
  platformRoute,
  type QueueStats,
  type ServerMetrics,
} from "./metrics.js";
export {
  limitsCommand,
  type OperatorArguments,
  operatorApp,
  parseOperatorArguments,
  resumeCommand,
  suspendCommand,
} from "./operator.js";
export { closeOnSignal, nextStopSignal, serveCommand } from "./serve.js";
export { type RunningServer, type StartOptions, startServer } from "./server.js";
