/** Public API of @w7s/adapter-cloudflare: the W7S ports on Cloudflare and the pieces the core Worker exports. */
export {
  ANALYTICS_BLOBS,
  ANALYTICS_DOUBLES,
  analyticsDataPointOf,
  PLATFORM_INDEX,
  writeAnalyticsTo,
} from "./analytics/CloudflareAnalyticsSink.js";
export type {
  ApiFailure,
  CloudflareApi,
  DispatchApi,
  ResourceApi,
  ScriptMetadata,
  ScriptModule,
} from "./api.js";
export { cloudflareAssetStoreLayer, makeCloudflareAssetStore } from "./assets/CloudflareAssetStore.js";
export { cloudflareDomainVerifierLayer, cloudflareIdsLayer, type DohOptions } from "./domains.js";
export {
  type CloudflarePlatformOptions,
  type CloudflarePlatformServices,
  type CoreBindings,
  cloudflarePlatformLayer,
} from "./platform.js";
export {
  accountResourceName,
  cloudflareProvisionerLayer,
  makeCloudflareProvisioner,
} from "./provisioner/CloudflareProvisioner.js";
export {
  cloudflareQueueBrokerLayer,
  consumeQueueBatch,
  makeCloudflareQueueBroker,
  type PlatformQueueMessage,
  type QueueConsumerOptions,
} from "./queues/CloudflareQueueBroker.js";
export {
  type CloudflareRuntimeOptions,
  cloudflareBackendRuntimeLayer,
  makeCloudflareBackendRuntime,
  metadataBinding,
  PLATFORM_ENTRYPOINT,
  scriptMetadata,
  scriptNameOf,
} from "./runtime/CloudflareBackendRuntime.js";
export {
  type DeadLetterInput,
  HOSTED_PORTS,
  type HostedPort,
  W7sControlPlane,
} from "./state/ControlPlaneObject.js";
export {
  type ControlPlaneServices,
  type ControlPlaneStub,
  controlPlaneLayer,
  controlPlaneStub,
} from "./state/controlPlaneClient.js";
export { durableObjectDatabase } from "./state/durableObjectDatabase.js";
export { deploymentsOnKv, liveKeyOf, readLiveDeployment, recordKeyOf } from "./state/kvDeployments.js";
export {
  cloudflareWorkflowEngineLayer,
  makeCloudflareWorkflowEngine,
  runWorkflowInstance,
  type WorkflowParams,
  workflowStepConfig,
} from "./workflows/CloudflareWorkflowEngine.js";
