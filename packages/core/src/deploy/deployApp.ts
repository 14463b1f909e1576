/**
 * `POST /api/v1/deploy` (spec B.1-B.15, DECISIONS 2-6), written once over the ports. The checks run in the
 * order of B.2; nothing becomes visible until `switchDeployment`, and a failure after publishing removes
 * what this deploy published, so the previous deployment keeps serving.
 */
import {
  assetPrefix as assetPrefixName,
  managedQueueName,
  publicUrl,
  scheduleId,
  scriptName,
  scriptTags,
  staticManifestKey as staticManifestKeyName,
} from "@w7s/env-naming";
import { type Manifest, parseManifest, shapeCapViolations } from "@w7s/manifest";
import { Effect, Result } from "effect";
import { analyticsAppFields, recordAnalytics } from "../analytics/recordAnalytics.js";
import {
  errorResponse,
  errorResponseFromUnknown,
  type JsonResponse,
  successResponse,
} from "../errors/errorResponse.js";
import {
  BadGateway,
  BadRequest,
  Forbidden,
  type HttpError,
  Internal,
  Unauthorized,
} from "../errors/httpErrors.js";
import { type DeployNotice, notifyDeploy } from "../notifications/notify.js";
import { subscriptionMappings } from "../platform/events.js";
import type { PlatformConfig } from "../platformConfig.js";
import { AssetStore } from "../ports/AssetStore.js";
import { BackendRuntime, type RuntimeBinding } from "../ports/BackendRuntime.js";
import { DeploymentStore } from "../ports/DeploymentStore.js";
import type { DomainVerifier } from "../ports/DomainVerifier.js";
import { Ids } from "../ports/Ids.js";
import type { NotificationStore } from "../ports/NotificationStore.js";
import type { RuntimeError, StoreError, UpstreamError } from "../ports/PortErrors.js";
import { Provisioner } from "../ports/Provisioner.js";
import { RepoAuth } from "../ports/RepoAuth.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type {
  BindingTokenEntry,
  BindingTokenKind,
  QueueMapping,
  ScheduleMapping,
} from "../ports/records/DeploymentIndexes.js";
import type { DeploymentRecord } from "../ports/records/DeploymentRecord.js";
import type { StaticManifest, StaticManifestEntry } from "../ports/records/StaticManifest.js";
import type { SchedulerLock } from "../ports/SchedulerLock.js";
import type { UsagePolicyStore } from "../ports/UsagePolicyStore.js";
import type { UsageStore } from "../ports/UsageStore.js";
import { enforceNotSuspended, enforceUsageLimit, recordUsage } from "../usage/usageLimits.js";
import { activateBackend } from "./activateBackends.js";
import { resolveApplicationIdentity } from "./applicationIdentity.js";
import { defaultArchiveLimits, makeArchiveBudget } from "./archiveBudget.js";
import { type ArchiveFiles, readBodyWithinBudget, readDeployArchiveInTurns } from "./archiveReader.js";
import { BINDING_TOKEN_KINDS, type BindingToken, issueBindingTokens } from "./bindingTokens.js";
import { contentTypeFor } from "./contentType.js";
import { type CustomDomainRouteSpec, customDomainRoutes } from "./customDomains.js";
import { type DomainClaimPlan, planDomainClaims } from "./domainClaims.js";
import {
  type DeployLayout,
  detectLayout,
  noPublishableFilesMessage,
  staticRootOf,
  staticRouteFiles,
} from "./layout.js";
import { collectBackendModules } from "./moduleGraph.js";
import { type DeployRequest, deployRequestPreflight } from "./preflight.js";
import { decodeRuntimeValues } from "./runtimeValues.js";
import { applyMigrations, type ProvisionedStorage, provisionStorage } from "./storageBindings.js";

/** The services a deploy uses. */
export type DeployServices =
  | RepoAuth
  | DeploymentStore
  | AssetStore
  | BackendRuntime
  | Provisioner
  | UsageStore
  | UsagePolicyStore
  | DomainVerifier
  | Ids
  | NotificationStore
  | SchedulerLock;

/** The exact texts of deploy failures that are not archive, layout or manifest checks. */
export const deployMessages = {
  notAuthorized: "Bearer token is not authorized for this GitHub repository.",
  oidcBranchMismatch: (branch: string, tokenBranch: string | undefined) =>
    tokenBranch === undefined
      ? `The OIDC token was not issued for a branch, so it cannot deploy branch ${branch}.`
      : `x-github-branch ${branch} does not match the branch ${tokenBranch} the OIDC token was issued for.`,
  authorityUnavailable: (detail: string) => `Could not verify repository access with GitHub: ${detail}`,
  backendOnly: {
    queues: "Queues require a native backend deployment.",
    schedules: "Schedules require a native backend deployment.",
    workflows: "Workflows require a native backend deployment.",
    durableObjects: "Durable Objects require a native backend deployment.",
    hyperdrive: "Hyperdrive bindings require a native backend deployment.",
    email: "Email bindings require a native backend deployment.",
  },
  shapeLimits: "Deploy exceeds W7S free-tier shape limits.",
  defaultDomainWithoutCname: "routing.defaultDomain=false requires at least one hostname in a CNAME file.",
  defaultDomainWithoutAttached: "routing.defaultDomain=false requires an attached custom domain.",
  backendRejected: (detail: string) => `The backend failed to load: ${detail}`,
} as const;

