/** Public API of @w7s/cloudflare-ops: the names the core Worker shares with its config, and the two scripts as functions. */
export {
  CORE_BINDINGS,
  CORE_COMPATIBILITY_DATE,
  CORE_COMPATIBILITY_FLAGS,
  W7S_CRONS,
  W7S_DURABLE_OBJECT_CLASSES,
  W7S_WORKFLOW_CLASS,
  wantedRoutePatterns,
} from "./coreWorker.js";
export { OpsError } from "./errors.js";
export {
  DEFAULT_CONFIG_PATH,
  DEFAULT_MAIN_PATH,
  DEFAULT_SECRETS_PATH,
  type PrepareOptions,
  type PrepareResult,
  prepare,
  prepareResources,
} from "./prepare.js";
export {
  describePlan,
  planRoutes,
  type ReconcileOptions,
  type RoutePlan,
  reconcileRoutes,
} from "./reconcileRoutes.js";
export {
  DEFAULTS,
  type OpsSettings,
  readSettings,
  TELEGRAM_EVENTS,
  TELEGRAM_SECRET_NAMES,
  WORKER_SECRET_NAMES,
} from "./settings.js";
export {
  type BuildFacts,
  buildWranglerConfig,
  type PreparedResources,
  renderWranglerConfig,
} from "./wranglerConfig.js";
