/** LogStore and AnalyticsSink on the control-plane database. */
export {
  ANALYTICS_DATASET,
  type AnalyticsSinkOptions,
  analyticsSinkLayer,
  sampleRows,
} from "./analyticsSink.js";
export { logStoreLayer } from "./logStore.js";
