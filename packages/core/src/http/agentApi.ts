/**
 * The read-only agent API (I.1): discovery documents anyone may read, and per-repository state for tokens
 * that can read the repository, sanitized (no token hashes, no secret values, no operator credentials).
 * Every answer is built as a type of `apiSchemas` and encoded through that schema.
 */
import { manifestJsonSchema } from "@w7s/manifest";
import { Effect, Result, Schema } from "effect";
import { deploymentUrl } from "../deploy/deployApp.js";
import { errorResponse, errorResponseFromUnknown, successResponse } from "../errors/errorResponse.js";
import { type HttpError, NotFound } from "../errors/httpErrors.js";
import type { PlatformConfig } from "../platformConfig.js";
import { DeploymentStore, type StoredDeployment } from "../ports/DeploymentStore.js";
import type { StoreError } from "../ports/PortErrors.js";
import type { RepoAuth } from "../ports/RepoAuth.js";
import type { DeploymentRecord } from "../ports/records/DeploymentRecord.js";
import type { UsagePolicyStore } from "../ports/UsagePolicyStore.js";
import type { UsageStore } from "../ports/UsageStore.js";
import { activeSuspension, usagePolicies } from "../usage/usageLimits.js";
import {
  AgentDiscovery,
  RepoDeployments,
  RepoResources,
  RepoRoutes,
  RepoState,
  type SanitizedDeployment,
} from "./apiSchemas.js";
import { authorizeRepoRequest, parseRepoTarget, type RepoTarget } from "./repoRequest.js";

/** The services the repository endpoints read. */
export type AgentApiServices = DeploymentStore | RepoAuth | UsageStore | UsagePolicyStore;

export const agentTexts = {
  name: "W7S Cloud Agent API",
  description:
    "Read-only agent-facing API for inspecting W7S deployments, managed infrastructure, routes, usage links, logs, and safe next actions.",
  docs: "https://www.w7s.io/docs/",
  agentDocs: "https://www.w7s.io/docs/agent-api/",
  llms: "https://www.w7s.io/llms.txt",
  github: "https://github.com/w7s-io/w7s-core",
  routeError: "Agent route must be /api/v1/agent/repos/<owner>/<repo>.",
  unknownEndpoint: "Unknown agent endpoint.",
  manifestTitle: "W7S app manifest",
  manifestDescription:
    "Read-only schema of w7s.json. Commit changes to the repository and redeploy to apply infrastructure changes.",
  nextActions: {
    undeployed: [
      "Add a W7S deploy workflow to the repository.",
      "Commit deployable static output or a backend/worker entrypoint.",
      "Redeploy from GitHub Actions with id-token: write.",
    ],
    deployed: [
      "Use w7s.json in the repo to declare or change infrastructure.",
      "Redeploy from GitHub Actions to apply infrastructure changes.",
    ],
    noWorker:
      "Add backend/index.ts or worker/index.ts before declaring queues, schedules, workflows, Durable Objects, or Hyperdrive.",
    noBindings:
      "Add bindings to w7s.json when the app needs KV, R2, D1, Durable Objects, Hyperdrive, AI, vars, or secrets.",
    noCustomDomains: "Add a CNAME file and DNS when the app needs a custom domain.",
  },
} as const;

/** `<scheme>://<base domain>[:port]`, the platform's own origin. */
export const platformOrigin = (config: PlatformConfig): string =>
  `${config.publicScheme}://${config.baseDomain}${config.publicPort === null ? "" : `:${config.publicPort}`}`;

/** The URL of a custom-domain display form (`host` or `host/prefix`) with the operator's scheme and port. */
export const customDomainDisplayUrl = (display: string, config: PlatformConfig): string => {
  const slash = display.indexOf("/");
  const host = slash < 0 ? display : display.slice(0, slash);
  const path = slash < 0 ? "/" : `${display.slice(slash)}/`;
  return `${config.publicScheme}://${host}${config.publicPort === null ? "" : `:${config.publicPort}`}${path}`;
};

const PUBLIC_CACHE = { "cache-control": "public, max-age=300" };

const publicJson = (document: unknown): Response =>
  new Response(JSON.stringify(document), {
    headers: { "content-type": "application/json; charset=utf-8", ...PUBLIC_CACHE },
  });