const decoder = new TextDecoder();

const fromResult = <A, E>(result: Result.Result<A, E>): Effect.Effect<A, E> =>
  Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure);

const storeFailure = (error: StoreError | RuntimeError): Internal => new Internal({ message: error.message });

const toResponse = (answer: JsonResponse): Response =>
  new Response(answer.body, { status: answer.status, headers: answer.headers });

/** Row 7: the token must prove the right to deploy; an OIDC token also fixes the branch (DECISIONS 3). */
const authorize = (request: DeployRequest) =>
  Effect.gen(function* () {
    const auth = yield* RepoAuth;
    const access = yield* auth
      .verify({ token: request.token, owner: request.owner, repo: request.repo, access: "deploy" })
      .pipe(
        Effect.mapError(
          (error: UpstreamError) =>
            new BadGateway({
              message: deployMessages.authorityUnavailable(error.description ?? error.reason),
            }),
        ),
      );
    if (!access.granted)
      return yield* Effect.fail(new Unauthorized({ message: deployMessages.notAuthorized }));
    if (access.proof === "oidc" && access.branch !== request.branch) {
      return yield* Effect.fail(
        new Forbidden({ message: deployMessages.oidcBranchMismatch(request.branch, access.branch) }),
      );
    }
  });

/** Row 8: the archive (caps checked while reading), `w7s.json` and the runtime values headers. */
const readDeployInput = (request: Request) =>
  Effect.gen(function* () {
    const budget = makeArchiveBudget(defaultArchiveLimits);
    const declared = request.headers.get("content-length");
    const body = yield* Effect.promise(() =>
      readBodyWithinBudget(request.body, budget, declared === null ? undefined : Number(declared)),
    ).pipe(Effect.flatMap(fromResult));
    const archive = yield* readDeployArchiveInTurns(body, defaultArchiveLimits, budget);
    const manifestBytes = archive.files.get("w7s.json");
    const parsed = parseManifest(manifestBytes === undefined ? undefined : decoder.decode(manifestBytes));
    if (Result.isFailure(parsed)) {
      const { message, issues } = parsed.failure;
      return yield* Effect.fail(new BadRequest({ message, details: { issues } }));
    }
    const vars = yield* fromResult(decodeRuntimeValues("x-w7s-vars", request.headers.get("x-w7s-vars")));
    const secrets = yield* fromResult(
      decodeRuntimeValues("x-w7s-secrets", request.headers.get("x-w7s-secrets")),
    );
    return {
      archive,
      manifest: parsed.success.manifest,
      manifestWarnings: parsed.success.warnings,
      vars,
      secrets,
    };
  });

/** Rows 15-16: features a static-only deploy cannot have, in the reference's order. */
const checkStaticOnlyFeatures = (
  manifest: Manifest,
  layout: DeployLayout,
): Result.Result<void, BadRequest> => {
  if (layout._tag === "Fullstack" || layout._tag === "Backend") return Result.void;
  const { backendOnly } = deployMessages;
  const declared: Array<[boolean, string]> = [
    [manifest.queues.length > 0, backendOnly.queues],
    [manifest.schedules.length > 0, backendOnly.schedules],
    [manifest.workflows.length > 0, backendOnly.workflows],
    [manifest.bindings.durableObjects.length > 0, backendOnly.durableObjects],
    [manifest.bindings.hyperdrive.length > 0, backendOnly.hyperdrive],
    [manifest.bindings.email.length > 0, backendOnly.email],
  ];
  const first = declared.find(([present]) => present);
  return first === undefined ? Result.void : Result.fail(new BadRequest({ message: first[1] }));
};

/** Row 15: a deploy served only on custom domains must name at least one. */
const checkDefaultDomain = (
  manifest: Manifest,
  routes: readonly CustomDomainRouteSpec[],
): Result.Result<void, BadRequest> =>
  manifest.routing.defaultDomain || routes.length > 0
    ? Result.void
    : Result.fail(new BadRequest({ message: deployMessages.defaultDomainWithoutCname }));

/** Row 19: nothing attached, so a deploy served only on custom domains would be unreachable. */
const checkAttachedDomain = (manifest: Manifest, plan: DomainClaimPlan): Result.Result<void, BadRequest> =>
  manifest.routing.defaultDomain || plan.attached.length > 0
    ? Result.void
    : Result.fail(
        new BadRequest({
          message: deployMessages.defaultDomainWithoutAttached,
          details: { blockedCustomDomains: plan.blocked },
        }),
      );

