/** `GET /health` and `GET /api/v1/health` (B.15): plain JSON, no envelope. */
import type { PlatformConfig } from "../platformConfig.js";

/** The health body of this server. */
export const healthBody = (config: PlatformConfig) => ({
  status: "ok" as const,
  service: config.serviceName,
  commitId: config.build.commitId,
  commitHash: config.build.commitId,
  branch: config.build.branch,
  deployedAt: config.build.deployedAt,
});
