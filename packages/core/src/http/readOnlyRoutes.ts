/**
 * The agent API (I.1) and deployment history/rollback routes on the shared Hono app; `agent.json` itself
 * is answered from the catch-all (only hosts no app owns reach it, D.1 step 4).
 */
import type { Effect } from "effect";
import type { Hono } from "hono";
import type { PlatformConfig } from "../platformConfig.js";
import { type AgentApiServices, agentManifestSchemaResponse, agentRepoApi } from "./agentApi.js";
import { type DeploymentHistoryServices, listDeployments, rollbackDeployment } from "./deploymentHistory.js";
import { openApiResponse } from "./openApi.js";

export type RepoApiServices = AgentApiServices | DeploymentHistoryServices;

export interface RepoApiRouteOptions {
  readonly config: PlatformConfig;
  readonly run: <A>(effect: Effect.Effect<A, never, RepoApiServices>) => Promise<A>;
}

/** Adds the routes to `app`; register them before the catch-all. */
export const repoApiRoutes = (app: Hono, { config, run }: RepoApiRouteOptions): Hono => {
  app.get("/api/v1/agent/openapi.json", () => openApiResponse(config));
  app.get("/api/v1/agent/manifest-schema", () => agentManifestSchemaResponse(config));
  app.get("/api/v1/agent/repos/*", (c) => run(agentRepoApi(c.req.raw, config)));
  app.get("/api/v1/deployments/*", (c) => run(listDeployments(c.req.raw, config)));
  app.post("/api/v1/deployments/*", (c) => run(rollbackDeployment(c.req.raw, config)));
  return app;
};