/** The record with `customDomains` in its B.12 place (after `deployedAt`), when any route attached. */
export const withCustomDomains = (
  record: DeploymentRecord,
  displays: readonly string[],
): DeploymentRecord => {
  const { customDomains: _previous, ...rest } = record;
  if (displays.length === 0) return rest;
  const ordered: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    ordered[key] = value;
    if (key === "deployedAt") ordered["customDomains"] = [...displays];
  }
  return ordered as DeploymentRecord;
};

/** A.4: the first attached custom domain when there is one (display form, with the operator's scheme and port). */
export const customDomainUrl = (route: CustomDomainRouteSpec, config: PlatformConfig): string => {
  const port = config.publicPort === null ? "" : `:${config.publicPort}`;
  const path = route.pathPrefix === "/" ? "/" : `${route.pathPrefix}/`;
  return `${config.publicScheme}://${route.hostname}${port}${path}`;
};

/** Row 17 (B.5): every violated cap at once, unless the owner is exempt. */
const checkShapeCaps = (
  input: {
    archive: ArchiveFiles;
    manifest: Manifest;
    layout: DeployLayout;
    ownerSlug: string;
    customDomainRoutes: number;
  },
  config: PlatformConfig,
): Result.Result<void, BadRequest> => {
  if (config.limitExemptOwners.includes(input.ownerSlug)) return Result.void;
  const root = staticRootOf(input.layout);
  const sized = (path: string) => ({ path, size: input.archive.files.get(path)?.length ?? 0 });
  const archivePaths = [...input.archive.files.keys()];
  const limits = shapeCapViolations({
    zipBytes: input.archive.zipBytes,
    uncompressedBytes: input.archive.expandedBytes,
    manifest: input.manifest,
    customDomainRoutes: input.customDomainRoutes,
    staticFiles:
      root === undefined ? [] : archivePaths.filter((path) => path.startsWith(root.prefix)).map(sized),
    migrations: input.manifest.bindings.db.flatMap((db) =>
      db.migrations === undefined
        ? []
        : [
            {
              binding: db.binding,
              files: archivePaths
                .filter((path) => path.startsWith(`${db.migrations}/`) && path.endsWith(".sql"))
                .map(sized),
            },
          ],
    ),
  });
  return limits.length === 0
    ? Result.void
    : Result.fail(new BadRequest({ message: deployMessages.shapeLimits, details: { limits } }));
};

const sha256Hex = async (bytes: Uint8Array): Promise<string> => {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
};

/** Where the public URL of a deployment points, with the operator's scheme and port (A.4). */
export const deploymentUrl = (
  input: { environment: string; owner: string; repo: string },
  config: PlatformConfig,
): string => {
  const url = new URL(publicUrl({ ...input, baseDomain: config.baseDomain }));
  const port = config.publicPort === null ? "" : `:${config.publicPort}`;
  return `${config.publicScheme}://${url.hostname}${port}${url.pathname}`;
};

interface Published {
  readonly objectKeys: string[];
  manifestKey: string | null;
  backendId: string | null;
}

/** B.11: static files and their manifest, under a prefix unique to this deployment. */
const publishStatic = (
  input: {
    archive: ArchiveFiles;
    layout: DeployLayout;
    app: AppRef;
    sha: string;
    deploymentId: string;
    deployedAt: string;
  },
  published: Published,
) =>
  Effect.gen(function* () {
    const root = staticRootOf(input.layout);
    if (root === undefined) return undefined;
    const assets = yield* AssetStore;
    const routes = staticRouteFiles(input.layout, input.archive.files.keys());
    if (routes.size === 0)
      return yield* Effect.fail(new Internal({ message: noPublishableFilesMessage(root) }));
    // The deployment id keeps a redeploy of the same commit away from the live deployment's objects.
    const prefix = `${assetPrefixFor(input.app, input.sha)}/${input.deploymentId}`;
    const files: Record<string, StaticManifestEntry> = {};
    let totalSize = 0;
    yield* Effect.forEach(
      [...routes],
      ([routePath, archivePath]) =>
        Effect.gen(function* () {
          const bytes = input.archive.files.get(archivePath)!;
          const etag = yield* Effect.promise(() => sha256Hex(bytes));
          const contentType = contentTypeFor(routePath);
          const key = `${prefix}/${routePath}`;
          published.objectKeys.push(key);
          yield* assets.putObject(key, bytes, { contentType, etag });
          files[routePath] = { path: archivePath, r2Key: key, contentType, size: bytes.length, etag };
          totalSize += bytes.length;
        }),
      { concurrency: 16, discard: true },
    );
    const manifestKey = staticManifestKeyFor(input.app, prefix);
    const manifest: StaticManifest = {
      version: 1,
      orgSlug: input.app.orgSlug,
      repoSlug: input.app.repoSlug,
      environment: input.app.environment,
      assetPrefix: prefix,
      deployedAt: input.deployedAt,
      files,
      hasIndex: root.hasIndex,
    };
    yield* assets.putManifest(manifestKey, manifest);
    published.manifestKey = manifestKey;
    return { manifestKey, assetPrefix: prefix, fileCount: routes.size, totalSize, hasIndex: root.hasIndex };
  });

