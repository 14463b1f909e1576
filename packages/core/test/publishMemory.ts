/** Puts a live deployment (static files and/or a backend) straight into a memory world, for request tests. */
import type { DeploymentRecord } from "../src/ports/records/DeploymentRecord.js";
import { appKey, type MemoryWorld } from "./memoryPorts.js";

export interface PublishOptions {
  readonly environment?: string;
  readonly files?: Record<string, string>;
  readonly backend?: boolean;
}

export const publishMemory = (
  world: MemoryWorld,
  owner: string,
  repo: string,
  options: PublishOptions = {},
) => {
  const environment = options.environment ?? "production";
  const manifestKey = `manifest:${environment}:${owner}:${repo}`;
  const files = options.files ?? {};
  const entries = Object.fromEntries(
    Object.entries(files).map(([path, text]) => {
      const r2Key = `object:${environment}:${owner}:${repo}:${path}`;
      world.objects.set(r2Key, {
        body: new TextEncoder().encode(text),
        metadata: { contentType: "text/plain", etag: "e" },
      });
      const contentType = path.endsWith(".html") ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
      return [path, { path, r2Key, contentType, size: text.length, etag: `etag-${path}` }];
    }),
  );
  const hasStatic = Object.keys(files).length > 0;
  if (hasStatic) {
    world.manifests.set(manifestKey, {
      version: 1,
      orgSlug: owner,
      repoSlug: repo,
      environment,
      assetPrefix: "p",
      deployedAt: "2026-01-01T00:00:00.000Z",
      files: entries,
      hasIndex: "index.html" in files,
    });
  }
  const record: DeploymentRecord = {
    version: 1,
    orgSlug: owner,
    repoSlug: repo,
    sourceRepoSlug: repo,
    application: repo,
    environment,
    repository: `${owner}/${repo}`,
    branch: "main",
    commitSha: "0".repeat(40),
    deployedAt: "2026-01-01T00:00:00.000Z",
    targets: {
      ...(hasStatic
        ? {
            static: {
              manifestKey,
              assetPrefix: "p",
              fileCount: Object.keys(files).length,
              totalSize: 1,
              hasIndex: "index.html" in files,
            },
          }
        : {}),
      ...(options.backend
        ? {
            worker: {
              namespace: "w7s",
              scriptName: repo,
              entrypoint: "index.js",
              compatibilityDate: "2026-01-01",
              startupTimeMs: null,
            },
          }
        : {}),
    },
  };
  const deploymentId = `dep-${environment}-${owner}-${repo}`;
  const key = appKey({ environment, orgSlug: owner, repoSlug: repo });
  world.deployments.set(key, { deploymentId, record });
  world.history.set(key, [...(world.history.get(key) ?? []), { deploymentId, record }]);
  return { deploymentId, manifestKey };
};
