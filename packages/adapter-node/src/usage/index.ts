export { type PostgresUsageStoreOptions, postgresUsageStoreLayer } from "./postgresUsageStore.js";
export { makeUsageRecorder, type UsageRecorder, type UsageRecorderOptions } from "./usageRecorder.js";
export { embeddedUsageStoreLayer, type UsageStoreOptions, usageStoreLayer } from "./usageStore.js";
