export { type PostgresUsageStoreOptions, postgresUsageStoreLayer } from "./postgresUsageStore.js";
export { embeddedUsageStoreLayer, type UsageStoreOptions, usageStoreLayer } from "./usageStore.js";
