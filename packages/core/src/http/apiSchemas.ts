/**
 * The response and request bodies of the agent API (I.1) and of deployment history and rollback, as
 * effect/Schema values: the routes build their answers as these types and encode them through these
 * schemas, and the OpenAPI document is generated from the same schemas, so the two cannot drift apart.
 */
import { Schema } from "effect";
import { DeploymentBindings } from "../ports/records/DeploymentRecord.js";

const Strings = Schema.Array(Schema.String);
const Url = Schema.String.annotate({ description: "An absolute URL." });

/** `{"status":"success","data":…}` around `data`. */
export const successEnvelope = <S extends Schema.Top>(data: S, identifier: string) =>
  Schema.Struct({ status: Schema.Literal("success"), data }).annotate({ identifier });

/** `{"status":"error","error":…,"details"?:…}`, every error answer of the platform. */
export const ErrorEnvelope = Schema.Struct({
  status: Schema.Literal("error"),
  error: Schema.String.annotate({ description: "The exact, user-facing error text." }),
  details: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
}).annotate({ identifier: "ErrorEnvelope", description: "Every error answer of the platform." });

/** A deployment record without anything secret (token hashes, binding ids of other apps): what agents read. */
export const SanitizedDeployment = Schema.Struct({
  version: Schema.Literal(1),
  repository: Schema.String,
  owner: Schema.String,
  repo: Schema.String.annotate({ description: "The app-scoped repo slug." }),
  environment: Schema.String,
  branch: Schema.String,
  commitSha: Schema.String,
  deployedAt: Schema.String,
  url: Url,
  routing: Schema.Struct({ defaultDomain: Schema.Boolean, customDomains: Strings }),
  targets: Schema.Struct({
    static: Schema.optionalKey(
      Schema.Struct({
        fileCount: Schema.Finite,
        totalSize: Schema.NullOr(Schema.Finite),
        hasIndex: Schema.Boolean,
        assetPrefix: Schema.String,
      }),
    ),
    worker: Schema.optionalKey(
      Schema.Struct({
        namespace: Schema.String,
        scriptName: Schema.String,
        entrypoint: Schema.String,
        compatibilityDate: Schema.String,
        startupTimeMs: Schema.NullOr(Schema.Finite),
        tags: Strings,
      }),
    ),
  }),
}).annotate({ identifier: "SanitizedDeployment", description: "A deployment, without token hashes." });
export type SanitizedDeployment = typeof SanitizedDeployment.Type;

/** Where to read more about one repository environment. */
export const RepoLinks = Schema.Struct({
  self: Url,
  deployments: Url,
  resources: Url,
  routes: Url,
  usage: Url,
  limits: Url,
  analytics: Url,
  logs: Url,
  manifestSchema: Url,
  docs: Url,
}).annotate({ identifier: "RepoLinks" });

/** The public URLs of an app. */
export const RouteSummary = Schema.Struct({
  defaultDomainEnabled: Schema.Boolean,
  defaultUrl: Url,
  primaryUrl: Url,
  customDomains: Strings,
}).annotate({ identifier: "RouteSummary" });

/** A storage resource the platform manages for the app (from the deployment's bindings). */
export const ManagedResourceSummary = Schema.Struct({
  kind: Schema.Literals(["kv", "r2", "d1"]),
  binding: Schema.String,
  name: Schema.String,
  id: Schema.String,
}).annotate({ identifier: "ManagedResourceSummary" });

const AllowList = Schema.Struct({ binding: Schema.String, allow: Strings });

/** What the app's backend is bound to. */
export const ResourceSummary = Schema.Struct({
  bindings: DeploymentBindings.annotate({ identifier: "DeploymentBindings" }),
  managedResources: Schema.Array(ManagedResourceSummary),
  queues: Schema.NullOr(
    Schema.Struct({
      binding: Schema.String,
      allow: Strings,
      queues: Schema.Array(
        Schema.Struct({
          name: Schema.String,
          queueName: Schema.String,
          queueId: Schema.String,
          consumer: Schema.String,
        }),
      ),
    }),
  ),
  schedules: Schema.Array(Schema.Struct({ cron: Schema.String, path: Schema.String })),
  workflows: Schema.NullOr(
    Schema.Struct({
      binding: Schema.String,
      allow: Strings,
      workflows: Schema.Array(Schema.Struct({ name: Schema.String, path: Schema.String })),
    }),
  ),
  rpc: Schema.NullOr(AllowList),
  ai: Schema.NullOr(Schema.Struct({ binding: Schema.String })),
  events: Schema.NullOr(
    Schema.Struct({
      binding: Schema.String,
      publish: Strings,
      subscribe: Schema.Array(
        Schema.Struct({ subject: Schema.String, queue: Schema.String, queueName: Schema.String }),
      ),
      allow: Strings,
    }),
  ),
}).annotate({ identifier: "ResourceSummary" });

/** What the deployment can do. */
export const Capabilities = Schema.Struct({
  deployed: Schema.Boolean,
  staticHosting: Schema.Boolean,
  nativeBackend: Schema.Boolean,
  storageBindings: Schema.Boolean,
  queues: Schema.Boolean,
  schedules: Schema.Boolean,
  workflows: Schema.Boolean,
  /** The app publishes or subscribes to at least one event subject. */
  events: Schema.Boolean,
  rpc: Schema.Boolean,
  ai: Schema.Boolean,
  customDomains: Schema.Boolean,
  readOnlyAgentApi: Schema.Literal(true),
  directMutationApi: Schema.Literal(false),
}).annotate({ identifier: "Capabilities" });

