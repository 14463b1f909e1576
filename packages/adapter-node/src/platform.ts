/** Every port the HTTP app needs, on Node, as one Layer. */
import type { AssetStore, BackendRuntime, DeploymentStore, Ids, RepoAuth, StoreError } from "@w7s/core";
import { Layer } from "effect";
import { assetStoreLayer, type CachedAssets } from "./assets/index.js";
import { type RepoAuthOptions, repoAuthLayer } from "./auth/index.js";
import { idsLayer } from "./ids.js";
import { type BackendRuntimeOptions, type BackendStreams, backendRuntimeLayer } from "./runtime/index.js";
import { type CachedDeployments, deploymentStoreLayer } from "./store/index.js";

export interface NodePlatformOptions {
  readonly dataDir: string;
  /** Postgres for the control plane; servers sharing it must share `dataDir` too (files and bundles live there). */
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
  readonly auth: RepoAuthOptions;
  readonly runtime?: Omit<BackendRuntimeOptions, "dataDir">;
}

/** Every service `nodePlatformLayer` provides: the ports, and what the Node stores answer from memory. */
export type NodePlatformServices =
  | DeploymentStore
  | AssetStore
  | BackendRuntime
  | RepoAuth
  | Ids
  | CachedDeployments
  | CachedAssets
  | BackendStreams;

/**
 * SQLite + files under `dataDir`, workerd for backends, GitHub/OIDC/deploy-token authorization; plus
 * `CachedDeployments`, `CachedAssets` and `BackendStreams` for a server's synchronous request path.
 */
export const nodePlatformLayer = (
  options: NodePlatformOptions,
): Layer.Layer<NodePlatformServices, StoreError> =>
  Layer.mergeAll(
    deploymentStoreLayer({
      dataDir: options.dataDir,
      databaseUrl: options.databaseUrl,
      databaseSchema: options.databaseSchema,
    }),
    assetStoreLayer({ dataDir: options.dataDir }),
    backendRuntimeLayer({ dataDir: options.dataDir, ...options.runtime }),
    repoAuthLayer(options.auth),
    idsLayer,
  );
