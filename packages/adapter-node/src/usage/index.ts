export { type PostgresUsageStoreOptions, postgresUsageStoreLayer } from "./postgresUsageStore.js";
export { usageIncrementOf } from "./usageEvents.js";
export { makeUsageRecorder, type UsageRecorder, type UsageRecorderOptions } from "./usageRecorder.js";
export { embeddedUsageStoreLayer, type UsageStoreOptions, usageStoreLayer } from "./usageStore.js";
