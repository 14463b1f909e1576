export { CachedDeployments } from "./cachedDeployments.js";
export {
  type ControlPlaneDatabase,
  type ControlPlaneOptions,
  openControlPlaneDatabase,
} from "./controlPlaneDatabase.js";
export {
  type DeploymentStoreOptions,
  deploymentStoreLayer,
  embeddedDeploymentStoreLayer,
} from "./deploymentStore.js";
export {
  type PostgresDeploymentStoreOptions,
  postgresDeploymentStoreLayer,
} from "./postgresDeploymentStore.js";
export { acquireEmbeddedDatabase, type EmbeddedDatabase } from "./sqlite.js";
