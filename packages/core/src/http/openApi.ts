/**
 * `GET /api/v1/agent/openapi.json`: the OpenAPI 3.1 document of the read-only API (I.1), generated from the
 * route table below and the effect/Schema values the routes encode their answers with (`apiSchemas`), so
 * the document lists exactly what the routes serve.
 */
import { JsonSchema, type Schema, SchemaRepresentation } from "effect";
import type { PlatformConfig } from "../platformConfig.js";
import { platformOrigin } from "./agentApi.js";
import {
  AgentDiscovery,
  DeploymentHistory,
  ErrorEnvelope,
  JsonDocument,
  RepoDeployments,
  RepoResources,
  RepoRoutes,
  RepoState,
  successEnvelope,
} from "./apiSchemas.js";

type Parameter = "owner" | "repo" | "environment" | "application";

/** One documented operation. */
export interface ApiOperation {
  readonly path: string;
  readonly method: "get";
  readonly operationId: string;
  readonly summary: string;
  /** Anyone may call it; otherwise a bearer token with read access to the repository. */
  readonly public: boolean;
  readonly parameters: readonly Parameter[];
  /** The body of the 200 answer. */
  readonly response: Schema.Top;
  /** Error statuses it can answer, all with the error envelope. */
  readonly errors: readonly number[];
}

const repoParameters: readonly Parameter[] = ["owner", "repo", "environment", "application"];
const repoErrors = [400, 401, 404, 429, 502];

/** Every route the document describes; a test calls each one on a running server. */
export const API_OPERATIONS: readonly ApiOperation[] = [
  {
    path: "/agent.json",
    method: "get",
    operationId: "getAgentDiscovery",
    summary: "Discover the W7S agent API",
    public: true,
    parameters: [],
    response: AgentDiscovery,
    errors: [],
  },
  {
    path: "/.well-known/agent.json",
    method: "get",
    operationId: "getWellKnownAgentDiscovery",
    summary: "Discover the W7S agent API (well-known location)",
    public: true,
    parameters: [],
    response: AgentDiscovery,
    errors: [],
  },
  {
    path: "/api/v1/agent/openapi.json",
    method: "get",
    operationId: "getOpenApiDocument",
    summary: "Read this OpenAPI document",
    public: true,
    parameters: [],
    response: JsonDocument,
    errors: [],
  },
  {
    path: "/api/v1/agent/manifest-schema",
    method: "get",
    operationId: "getManifestSchema",
    summary: "Read the w7s.json manifest JSON Schema",
    public: true,
    parameters: [],
    response: JsonDocument,
    errors: [],
  },
  {
    path: "/api/v1/agent/repos/{owner}/{repo}",
    method: "get",
    operationId: "getRepoState",
    summary: "Read consolidated repository infrastructure state",
    public: false,
    parameters: repoParameters,
    response: successEnvelope(RepoState, "RepoStateAnswer"),
    errors: repoErrors,
  },
  {
    path: "/api/v1/agent/repos/{owner}/{repo}/deployments",
    method: "get",
    operationId: "listRepoDeployments",
    summary: "List the live deployment of every environment of a repository",
    public: false,
    parameters: ["owner", "repo", "application"],
    response: successEnvelope(RepoDeployments, "RepoDeploymentsAnswer"),
    errors: repoErrors,
  },
  {
    path: "/api/v1/agent/repos/{owner}/{repo}/resources",
    method: "get",
    operationId: "getRepoResources",
    summary: "List resources for a repository environment",
    public: false,
    parameters: repoParameters,
    response: successEnvelope(RepoResources, "RepoResourcesAnswer"),
    errors: repoErrors,
  },
  {
    path: "/api/v1/agent/repos/{owner}/{repo}/routes",
    method: "get",
    operationId: "getRepoRoutes",
    summary: "Read public routes for a repository environment",
    public: false,
    parameters: repoParameters,
    response: successEnvelope(RepoRoutes, "RepoRoutesAnswer"),
    errors: repoErrors,
  },
  {
    path: "/api/v1/deployments/{owner}/{repo}",
    method: "get",
    operationId: "listDeploymentHistory",
    summary: "List the retained deployments of an app and environment, newest first",
    public: false,
    parameters: repoParameters,
    response: successEnvelope(DeploymentHistory, "DeploymentHistoryAnswer"),
    errors: [400, 401, 429, 502],
  },
];

const parameterObjects: Record<Parameter, Record<string, unknown>> = {
  owner: {
    name: "owner",
    in: "path",
    required: true,
    description: "GitHub owner (user or organization).",
    schema: { type: "string" },
  },
  repo: {
    name: "repo",
    in: "path",
    required: true,
    description: "GitHub repository name.",
    schema: { type: "string" },
  },
  environment: {
    name: "environment",
    in: "query",
    required: false,
    description: "Environment (default production).",
    schema: { type: "string" },
  },
  application: {
    name: "application",
    in: "query",
    required: false,
    description: "Application name of a monorepo app (B.6).",
    schema: { type: "string" },
  },
};

const statusTexts: Record<number, string> = {
  400: "Bad request",
  401: "Missing or unauthorized bearer token",
  404: "Unknown endpoint",
  429: "Too many failed authorization attempts from this address",
  502: "GitHub could not be asked",
};

const buildDocument = (origin: string): Record<string, unknown> => {
  const roots = [...API_OPERATIONS.map((operation) => operation.response), ErrorEnvelope];
  const representation = SchemaRepresentation.toRepresentations(
    roots.map((schema) => schema.ast) as [Schema.Top["ast"], ...Array<Schema.Top["ast"]>],
  );
  const openApi = JsonSchema.toMultiDocumentOpenApi3_1(
    SchemaRepresentation.toJsonSchemaMultiDocument(representation),
  );
  const errorSchema = openApi.schemas[API_OPERATIONS.length];
  const paths: Record<string, Record<string, unknown>> = {};
  API_OPERATIONS.forEach((operation, index) => {
    const responses: Record<string, unknown> = {
      200: {
        description: "OK",
        content: { "application/json": { schema: openApi.schemas[index] } },
      },
    };
    for (const status of operation.errors) {
      responses[status] = {
        description: statusTexts[status] ?? "Error",
        content: { "application/json": { schema: errorSchema } },
      };
    }
    paths[operation.path] = {
      ...paths[operation.path],
      [operation.method]: {
        operationId: operation.operationId,
        summary: operation.summary,
        ...(operation.public ? { security: [] } : {}),
        ...(operation.parameters.length > 0
          ? { parameters: operation.parameters.map((parameter) => parameterObjects[parameter]) }
          : {}),
        responses,
      },
    };
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "W7S Cloud Agent API",
      version: "1.0.0",
      description:
        "Read-only agent-facing API for inspecting W7S deployments, managed infrastructure, routes, usage links, logs, and safe next actions.",
    },
    servers: [{ url: origin }],
    security: [{ githubOidc: [] }],
    paths,
    components: {
      schemas: openApi.definitions,
      securitySchemes: {
        githubOidc: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "GitHub Actions OIDC JWT, GitHub API token, or the operator's deploy token",
        },
      },
    },
  };
};

const documents = new Map<string, Record<string, unknown>>();

/** The document for this server (built once per origin). */
export const openApiDocument = (config: PlatformConfig): Record<string, unknown> => {
  const origin = platformOrigin(config);
  let document = documents.get(origin);
  if (document === undefined) {
    document = buildDocument(origin);
    documents.set(origin, document);
  }
  return document;
};

export const openApiResponse = (config: PlatformConfig): Response =>
  new Response(JSON.stringify(openApiDocument(config)), {
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "public, max-age=300" },
  });
