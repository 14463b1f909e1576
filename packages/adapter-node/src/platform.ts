/** Every port the HTTP app needs, on Node, as one Layer. */
import {
  type AiProvider,
  type AnalyticsSink,
  type AssetStore,
  BackendRuntime,
  type DeploymentStore,
  type DomainVerifier,
  type Ids,
  type LogStore,
  type NotificationStore,
  type Notifier,
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
import { type LogCaptureOptions, makeLogCaptureSink } from "./logs/logCapture.js";
import { notificationStoreLayer, telegramNotifierLayer } from "./notifications/index.js";
import { analyticsSinkLayer } from "./observability/analyticsSink.js";
import { logStoreLayer } from "./observability/logStore.js";
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
  readonly runtime?: Omit<BackendRuntimeOptions, "dataDir" | "usage" | "logs">;
  /** The OpenAI-compatible endpoint behind `W7S_AI`; unset, AI runs answer 503. */
  readonly ai?: OpenAiProviderOptions | undefined;
  /** DNS servers for custom-domain TXT allow lists (H.3); the system's by default. */
  readonly domains?: DomainVerifierOptions;
  /** Log capture from every backend (G.2); `false` runs backends without the tail worker. */
  readonly logs?: (LogCaptureOptions & { readonly capture?: boolean }) | undefined;
  /** The Telegram bot notifications go out through (I.6); unset, the Notifier sends nothing. */
  readonly telegram?:
    | {
        readonly botToken: string;
        readonly apiUrl?: string | undefined;
        readonly timeoutMs?: number | undefined;
      }
    | undefined;
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
  | LogStore
  | AnalyticsSink
  | NotificationStore
  | Notifier
  | CachedDeployments
  | CachedAssets
  | BackendStreams;

/**
 * The workerd runtime (with `BackendStreams` for a server's synchronous request path), counting storage
 * operations into the UsageStore through a buffered recorder and, unless turned off, capturing every
 * backend's logs into the LogStore.
 */
const countedRuntimeLayer = (
  options: BackendRuntimeOptions,
  logs: NodePlatformOptions["logs"],
): Layer.Layer<BackendRuntime | BackendStreams, never, UsageStore | UsagePolicyStore | LogStore | Ids> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const recorder = yield* makeUsageRecorder(yield* UsageStore);
      const logSink = logs?.capture === false ? undefined : yield* makeLogCaptureSink(logs ?? {});
      const runtime = yield* Effect.acquireRelease(
        Effect.sync(() =>
          makeWorkerdRuntime({
            ...options,
            usage: (event) => Effect.runSync(recorder.record(usageIncrementOf(event, new Date()))),
            ...(logSink === undefined ? {} : { logs: logSink }),
          }),
        ),
        (started) => started.shutdown(),
      );
      return Context.make(BackendRuntime, runtime.service).pipe(Context.add(BackendStreams, runtime.streams));
    }),
  );

/**
 * SQLite + files under `dataDir` (or Postgres for the control plane), workerd for backends with log
 * capture, GitHub/OIDC/deploy-token authorization, usage, logs, analytics, the durable queues, workflow
 * instances, scheduler locks, chat links and the notification outbox in the same database, the operator's
 * AI provider and Telegram bot; plus
 * `CachedDeployments`, `CachedAssets` and `BackendStreams` for a server's synchronous request path.
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
  const policies = usagePolicyStoreLayer(database);
  const logs = logStoreLayer(database);
  return Layer.mergeAll(
    deploymentStoreLayer(database),
    assetStoreLayer({ dataDir: options.dataDir }),
    provisionerLayer(database),
    usage,
    policies,
    logs,
    analyticsSinkLayer(database),
    countedRuntimeLayer({ dataDir: options.dataDir, ...options.runtime }, options.logs).pipe(
      Layer.provide(Layer.mergeAll(usage, policies, logs, idsLayer)),
    ),
    repoAuthLayer(options.auth),
    domainVerifierLayer(options.domains),
    idsLayer,
    queueBrokerLayer(database),
    workflowEngineLayer(database),
    schedulerLockLayer(database),
    aiProviderLayer(options.ai),
    notificationStoreLayer(database),
    telegramNotifierLayer(options.telegram),
  );
};
