/** Every port the HTTP app needs, on Node, as one Layer. */
import {
  type AssetStore,
  BackendRuntime,
  type DeploymentStore,
  type DomainVerifier,
  type Ids,
  type ProvisionError,
  type Provisioner,
  type RepoAuth,
  type StoreError,
  type UsagePolicyStore,
  UsageStore,
} from "@w7s/core";
import { Context, Effect, Layer } from "effect";
import { assetStoreLayer, type CachedAssets } from "./assets/index.js";
import { type RepoAuthOptions, repoAuthLayer } from "./auth/index.js";
import { type DomainVerifierOptions, domainVerifierLayer } from "./domains/index.js";
import { idsLayer } from "./ids.js";
import { provisionerLayer } from "./provisioner/index.js";
import { type BackendRuntimeOptions, BackendStreams, makeWorkerdRuntime } from "./runtime/index.js";
import { type CachedDeployments, deploymentStoreLayer } from "./store/index.js";
import {
  makeUsageRecorder,
  usageIncrementOf,
  usagePolicyStoreLayer,
  usageStoreLayer,
} from "./usage/index.js";

export interface NodePlatformOptions {
  readonly dataDir: string;
  /** Postgres for the control plane; servers sharing it must share `dataDir` too (files and bundles live there). */
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
  readonly auth: RepoAuthOptions;
  readonly runtime?: Omit<BackendRuntimeOptions, "dataDir" | "usage">;
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
 * SQLite + files under `dataDir`, workerd for backends, GitHub/OIDC/deploy-token authorization; plus
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
  );
};
