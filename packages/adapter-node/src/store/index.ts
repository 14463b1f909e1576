export { type DeploymentStoreOptions, deploymentStoreLayer } from "./deploymentStore.js";
export { acquireEmbeddedDatabase, type EmbeddedDatabase } from "./sqlite.js";
