export { type PostgresUsageStoreOptions, postgresUsageStoreLayer } from "./postgresUsageStore.js";
export { usageIncrementOf } from "./usageEvents.js";
export { type UsagePolicyStoreOptions, usagePolicyStoreLayer } from "./usagePolicyStore.js";
export { makeUsageRecorder, type UsageRecorder, type UsageRecorderOptions } from "./usageRecorder.js";
export { embeddedUsageStoreLayer, type UsageStoreOptions, usageStoreLayer } from "./usageStore.js";