/** `agent.json` (I.1) for this server. */
export const agentDiscovery = (config: PlatformConfig): AgentDiscovery => {
  const origin = platformOrigin(config);
  const api = (path: string) => `${origin}${path}`;
  return {
    schemaVersion: "1.0",
    name: agentTexts.name,
    description: agentTexts.description,
    url: origin,
    docs: agentTexts.agentDocs,
    contact: agentTexts.github,
    authentication: {
      type: "github_oidc",
      audience: [...config.oidcAudiences],
      header: "Authorization: Bearer <github-actions-oidc-token>",
      requiredRepositoryScope: true,
    },
    capabilities: {
      mode: "read-only",
      actions: [
        "inspect_repository_infrastructure",
        "list_deployments",
        "list_resources",
        "inspect_routes",
        "discover_manifest_schema",
        "link_usage_logs_analytics",
      ],
      mutationApi: false,
    },
    api: {
      openapi: api("/api/v1/agent/openapi.json"),
      manifestSchema: api("/api/v1/agent/manifest-schema"),
      repoStateTemplate: api("/api/v1/agent/repos/{owner}/{repo}"),
      deploymentsTemplate: api("/api/v1/agent/repos/{owner}/{repo}/deployments"),
      resourcesTemplate: api("/api/v1/agent/repos/{owner}/{repo}/resources"),
      routesTemplate: api("/api/v1/agent/repos/{owner}/{repo}/routes"),
    },
    links: {
      docs: agentTexts.docs,
      agentDocs: agentTexts.agentDocs,
      llms: agentTexts.llms,
      github: agentTexts.github,
    },
  };
};

/** The answer to `GET /agent.json` and `GET /.well-known/agent.json`. */
export const agentDiscoveryResponse = (config: PlatformConfig): Response =>
  publicJson(Schema.encodeSync(AgentDiscovery)(agentDiscovery(config)));

/** `GET /api/v1/agent/manifest-schema`: the w7s.json JSON Schema of `@w7s/manifest`, addressed on this server. */
export const agentManifestSchema = (config: PlatformConfig): Record<string, unknown> => {
  const { $schema, ...schema } = manifestJsonSchema();
  return {
    $schema,
    $id: `${platformOrigin(config)}/api/v1/agent/manifest-schema`,
    ...schema,
    title: agentTexts.manifestTitle,
    description: agentTexts.manifestDescription,
    // Unknown keys deploy with a warning (DECISIONS 1), so the document accepts them.
    additionalProperties: true,
    examples: [
      {
        bindings: { kv: ["CACHE"], fs: ["FILES"], db: [{ binding: "DB", migrations: "migrations" }] },
        queues: ["jobs"],
        schedules: [{ cron: "*/5 * * * *", path: "/_w7s/schedules/sync" }],
        workflows: ["process-order"],
        rpc: { allow: ["w7s-io"] },
      },
    ],
  };
};

export const agentManifestSchemaResponse = (config: PlatformConfig): Response =>
  publicJson(agentManifestSchema(config));

/** A.4 for a record: its first custom domain, else its default host URL. */
const primaryUrlOf = (
  record: Pick<DeploymentRecord, "environment" | "orgSlug" | "repoSlug" | "customDomains">,
  config: PlatformConfig,
): string => {
  const first = record.customDomains?.[0];
  return first === undefined ? defaultUrlOf(record, config) : customDomainDisplayUrl(first, config);
};

const defaultUrlOf = (
  record: Pick<DeploymentRecord, "environment" | "orgSlug" | "repoSlug">,
  config: PlatformConfig,
): string =>
  deploymentUrl({ environment: record.environment, owner: record.orgSlug, repo: record.repoSlug }, config);

/** A record as agents and the history see it: no token hashes, no binding ids. */
export const sanitizeDeployment = (record: DeploymentRecord, config: PlatformConfig): SanitizedDeployment => {
  const { static: site, worker } = record.targets;
  return {
    version: record.version,
    repository: record.repository,
    owner: record.orgSlug,
    repo: record.repoSlug,
    environment: record.environment,
    branch: record.branch,
    commitSha: record.commitSha,
    deployedAt: record.deployedAt,
    url: primaryUrlOf(record, config),
    routing: {
      defaultDomain: record.routing?.defaultDomain ?? true,
      customDomains: [...(record.customDomains ?? [])],
    },
    targets: {
      ...(site === undefined
        ? {}
        : {
            static: {
              fileCount: site.fileCount,
              totalSize: site.totalSize,
              hasIndex: site.hasIndex,
              assetPrefix: site.assetPrefix,
            },
          }),
      ...(worker === undefined
        ? {}
        : {
            worker: {
              namespace: worker.namespace,
              scriptName: worker.scriptName,
              entrypoint: worker.entrypoint,
              compatibilityDate: worker.compatibilityDate,
              startupTimeMs: worker.startupTimeMs,
              tags: [...(worker.tags ?? [])],
            },
          }),
    },
  };
};

