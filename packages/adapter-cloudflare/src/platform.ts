/** Every port the HTTP app needs, on Cloudflare, as one Layer built from the core Worker's bindings. */
import {
  aiProviderLayer,
  type OpenAiProviderOptions,
  type RepoAuthOptions,
  repoAuthLayer,
  telegramNotifierLayer,
} from "@w7s/adapter-node/portable";
import type {
  AiProvider,
  AssetStore,
  BackendRuntime,
  DomainVerifier,
  Ids,
  Notifier,
  Provisioner,
  QueueBroker,
  RepoAuth,
  WorkflowEngine,
} from "@w7s/core";
import { Layer } from "effect";
import { writeAnalyticsTo } from "./analytics/CloudflareAnalyticsSink.js";
import type { CloudflareApi } from "./api.js";
import { cloudflareAssetStoreLayer } from "./assets/CloudflareAssetStore.js";
import { cloudflareDomainVerifierLayer, cloudflareIdsLayer, type DohOptions } from "./domains.js";
import { cloudflareProvisionerLayer } from "./provisioner/CloudflareProvisioner.js";
import { cloudflareQueueBrokerLayer, type PlatformQueueMessage } from "./queues/CloudflareQueueBroker.js";
import { cloudflareBackendRuntimeLayer } from "./runtime/CloudflareBackendRuntime.js";
import type { W7sControlPlane } from "./state/ControlPlaneObject.js";
import {
  type ControlPlaneServices,
  controlPlaneLayer,
  controlPlaneStub,
} from "./state/controlPlaneClient.js";
import { deploymentsOnKv } from "./state/kvDeployments.js";
import { cloudflareWorkflowEngineLayer, type WorkflowParams } from "./workflows/CloudflareWorkflowEngine.js";

/** The bindings of the core Worker the adapter reads (names as the generated wrangler config binds them). */
export interface CoreBindings {
  readonly CONTROL_PLANE: DurableObjectNamespace<W7sControlPlane>;
  readonly STATIC_ASSETS: R2Bucket;
  readonly DISPATCHER: DispatchNamespace;
  readonly W7S_QUEUE: Queue<PlatformQueueMessage>;
  readonly W7S_WORKFLOWS: Workflow<WorkflowParams>;
  /**
   * The deployments KV namespace, where requests read their app's live deployment (`kvDeployments.ts`).
   * Without it every lookup goes to the control plane object.
   */
  readonly DEPLOYMENTS_KV?: KVNamespace;
  /**
   * Optional: Analytics Engine for platform events, one data point per event written beside the control
   * plane's rows (`CloudflareAnalyticsSink.ts`; the layout is in the README). The analytics API reads the rows.
   */
  readonly ANALYTICS?: AnalyticsEngineDataset;
}

export interface CloudflarePlatformOptions {
  readonly bindings: CoreBindings;
  /** The REST client (`makeCloudflareApi` of `@w7s/cloudflare-api`). */
  readonly api: CloudflareApi;
  readonly dispatchNamespace: string;
  readonly coreWorker: string;
  readonly limits?: { readonly cpuMs?: number | undefined; readonly subRequests?: number | undefined };
  readonly auth: RepoAuthOptions;
  readonly ai?: OpenAiProviderOptions | undefined;
  readonly domains?: DohOptions;
  readonly telegram?: { readonly botToken: string; readonly apiUrl?: string | undefined } | undefined;
}

/** Every service `cloudflarePlatformLayer` provides. */
export type CloudflarePlatformServices =
  | ControlPlaneServices
  | AssetStore
  | BackendRuntime
  | Provisioner
  | QueueBroker
  | WorkflowEngine
  | RepoAuth
  | DomainVerifier
  | Ids
  | AiProvider
  | Notifier;

/**
 * The control-plane stores on the `W7sControlPlane` object, static files on R2, backends in the dispatch
 * namespace, resources through the REST API, queues and workflows on their Cloudflare products, and the
 * runtime-neutral RepoAuth, AI provider and Telegram Notifier shared with the Node adapter.
 */
export const cloudflarePlatformLayer = (
  options: CloudflarePlatformOptions,
): Layer.Layer<CloudflarePlatformServices> => {
  const control = controlPlaneStub(options.bindings.CONTROL_PLANE);
  const { DEPLOYMENTS_KV, ANALYTICS } = options.bindings;
  let stores: Layer.Layer<ControlPlaneServices> = controlPlaneLayer(control);
  if (DEPLOYMENTS_KV !== undefined) stores = Layer.provideMerge(deploymentsOnKv(DEPLOYMENTS_KV), stores);
  if (ANALYTICS !== undefined) stores = Layer.provideMerge(writeAnalyticsTo(ANALYTICS), stores);
  return Layer.mergeAll(
    stores,
    cloudflareAssetStoreLayer(options.bindings.STATIC_ASSETS),
    cloudflareBackendRuntimeLayer({
      api: options.api.dispatch,
      namespace: options.dispatchNamespace,
      dispatcher: options.bindings.DISPATCHER,
      coreWorker: options.coreWorker,
      control,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    }),
    cloudflareProvisionerLayer(options.api, control),
    cloudflareQueueBrokerLayer(options.bindings.W7S_QUEUE, control),
    cloudflareWorkflowEngineLayer(options.bindings.W7S_WORKFLOWS, control),
    repoAuthLayer(options.auth),
    cloudflareDomainVerifierLayer(options.domains),
    cloudflareIdsLayer,
    aiProviderLayer(options.ai),
    telegramNotifierLayer(options.telegram),
  );
};
