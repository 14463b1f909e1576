/** Every port the HTTP app needs, on Node, as one Layer. */
import type {
  AssetStore,
  BackendRuntime,
  DeploymentStore,
  Ids,
  ProvisionError,
  Provisioner,
  RepoAuth,
  StoreError,
} from "@w7s/core";
import { Layer } from "effect";
import { assetStoreLayer } from "./assets/index.js";
import { type RepoAuthOptions, repoAuthLayer } from "./auth/index.js";
import { idsLayer } from "./ids.js";
import { provisionerLayer } from "./provisioner/index.js";
import { type BackendRuntimeOptions, backendRuntimeLayer } from "./runtime/index.js";
import { deploymentStoreLayer } from "./store/index.js";

export interface NodePlatformOptions {
  readonly dataDir: string;
  /** Postgres for the control plane; servers sharing it must share `dataDir` too (files and bundles live there). */
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
  readonly auth: RepoAuthOptions;
  readonly runtime?: Omit<BackendRuntimeOptions, "dataDir">;
}

/** SQLite + files under `dataDir`, workerd for backends, GitHub/OIDC/deploy-token authorization. */
export const nodePlatformLayer = (
  options: NodePlatformOptions,
): Layer.Layer<
  DeploymentStore | AssetStore | BackendRuntime | Provisioner | RepoAuth | Ids,
  StoreError | ProvisionError
> =>
  Layer.mergeAll(
    deploymentStoreLayer({
      dataDir: options.dataDir,
      databaseUrl: options.databaseUrl,
      databaseSchema: options.databaseSchema,
    }),
    assetStoreLayer({ dataDir: options.dataDir }),
    provisionerLayer({
      dataDir: options.dataDir,
      databaseUrl: options.databaseUrl,
      databaseSchema: options.databaseSchema,
    }),
    backendRuntimeLayer({ dataDir: options.dataDir, ...options.runtime }),
    repoAuthLayer(options.auth),
    idsLayer,
  );