const linksFor = (target: RepoTarget, config: PlatformConfig) => {
  const origin = platformOrigin(config);
  const owner = encodeURIComponent(target.owner);
  const repo = encodeURIComponent(target.repo);
  const environment = `?environment=${encodeURIComponent(target.environment)}`;
  const base = `${origin}/api/v1/agent/repos/${owner}/${repo}`;
  return {
    self: `${base}${environment}`,
    deployments: `${base}/deployments`,
    resources: `${base}/resources${environment}`,
    routes: `${base}/routes${environment}`,
    usage: `${origin}/api/v1/usage/${owner}/${repo}${environment}`,
    limits: `${origin}/api/v1/limits/${owner}/${repo}${environment}`,
    analytics: `${origin}/api/v1/analytics/${owner}/${repo}${environment}`,
    logs: `${origin}/api/v1/logs/${owner}/${repo}${environment}`,
    manifestSchema: `${origin}/api/v1/agent/manifest-schema`,
    docs: agentTexts.agentDocs,
  };
};

const resourcesOf = (record: DeploymentRecord | undefined) => {
  const bindings = record?.bindings ?? {};
  return {
    bindings,
    managedResources: [
      ...(bindings.kv ?? []).map((kv) => ({
        kind: "kv" as const,
        binding: kv.binding,
        name: kv.name,
        id: kv.namespaceId,
      })),
      ...(bindings.r2 ?? []).map((r2) => ({
        kind: "r2" as const,
        binding: r2.binding,
        name: r2.bucketName,
        id: r2.bucketName,
      })),
      ...(bindings.d1 ?? []).map((d1) => ({
        kind: "d1" as const,
        binding: d1.binding,
        name: d1.name,
        id: d1.databaseId,
      })),
    ],
    queues:
      record?.queue === undefined
        ? null
        : { binding: record.queue.binding, allow: [...record.queue.allow], queues: [...record.queue.queues] },
    schedules: [...(record?.schedules ?? [])],
    workflows:
      record?.workflow === undefined
        ? null
        : {
            binding: record.workflow.binding,
            allow: [...record.workflow.allow],
            workflows: [...record.workflow.workflows],
          },
    rpc: record?.rpc === undefined ? null : { binding: record.rpc.binding, allow: [...record.rpc.allow] },
    ai: record?.ai === undefined ? null : { binding: record.ai.binding },
    events:
      record?.events === undefined
        ? null
        : {
            binding: record.events.binding,
            publish: [...record.events.publish],
            subscribe: [...record.events.subscribe],
            allow: [...record.events.allow],
          },
  };
};

const routesOf = (target: RepoTarget, record: DeploymentRecord | undefined, config: PlatformConfig) => {
  const app = record ?? {
    environment: target.environment,
    orgSlug: target.orgSlug,
    repoSlug: target.repoSlug,
  };
  return {
    defaultDomainEnabled: record?.routing?.defaultDomain ?? true,
    defaultUrl: defaultUrlOf(app, config),
    primaryUrl: primaryUrlOf(app, config),
    customDomains: [...(record?.customDomains ?? [])],
  };
};

const nextActionsFor = (record: DeploymentRecord | undefined): string[] => {
  const { nextActions } = agentTexts;
  if (record === undefined) return [...nextActions.undeployed];
  const actions: string[] = [...nextActions.deployed];
  if (record.targets.worker === undefined) actions.push(nextActions.noWorker);
  if (record.bindings === undefined) actions.push(nextActions.noBindings);
  if ((record.customDomains ?? []).length === 0) actions.push(nextActions.noCustomDomains);
  return actions;
};