const assetPrefixFor = (app: AppRef, sha: string): string =>
  assetPrefixName({ environment: app.environment, owner: app.orgSlug, repo: app.repoSlug, commitSha: sha });

const staticManifestKeyFor = (app: AppRef, prefix: string): string =>
  staticManifestKeyName({
    environment: app.environment,
    owner: app.orgSlug,
    repo: app.repoSlug,
    assetPrefix: prefix,
  });

/** A `deploymentWarnings` entry for a declared feature this platform does not provide yet. */
export interface FeatureNotProvidedWarning {
  readonly code: "feature_not_provided";
  readonly target: string;
  readonly message: string;
}

/**
 * Email bindings and native queue producer bindings (`queues[].binding`) are not provided by this platform
 * yet; a deploy that declares them still succeeds, and says plainly what its backend will not get (queues
 * themselves work: send through `W7S_QUEUE`).
 */
export const unprovidedFeatureWarnings = (manifest: Manifest): FeatureNotProvidedWarning[] => {
  const { bindings } = manifest;
  const declared: Array<[string, readonly string[]]> = [
    ["bindings.email", bindings.email.map((binding) => binding.binding)],
    [
      "queues[].binding",
      manifest.queues.flatMap((queue) => (queue.binding === undefined ? [] : [queue.binding])),
    ],
  ];
  return declared
    .filter(([, names]) => names.length > 0)
    .map(([target, names]) => ({
      code: "feature_not_provided" as const,
      target,
      message: `${target} (${names.join(", ")}) is declared, but this W7S server does not provide it yet; the backend was deployed without it.`,
    }));
};

/** E.1: the bindings of a native backend, in upload order. */
const runtimeBindings = (input: {
  vars: Readonly<Record<string, string>>;
  secrets: Readonly<Record<string, string>>;
  manifest: Manifest;
  app: AppRef;
  request: DeployRequest;
  application: string;
  deployedAt: string;
  tokens: ReadonlyMap<BindingTokenKind, BindingToken>;
  storage: ProvisionedStorage;
}): { bindings: RuntimeBinding[]; varNames: string[]; secretNames: string[] } => {
  const bindings: RuntimeBinding[] = [];
  const boundNames = (declared: readonly string[], values: Readonly<Record<string, string>>) =>
    [...new Set([...declared, ...Object.keys(values)])].filter((name) => Object.hasOwn(values, name));
  const varNames = boundNames(input.manifest.vars, input.vars);
  const secretNames = boundNames(input.manifest.secrets, input.secrets);
  for (const name of varNames) bindings.push({ type: "plain_text", name, text: input.vars[name]! });
  for (const name of secretNames) bindings.push({ type: "secret_text", name, text: input.secrets[name]! });
  bindings.push(...input.storage.bindings);
  const text = (name: string, value: string) => bindings.push({ type: "plain_text", name, text: value });
  const token = (kind: BindingTokenKind) => input.tokens.get(kind)!.token;

  bindings.push({ type: "platform_service", name: "W7S_RPC", service: "rpc" });
  bindings.push({ type: "secret_text", name: "W7S_RPC_TOKEN", text: token("rpc") });
  text("W7S_OWNER", input.app.orgSlug);
  text("W7S_REPO", input.app.repoSlug);
  text("W7S_REPOSITORY", `${input.app.orgSlug}/${input.app.repoSlug}`);
  text("W7S_ENVIRONMENT", input.app.environment);
  text("W7S_SOURCE_REPOSITORY", input.request.repository);
  text("W7S_APPLICATION", input.application);
  text("W7S_BRANCH", input.request.branch);
  text("W7S_COMMIT_HASH", input.request.sha);
  text("W7S_DEPLOYED_AT", input.deployedAt);
  text("GIT_BRANCH", input.request.branch);
  text("GIT_COMMIT_HASH", input.request.sha);
  text("DEPLOYED_AT", input.deployedAt);
  bindings.push({ type: "platform_service", name: "W7S_QUEUE", service: "queue" });
  bindings.push({ type: "secret_text", name: "W7S_QUEUE_TOKEN", text: token("queue") });
  bindings.push({ type: "platform_service", name: "W7S_WORKFLOW", service: "workflow" });
  bindings.push({ type: "secret_text", name: "W7S_WORKFLOW_TOKEN", text: token("workflow") });
  bindings.push({ type: "platform_service", name: "W7S_AI", service: "ai" });
  bindings.push({ type: "secret_text", name: "W7S_AI_TOKEN", text: token("ai") });
  bindings.push({ type: "platform_service", name: "W7S_EVENTS", service: "events" });
  bindings.push({ type: "secret_text", name: "W7S_EVENTS_TOKEN", text: token("events") });
  return { bindings, varNames, secretNames };
};

