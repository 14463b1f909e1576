export { applySqlMigrations, MigrationFailure } from "./migrations.js";
export { makeProvisioner, type ProvisionerOptions, provisionerLayer } from "./provisioner.js";
export { embeddedResourceIndex, postgresResourceIndex, type ResourceIndex } from "./resourceIndex.js";