const repoState = (target: RepoTarget, stored: StoredDeployment | undefined, config: PlatformConfig) =>
  Effect.gen(function* () {
    const record = stored?.record;
    const policies = yield* usagePolicies(target.app);
    const suspension = yield* activeSuspension(target.app);
    const links = linksFor(target, config);
    const state: RepoState = {
      repository: `${target.orgSlug}/${target.repoSlug}`,
      owner: target.orgSlug,
      repo: target.repoSlug,
      environment: target.environment,
      deployment: record === undefined ? null : sanitizeDeployment(record, config),
      urls: routesOf(target, record, config),
      resources: resourcesOf(record),
      capabilities: {
        deployed: record !== undefined,
        staticHosting: record?.targets.static !== undefined,
        nativeBackend: record?.targets.worker !== undefined,
        storageBindings: record?.bindings !== undefined && Object.keys(record.bindings).length > 0,
        queues: (record?.queue?.queues.length ?? 0) > 0,
        schedules: (record?.schedules?.length ?? 0) > 0,
        workflows: (record?.workflow?.workflows.length ?? 0) > 0,
        events: (record?.events?.publish.length ?? 0) + (record?.events?.subscribe.length ?? 0) > 0,
        rpc: record?.rpc !== undefined,
        ai: record?.ai !== undefined,
        customDomains: (record?.customDomains?.length ?? 0) > 0,
        readOnlyAgentApi: true,
        directMutationApi: false,
      },
      observability: {
        usage: links.usage,
        limits: links.limits,
        analytics: links.analytics,
        logs: links.logs,
      },
      limits: {
        version: 1,
        period: "day",
        mode: "enforce",
        policy: policies.repo,
        appLimitState: (suspension ?? null) as Record<string, unknown> | null,
      },
      nextActions: nextActionsFor(record),
      _links: links,
    };
    return Schema.encodeSync(RepoState)(state);
  });

const byNewest = (a: StoredDeployment, b: StoredDeployment) =>
  b.record.deployedAt.localeCompare(a.record.deployedAt);

const repoAnswer = (request: Request, config: PlatformConfig) =>
  Effect.gen(function* () {
    const target = yield* Result.match(
      parseRepoTarget(request, ["api", "v1", "agent", "repos"], agentTexts.routeError),
      {
        onSuccess: Effect.succeed,
        onFailure: Effect.fail,
      },
    );
    yield* authorizeRepoRequest(request, target, "read");
    const store = yield* DeploymentStore;
    const current = () =>
      Effect.map(store.current(target.app), (found) => (found._tag === "Some" ? found.value : undefined));
    const repository = `${target.orgSlug}/${target.repoSlug}`;
    const tail = target.tail.join("/");
    switch (tail) {
      case "":
        return yield* repoState(target, yield* current(), config);
      case "deployments": {
        const live = yield* store.repoDeployments({ orgSlug: target.orgSlug, repoSlug: target.repoSlug });
        return Schema.encodeSync(RepoDeployments)({
          repository,
          deployments: [...live].sort(byNewest).map(({ record }) => sanitizeDeployment(record, config)),
          _links: linksFor(target, config),
        });
      }
      case "resources":
        return Schema.encodeSync(RepoResources)({
          repository,
          environment: target.environment,
          resources: resourcesOf((yield* current())?.record),
          _links: linksFor(target, config),
        });
      case "routes":
        return Schema.encodeSync(RepoRoutes)({
          repository,
          environment: target.environment,
          routes: routesOf(target, (yield* current())?.record, config),
          _links: linksFor(target, config),
        });
      default:
        return yield* Effect.fail(new NotFound({ message: agentTexts.unknownEndpoint }));
    }
  });

/** `GET /api/v1/agent/repos/<owner>/<repo>[/deployments|/resources|/routes]`, answered in the success envelope. */
export const agentRepoApi = (
  request: Request,
  config: PlatformConfig,
): Effect.Effect<Response, never, AgentApiServices> =>
  repoAnswer(request, config).pipe(
    Effect.map((data) => successResponse(data)),
    Effect.catch((error: HttpError | StoreError) =>
      Effect.succeed(error._tag === "StoreError" ? errorResponseFromUnknown(error) : errorResponse(error)),
    ),
    Effect.catchDefect((defect) => Effect.succeed(errorResponseFromUnknown(defect))),
    Effect.map((answer) => new Response(answer.body, { status: answer.status, headers: answer.headers })),
  );