/** The effective repo-scope limits of the app (F.3) and its suspension, if any (F.8). */
export const LimitsSummary = Schema.Struct({
  version: Schema.Literal(1),
  period: Schema.Literal("day"),
  mode: Schema.Literal("enforce"),
  policy: Schema.Record(
    Schema.String,
    Schema.Struct({
      metric: Schema.String,
      dailyUnits: Schema.Finite,
      warningThreshold: Schema.Finite,
      source: Schema.String,
    }),
  ),
  appLimitState: Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown)),
}).annotate({ identifier: "LimitsSummary" });

/** `GET /api/v1/agent/repos/{owner}/{repo}`. */
export const RepoState = Schema.Struct({
  repository: Schema.String,
  owner: Schema.String,
  repo: Schema.String,
  environment: Schema.String,
  deployment: Schema.NullOr(SanitizedDeployment),
  urls: RouteSummary,
  resources: ResourceSummary,
  capabilities: Capabilities,
  observability: Schema.Struct({ usage: Url, limits: Url, analytics: Url, logs: Url }),
  limits: LimitsSummary,
  nextActions: Strings,
  _links: RepoLinks,
}).annotate({
  identifier: "RepoState",
  description: "Consolidated infrastructure state of one environment.",
});
export type RepoState = typeof RepoState.Type;

/** `GET /api/v1/agent/repos/{owner}/{repo}/deployments`. */
export const RepoDeployments = Schema.Struct({
  repository: Schema.String,
  deployments: Schema.Array(SanitizedDeployment),
  _links: RepoLinks,
}).annotate({
  identifier: "RepoDeployments",
  description: "The live deployment of every environment, newest first.",
});

/** `GET /api/v1/agent/repos/{owner}/{repo}/resources`. */
export const RepoResources = Schema.Struct({
  repository: Schema.String,
  environment: Schema.String,
  resources: ResourceSummary,
  _links: RepoLinks,
}).annotate({ identifier: "RepoResources" });

/** `GET /api/v1/agent/repos/{owner}/{repo}/routes`. */
export const RepoRoutes = Schema.Struct({
  repository: Schema.String,
  environment: Schema.String,
  routes: RouteSummary,
  _links: RepoLinks,
}).annotate({ identifier: "RepoRoutes" });

/** `GET /agent.json`, `GET /.well-known/agent.json`. */
export const AgentDiscovery = Schema.Struct({
  schemaVersion: Schema.Literal("1.0"),
  name: Schema.String,
  description: Schema.String,
  url: Url,
  docs: Url,
  contact: Url,
  authentication: Schema.Struct({
    type: Schema.Literal("github_oidc"),
    audience: Strings,
    header: Schema.String,
    requiredRepositoryScope: Schema.Boolean,
  }),
  capabilities: Schema.Struct({
    mode: Schema.Literal("read-only"),
    actions: Strings,
    mutationApi: Schema.Literal(false),
  }),
  api: Schema.Struct({
    openapi: Url,
    manifestSchema: Url,
    repoStateTemplate: Schema.String,
    deploymentsTemplate: Schema.String,
    resourcesTemplate: Schema.String,
    routesTemplate: Schema.String,
  }),
  links: Schema.Struct({ docs: Url, agentDocs: Url, llms: Url, github: Url }),
}).annotate({ identifier: "AgentDiscovery" });
export type AgentDiscovery = typeof AgentDiscovery.Type;

/** A JSON document described elsewhere (the OpenAPI document itself, the manifest JSON Schema). */
export const JsonDocument = Schema.Record(Schema.String, Schema.Unknown).annotate({
  identifier: "JsonDocument",
});

/** One entry of the deployment history. */
export const HistoryEntry = Schema.Struct({
  deploymentId: Schema.String,
  current: Schema.Boolean.annotate({ description: "This deployment is the one serving now." }),
  deployment: SanitizedDeployment,
}).annotate({ identifier: "HistoryEntry" });

/** `GET /api/v1/deployments/{owner}/{repo}`. */
export const DeploymentHistory = Schema.Struct({
  repository: Schema.String,
  environment: Schema.String,
  retained: Schema.Finite.annotate({ description: "How many deployments this server keeps per app." }),
  deployments: Schema.Array(HistoryEntry),
}).annotate({ identifier: "DeploymentHistory", description: "Retained deployments, newest first." });
export type DeploymentHistory = typeof DeploymentHistory.Type;

/** The body of `POST /api/v1/deployments/{owner}/{repo}/rollback`: a deployment id, or how far back to go. */
export const RollbackRequest = Schema.Union([
  Schema.Struct({ deploymentId: Schema.String }),
  Schema.Struct({ steps: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)) }),
]).annotate({ identifier: "RollbackRequest" });
export type RollbackRequest = typeof RollbackRequest.Type;

/** The answer of a rollback: the deployment now live, and the custom-domain outcome as a deploy reports it. */
export const RollbackResult = Schema.Struct({
  deploymentId: Schema.String,
  rolledBackFrom: Schema.String,
  url: Url,
  deployment: Schema.Record(Schema.String, Schema.Unknown),
  customDomains: Schema.optionalKey(Strings),
  customDomainWarnings: Schema.optionalKey(Schema.Array(Schema.Record(Schema.String, Schema.Unknown))),
  blockedCustomDomains: Schema.optionalKey(Schema.Array(Schema.Record(Schema.String, Schema.Unknown))),
}).annotate({ identifier: "RollbackResult" });
export type RollbackResult = typeof RollbackResult.Type;