/** E.4: each declared queue, created once per app and queue (remembered as a `queue` resource), and its mapping. */
const provisionQueues = (manifest: Manifest, app: AppRef) =>
  Effect.gen(function* () {
    const provisioner = yield* Provisioner;
    return yield* Effect.forEach(manifest.queues, (queue) =>
      provisioner
        .ensureResource({
          app,
          kind: "queue",
          binding: queue.name,
          name: managedQueueName({
            environment: app.environment,
            owner: app.orgSlug,
            repo: app.repoSlug,
            queue: queue.name,
          }),
        })
        .pipe(
          Effect.map((resource) => ({
            name: queue.name,
            queueName: resource.name,
            queueId: resource.id,
            consumer: queue.consumer,
          })),
          Effect.mapError(
            (error) =>
              new Internal({
                message: `Could not provision queue ${queue.name}: ${error.description ?? error.reason}`,
              }),
          ),
        ),
    );
  });

/** Rows 10-11: the `deploy` daily and burst limits, then the app's suspension (billing, row 12, is off). */
const checkDeployAllowance = (app: AppRef, config: PlatformConfig) =>
  Effect.gen(function* () {
    yield* enforceUsageLimit({ metric: "deploy", app }, config);
    yield* enforceNotSuspended(app);
  });

/** Removes what a failed deploy published; failures here are ignored so the original error is answered. */
const discardPublished = (published: Published) =>
  Effect.gen(function* () {
    const assets = yield* AssetStore;
    const runtime = yield* BackendRuntime;
    if (published.backendId !== null) yield* Effect.ignore(runtime.retire(published.backendId));
    if (published.manifestKey !== null) yield* Effect.ignore(assets.deleteManifest(published.manifestKey));
    if (published.objectKeys.length > 0) yield* Effect.ignore(assets.deleteObjects(published.objectKeys));
  });

/** Row 20: the atomic switch, retried on a concurrent deploy (last writer wins). */
const switchWithRetry = (
  change: Omit<Parameters<DeploymentStore["Service"]["switchDeployment"]>[0], "replaces">,
) =>
  Effect.gen(function* () {
    const store = yield* DeploymentStore;
    for (let attempt = 1; ; attempt += 1) {
      const current = yield* store.current(change.app);
      const replaces = current._tag === "Some" ? current.value.deploymentId : null;
      const switched = yield* Effect.result(store.switchDeployment({ ...change, replaces }));
      if (Result.isSuccess(switched)) return current;
      if (switched.failure.reason !== "Conflict" || attempt >= 3) return yield* Effect.fail(switched.failure);
    }
  });

/** A record as answers show it: binding token hashes never leave the platform (B.13). */
export const publicRecord = (record: DeploymentRecord) => {
  const { ai, rpc, queue, workflow, events, ...rest } = record;
  return {
    ...rest,
    ...(ai === undefined ? {} : { ai: { binding: ai.binding } }),
    ...(rpc === undefined ? {} : { rpc: { binding: rpc.binding, allow: rpc.allow } }),
    ...(queue === undefined
      ? {}
      : { queue: { binding: queue.binding, allow: queue.allow, queues: queue.queues } }),
    ...(workflow === undefined
      ? {}
      : { workflow: { binding: workflow.binding, allow: workflow.allow, workflows: workflow.workflows } }),
    ...(events === undefined
      ? {}
      : {
          events: {
            binding: events.binding,
            publish: events.publish,
            subscribe: events.subscribe,
            allow: events.allow,
          },
        }),
  };
};

/** How far a deploy got, for the notification about it: the checked request, and whether the token was accepted. */
interface DeployProgress {
  request?: DeployRequest;
  authorized: boolean;
  app?: AppRef;
}

