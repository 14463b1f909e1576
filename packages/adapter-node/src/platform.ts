/** Every port the HTTP app needs, on Node, as one Layer. */
import {
  type AiProvider,
  type AssetStore,
  BackendRuntime,
  type DeploymentStore,
  type DomainVerifier,
  type Ids,
  type ProvisionError,
  type Provisioner,
  type QueueBroker,
  type RepoAuth,
  type SchedulerLock,
  type StoreError,
  type UsagePolicyStore,
  UsageStore,
  type WorkflowEngine,
} from "@w7s/core";
import { Context, Effect, Layer } from "effect";
import { aiProviderLayer, type OpenAiProviderOptions } from "./ai/index.js";
import { assetStoreLayer, type CachedAssets } from "./assets/index.js";
import { type RepoAuthOptions, repoAuthLayer } from "./auth/index.js";
import { type DomainVerifierOptions, domainVerifierLayer } from "./domains/index.js";
import { idsLayer } from "./ids.js";
import { provisionerLayer } from "./provisioner/index.js";
import { type NodeQueues, queueBrokerLayer } from "./queues/index.js";
import { type BackendRuntimeOptions, BackendStreams, makeWorkerdRuntime } from "./runtime/index.js";
import { schedulerLockLayer } from "./scheduler/index.js";
import { type CachedDeployments, deploymentStoreLayer } from "./store/index.js";
import {
  makeUsageRecorder,
  usageIncrementOf,
  usagePolicyStoreLayer,
  usageStoreLayer,
} from "./usage/index.js";
import { type NodeWorkflows, workflowEngineLayer } from "./workflows/index.js";

export interface NodePlatformOptions {
  readonly dataDir: string;
  /** Postgres for the control plane; servers sharing it must share `dataDir` too (files and bundles live there). */
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
  readonly auth: RepoAuthOptions;
  readonly runtime?: Omit<BackendRuntimeOptions, "dataDir" | "usage">;
  /** The OpenAI-compatible endpoint behind `W7S_AI`; unset, AI runs answer 503. */
  readonly ai?: OpenAiProviderOptions | undefined;
  /** DNS servers for custom-domain TXT allow lists (H.3); the system's by default. */
  readonly domains?: DomainVerifierOptions;
}

/** Every service `nodePlatformLayer` provides: the ports, and what the Node stores answer from memory. */
export type NodePlatformServices =
  | DeploymentStore
  | AssetStore
  | BackendRuntime
  | Provisioner
  | UsageStore
  | UsagePolicyStore
  | RepoAuth
  | DomainVerifier
  | Ids
  | QueueBroker
  | NodeQueues
  | WorkflowEngine
  | NodeWorkflows
  | SchedulerLock
  | AiProvider
  | CachedDeployments
  | CachedAssets
  | BackendStreams;

/**
 * The workerd runtime (with `BackendStreams` for a server's synchronous request path), counting storage
 * operations into the UsageStore through a buffered recorder.
 */
const countedRuntimeLayer = (
  options: BackendRuntimeOptions,
): Layer.Layer<BackendRuntime | BackendStreams, never, UsageStore> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const recorder = yield* makeUsageRecorder(yield* UsageStore);
      const runtime = yield* Effect.acquireRelease(
        Effect.sync(() =>
          makeWorkerdRuntime({
            ...options,
            usage: (event) => Effect.runSync(recorder.record(usageIncrementOf(event, new Date()))),
          }),
        ),
        (started) => started.shutdown(),
      );
      return Context.make(BackendRuntime, runtime.service).pipe(Context.add(BackendStreams, runtime.streams));
    }),
  );

/**
 * SQLite + files under `dataDir` (or Postgres for the control plane), workerd for backends, GitHub/OIDC/
 * deploy-token authorization, the durable queues, workflow instances and scheduler locks in the same
 * database, and the operator's AI provider; plus `CachedDeployments`, `CachedAssets` and `BackendStreams`
 * for a server's synchronous request path.
 */
export const nodePlatformLayer = (
  options: NodePlatformOptions,
): Layer.Layer<NodePlatformServices, StoreError | ProvisionError> => {
  const database = {
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    databaseSchema: options.databaseSchema,
  };
  const usage = usageStoreLayer(database);
  return Layer.mergeAll(
    deploymentStoreLayer(database),
    assetStoreLayer({ dataDir: options.dataDir }),
    provisionerLayer(database),
    usage,
    usagePolicyStoreLayer(database),
    countedRuntimeLayer({ dataDir: options.dataDir, ...options.runtime }).pipe(Layer.provide(usage)),
    repoAuthLayer(options.auth),
    domainVerifierLayer(options.domains),
    idsLayer,
    queueBrokerLayer(database),
    workflowEngineLayer(database),
    schedulerLockLayer(database),
    aiProviderLayer(options.ai),
  );
};