const deploy = (request: Request, config: PlatformConfig, progress: DeployProgress) =>
  Effect.gen(function* () {
    const url = new URL(request.url);
    const deployRequest = yield* fromResult(
      deployRequestPreflight({ headers: request.headers, query: url.searchParams }),
    );
    progress.request = deployRequest;
    yield* authorize(deployRequest);
    progress.authorized = true;
    const { archive, manifest, manifestWarnings, vars, secrets } = yield* readDeployInput(request);
    const identity = yield* fromResult(
      resolveApplicationIdentity({
        manifestName: manifest.name,
        applicationHeader: deployRequest.applicationHeader,
        repoSlug: deployRequest.repoSlug,
      }),
    );
    const app: AppRef = {
      environment: deployRequest.environment,
      orgSlug: deployRequest.ownerSlug,
      repoSlug: identity.repoSlug,
    };
    progress.app = app;
    yield* checkDeployAllowance(app, config);
    const layout = yield* fromResult(detectLayout([...archive.files.keys()]));
    const domainRoutes = yield* fromResult(
      customDomainRoutes({
        files: archive.files,
        branch: deployRequest.branch,
        direct: manifest.routing.customDomainBranchMode === "direct",
      }),
    );
    yield* fromResult(checkDefaultDomain(manifest, domainRoutes));
    yield* fromResult(checkStaticOnlyFeatures(manifest, layout));
    yield* fromResult(
      checkShapeCaps(
        { archive, manifest, layout, ownerSlug: app.orgSlug, customDomainRoutes: domainRoutes.length },
        config,
      ),
    );

    const backend = layout._tag === "Fullstack" || layout._tag === "Backend" ? layout.backend : undefined;
    const modules =
      backend === undefined ? undefined : yield* fromResult(collectBackendModules(archive.files, backend));

    const ids = yield* Ids;
    const deploymentId = yield* ids.randomUuid();
    const deployedAt = new Date(yield* Effect.clockWith((clock) => clock.currentTimeMillis)).toISOString();
    const published: Published = { objectKeys: [], manifestKey: null, backendId: null };
    // Static-only deploys get no storage: declaring it there is allowed and ignored (B.2).
    const storage = backend === undefined ? undefined : yield* provisionStorage(manifest, app);

    const publishAndSwitch = Effect.gen(function* () {
      const staticTarget = yield* publishStatic(
        { archive, layout, app, sha: deployRequest.sha, deploymentId, deployedAt },
        published,
      );

      let record: DeploymentRecord;
      let tokenEntries: BindingTokenEntry[] = [];
      let schedules: ScheduleMapping[] = [];
      let queueMappings: QueueMapping[] = [];
      const base = {
        version: 1 as const,
        orgSlug: app.orgSlug,
        repoSlug: app.repoSlug,
        sourceRepoSlug: identity.sourceRepoSlug,
        application: identity.application,
        environment: app.environment,
        repository: deployRequest.repository,
        branch: deployRequest.branch,
        commitSha: deployRequest.sha,
        deployedAt,
        ...(!manifest.routing.defaultDomain || manifest.routing.customDomainAuthority !== undefined
          ? {
              routing: {
                defaultDomain: manifest.routing.defaultDomain,
                ...(manifest.routing.customDomainBranchMode === "direct"
                  ? { customDomainBranchMode: "direct" as const }
                  : {}),
                ...(manifest.routing.customDomainAuthority === undefined
                  ? {}
                  : { customDomainAuthority: manifest.routing.customDomainAuthority }),
              },
            }
          : {}),
      };

      if (backend !== undefined && modules !== undefined && storage !== undefined) {
        const tokens = yield* issueBindingTokens();
        const { bindings, varNames, secretNames } = runtimeBindings({
          vars,
          secrets,
          manifest,
          app,
          request: deployRequest,
          application: identity.application,
          deployedAt,
          tokens,
          storage,
        });
        const name = scriptName({
          owner: app.orgSlug,
          repo: app.repoSlug,
          environment: app.environment,
          commitSha: deployRequest.sha,
          stable: manifest.bindings.durableObjects.length > 0,
        });
        const compatibilityDate = modules.compatibilityDate ?? config.defaultCompatibilityDate;
        const runtime = yield* BackendRuntime;
        published.backendId = deploymentId;
        const { startupTimeMs } = yield* runtime
          .publish({
            deploymentId,
            app,
            scriptName: name,
            mainModule: modules.mainModule,
            modules: [...modules.modules],
            bindings,
            compatibilityDate,
            compatibilityFlags: [...modules.compatibilityFlags],
            durableObjectClasses: [...storage.durableObjectClasses],
          })
          .pipe(
            Effect.mapError((error) =>
              error.reason === "Rejected"
                ? new BadRequest({
                    message: deployMessages.backendRejected(error.description ?? error.reason),
                  })
                : error.reason === "NotFound"
                  ? // A binding names something this platform does not have (an unknown Postgres binding id).
                    new BadRequest({ message: error.description ?? error.reason })
                  : storeFailure(error),
            ),
          );
        // Migrations run once the backend has loaded, so a backend that fails to load never changes a
        // database; a failing migration leaves its database as it was and the deploy fails.
        const migrationsApplied = yield* applyMigrations(storage.databases, archive.files);
        const queues = yield* provisionQueues(manifest, app);
        queueMappings = queues.map((queue) => ({
          version: 1 as const,
          queueName: queue.queueName,
          queueId: queue.queueId,
          queue: queue.name,
          consumer: queue.consumer,
          orgSlug: app.orgSlug,
          repoSlug: app.repoSlug,
          environment: app.environment,
          repository: deployRequest.repository,
          deployedAt,
        }));
        const hash = (kind: BindingTokenKind) => tokens.get(kind)!.hash;
        tokenEntries = BINDING_TOKEN_KINDS.map((kind) => ({
          version: 1 as const,
          kind,
          tokenHash: hash(kind),
          orgSlug: app.orgSlug,
          repoSlug: app.repoSlug,
          environment: app.environment,
          repository: deployRequest.repository,
          deployedAt,
        }));
        schedules = manifest.schedules.map((schedule) => ({
          version: 1 as const,
          id: scheduleId({
            environment: app.environment,
            owner: app.orgSlug,
            repo: app.repoSlug,
            ...schedule,
          }),
          cron: schedule.cron,
          path: schedule.path,
          orgSlug: app.orgSlug,
          repoSlug: app.repoSlug,
          environment: app.environment,
          repository: deployRequest.repository,
          deployedAt,
        }));
        const recordBindings = {
          ...storage.record,
          ...(storage.record.d1 === undefined
            ? {}
            : {
                d1: storage.record.d1.map((database) => {
                  const applied = migrationsApplied.get(database.binding) ?? 0;
                  return applied > 0 ? { ...database, migrationsApplied: applied } : database;
                }),
              }),
          ...(varNames.length > 0 ? { vars: varNames } : {}),
          ...(secretNames.length > 0 ? { secrets: secretNames } : {}),
        };
        record = {
          ...base,
          ...(Object.keys(recordBindings).length > 0 ? { bindings: recordBindings } : {}),
          ai: { binding: "W7S_AI", tokenHash: hash("ai") },
          rpc: { binding: "W7S_RPC", tokenHash: hash("rpc"), allow: [...(manifest.rpc?.allow ?? [])] },
          queue: {
            binding: "W7S_QUEUE",
            tokenHash: hash("queue"),
            allow: [...(manifest.queue?.allow ?? [])],
            queues,
          },
          workflow: {
            binding: "W7S_WORKFLOW",
            tokenHash: hash("workflow"),
            allow: [...(manifest.workflow?.allow ?? [])],
            workflows: manifest.workflows.map(({ name: workflowName, path }) => ({
              name: workflowName,
              path,
            })),
          },
          events: {
            binding: "W7S_EVENTS",
            tokenHash: hash("events"),
            publish: [...(manifest.events?.publish ?? [])],
            allow: [...(manifest.events?.allow ?? [])],
            // The manifest guarantees each subscription names a declared queue, so each has its managed name.
            subscribe: (manifest.events?.subscribe ?? []).map(({ subject, queue }) => ({
              subject,
              queue,
              queueName: queues.find((declared) => declared.name === queue)!.queueName,
            })),
          },
          ...(manifest.schedules.length > 0
            ? { schedules: manifest.schedules.map(({ cron, path }) => ({ cron, path })) }
            : {}),
          targets: {
            worker: {
              namespace: config.serviceName,
              scriptName: name,
              entrypoint: backend.entrypoint,
              compatibilityDate,
              startupTimeMs,
              tags: [...scriptTags({ owner: app.orgSlug, repo: app.repoSlug, environment: app.environment })],
            },
            ...(staticTarget === undefined ? {} : { static: staticTarget }),
          },
        };
      } else {
        record = { ...base, targets: staticTarget === undefined ? {} : { static: staticTarget } };
      }

      // Rows 18-19: the routes are planned once everything is published, so a publish failure answers first.
      const domains = yield* planDomainClaims(
        {
          routes: domainRoutes,
          app,
          repository: deployRequest.repository,
          deployedAt,
          branch: deployRequest.branch,
          direct: manifest.routing.customDomainBranchMode === "direct",
        },
        config,
      ).pipe(Effect.mapError(storeFailure));
      yield* fromResult(checkAttachedDomain(manifest, domains));
      record = withCustomDomains(
        record,
        domains.attached.map((route) => route.display),
      );

      yield* switchWithRetry({
        app,
        deploymentId,
        record,
        tokens: tokenEntries,
        schedules,
        queues: queueMappings,
        subscriptions: subscriptionMappings(record),
        claimDomains: domains.claims,
        releaseDomains: domains.releases,
        retain: config.historyDepth,
      }).pipe(Effect.mapError(storeFailure));
      return { record, domains };
    });

    // The replaced deployment is not retired here: requests already routed to it must finish. Runtimes stop
    // backends that stay idle, and the hourly cleanup (F.11) removes what no record points to.
    const { record, domains } = yield* publishAndSwitch.pipe(
      Effect.mapError((error): HttpError => (error._tag === "StoreError" ? storeFailure(error) : error)),
      Effect.onError(() => discardPublished(published)),
    );

    if (record.targets.worker !== undefined) yield* activateBackend(deploymentId);
    // B.13 side effects: the deploy and its static writes are counted.
    yield* recordUsage({ metric: "deploy", app, outcome: "success" });
    const fileCount = record.targets.static?.fileCount ?? 0;
    if (fileCount > 0)
      yield* recordUsage({ metric: "static.r2_class_a", app, units: fileCount, outcome: "success" });
    const finishedAt = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
    yield* recordAnalytics({
      event: "deploy",
      ...analyticsAppFields(app),
      outcome: "success",
      source: record.targets.worker === undefined ? "static" : "backend",
      method: "POST",
      count: 1,
      status: 200,
      durationMs: Math.max(0, finishedAt - Date.parse(deployedAt)),
    });

    const deploymentWarnings = [
      ...layout.deploymentWarnings,
      ...manifestWarnings,
      ...(backend === undefined ? [] : unprovidedFeatureWarnings(manifest)),
    ];
    const firstDomain = domains.attached[0];
    return {
      deployment: publicRecord(record),
      url:
        firstDomain === undefined
          ? deploymentUrl({ environment: app.environment, owner: app.orgSlug, repo: app.repoSlug }, config)
          : customDomainUrl(firstDomain, config),
      ...(deploymentWarnings.length > 0 ? { deploymentWarnings } : {}),
      ...domainAnswer(domains),
    };
  });

/** The B.13 custom-domain fields of a deploy (or rollback) answer, each only when non-empty. */
export const domainAnswer = (domains: DomainClaimPlan) => ({
  ...(domains.attached.length > 0 ? { customDomains: domains.attached.map((route) => route.display) } : {}),
  ...(domains.warnings.length > 0 ? { customDomainWarnings: domains.warnings } : {}),
  ...(domains.blocked.length > 0 ? { blockedCustomDomains: domains.blocked } : {}),
});

type DeployData = Effect.Success<ReturnType<typeof deploy>>;

const warningText = (warning: unknown): string =>
  typeof warning === "string"
    ? warning
    : typeof (warning as { message?: unknown }).message === "string"
      ? (warning as { message: string }).message
      : JSON.stringify(warning);

/** The notice of a deploy that got past its preflight (nothing is said about requests that did not). */
const deployNotice = (
  progress: DeployProgress,
  status: number,
  outcome: { readonly data: DeployData } | { readonly error: string },
): DeployNotice | undefined => {
  const request = progress.request;
  if (request === undefined) return undefined;
  const app = progress.app ?? {
    environment: request.environment,
    orgSlug: request.ownerSlug,
    repoSlug: request.repoSlug,
  };
  if ("error" in outcome)
    return {
      _tag: "Failed",
      app,
      authorized: progress.authorized,
      facts: {
        repository: request.repository,
        branch: request.branch,
        commitSha: request.sha,
        status,
        error: outcome.error,
      },
    };
  const { data } = outcome;
  return {
    _tag: "Deployed",
    app,
    telegram: request.telegram,
    facts: {
      repository: request.repository,
      environment: app.environment,
      branch: request.branch,
      commitSha: request.sha,
      staticFiles: data.deployment.targets.static?.fileCount,
      backend: data.deployment.targets.worker !== undefined,
      status,
      url: data.url,
      warnings: [
        ...(data.deploymentWarnings ?? []),
        ...(data.customDomainWarnings ?? []),
        ...(data.blockedCustomDomains ?? []),
      ].map(warningText),
    },
  };
};

/** The message of an error envelope (`{"status":"error","error":…}`). */
const envelopeError = (answer: JsonResponse): string => {
  try {
    const parsed = JSON.parse(answer.body) as { error?: unknown };
    return typeof parsed.error === "string" ? parsed.error : `HTTP ${answer.status}`;
  } catch {
    return `HTTP ${answer.status}`;
  }
};

/**
 * Answers a whole deploy request; every failure becomes its status and JSON envelope, never a throw. The
 * outcome is then handed to the notifications (I.6), which only write to the outbox and cannot fail it.
 */
export const deployApp = (
  request: Request,
  config: PlatformConfig,
): Effect.Effect<Response, never, DeployServices> =>
  Effect.gen(function* () {
    const progress: DeployProgress = { authorized: false };
    const failed = (answer: JsonResponse) =>
      Effect.succeed({ answer, outcome: { error: envelopeError(answer) } });
    const { answer, outcome } = yield* deploy(request, config, progress).pipe(
      Effect.map((data) => ({ answer: successResponse(data), outcome: { data } })),
      Effect.catch((error: HttpError | StoreError) =>
        failed(error._tag === "StoreError" ? errorResponse(storeFailure(error)) : errorResponse(error)),
      ),
      Effect.catchDefect((defect) => failed(errorResponseFromUnknown(defect))),
    );
    const notice = deployNotice(progress, answer.status, outcome);
    if (notice !== undefined) yield* notifyDeploy(notice, config);
    return toResponse(answer);
  });
