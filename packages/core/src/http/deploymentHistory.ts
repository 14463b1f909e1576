/**
 * Deployment history and rollback: `GET /api/v1/deployments/<owner>/<repo>` lists the deployments kept
 * for an app and environment (newest first), and `POST .../rollback` makes an earlier one live again in one
 * atomic switch, with the same write check as a deploy. The restored record's tokens, schedules, queues and
 * custom domains become current again; its domains are claimed anew under today's TXT allow lists.
 */
import { scheduleId } from "@w7s/env-naming";
import { Effect, Option, Result, Schema } from "effect";
import { activateBackend } from "../deploy/activateBackends.js";
import { BINDING_TOKEN_KINDS } from "../deploy/bindingTokens.js";
import type { CustomDomainRouteSpec } from "../deploy/customDomains.js";
import {
  customDomainUrl,
  deploymentUrl,
  domainAnswer,
  publicRecord,
  withCustomDomains,
} from "../deploy/deployApp.js";
import { planDomainClaims } from "../deploy/domainClaims.js";
import { errorResponse, errorResponseFromUnknown, successResponse } from "../errors/errorResponse.js";
import { BadRequest, Forbidden, type HttpError, NotFound, ServiceUnavailable } from "../errors/httpErrors.js";
import { subscriptionMappings } from "../platform/events.js";
import type { PlatformConfig } from "../platformConfig.js";
import { DeploymentStore, type StoredDeployment } from "../ports/DeploymentStore.js";
import type { DomainVerifier } from "../ports/DomainVerifier.js";
import type { StoreError } from "../ports/PortErrors.js";
import type { RepoAuth } from "../ports/RepoAuth.js";
import type { BindingTokenEntry, QueueMapping, ScheduleMapping } from "../ports/records/DeploymentIndexes.js";
import type { DeploymentRecord } from "../ports/records/DeploymentRecord.js";
import { sanitizeDeployment } from "./agentApi.js";
import { DeploymentHistory, RollbackRequest, RollbackResult } from "./apiSchemas.js";
import { authorizeRepoRequest, parseRepoTarget, type RepoTarget } from "./repoRequest.js";

/** The services history and rollback use. */
export type DeploymentHistoryServices = DeploymentStore | RepoAuth | DomainVerifier;

export const historyMessages = {
  routeError: "Deployments route must be /api/v1/deployments/<owner>/<repo>.",
  rollbackRouteError: "Rollback route must be /api/v1/deployments/<owner>/<repo>/rollback.",
  invalidBody: 'Rollback body must be {"deploymentId": "<id>"} or {"steps": <n>} with n of 1 or more.',
  noDeployment: (repository: string, environment: string) =>
    `${repository} has no deployment in environment ${environment}.`,
  notRetained: (deploymentId: string, repository: string, environment: string) =>
    `Deployment ${deploymentId} is not in the retained history of ${repository} (${environment}).`,
  alreadyLive: (deploymentId: string) => `Deployment ${deploymentId} is already live.`,
  tooFarBack: (steps: number, available: number, repository: string, environment: string) =>
    `Cannot roll back ${steps} step${steps === 1 ? "" : "s"}: ${repository} (${environment}) keeps ${available} earlier deployment${available === 1 ? "" : "s"}.`,
  oidcBranch: (tokenBranch: string | undefined, branch: string) =>
    tokenBranch === undefined
      ? `The OIDC token was not issued for a branch, so it cannot roll back to a deployment of branch ${branch}.`
      : `The OIDC token was issued for branch ${tokenBranch}, so it cannot roll back to a deployment of branch ${branch}.`,
  concurrentSwitch: (repository: string, environment: string) =>
    `Another deploy of ${repository} (${environment}) went live meanwhile; list the deployments and retry.`,
  defaultDomainWithoutAttached: "routing.defaultDomain=false requires an attached custom domain.",
} as const;

const fromResult = <A, E>(result: Result.Result<A, E>): Effect.Effect<A, E> =>
  Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure);

const toResponse = (effect: Effect.Effect<unknown, HttpError | StoreError, DeploymentHistoryServices>) =>
  effect.pipe(
    Effect.map((data) => successResponse(data)),
    Effect.catch((error: HttpError | StoreError) =>
      Effect.succeed(error._tag === "StoreError" ? errorResponseFromUnknown(error) : errorResponse(error)),
    ),
    Effect.catchDefect((defect) => Effect.succeed(errorResponseFromUnknown(defect))),
    Effect.map((answer) => new Response(answer.body, { status: answer.status, headers: answer.headers })),
  );

const loadHistory = (target: RepoTarget, config: PlatformConfig) =>
  Effect.gen(function* () {
    const store = yield* DeploymentStore;
    const current = yield* store.current(target.app);
    const history = yield* store.history(target.app, Math.max(config.historyDepth, 1));
    return { current: Option.getOrUndefined(current), history };
  });

/** `GET /api/v1/deployments/<owner>/<repo>[?environment=][&application=]`: read access. */
export const listDeployments = (
  request: Request,
  config: PlatformConfig,
): Effect.Effect<Response, never, DeploymentHistoryServices> =>
  toResponse(
    Effect.gen(function* () {
      const target = yield* fromResult(
        parseRepoTarget(request, ["api", "v1", "deployments"], historyMessages.routeError),
      );
      if (target.tail.length > 0)
        return yield* Effect.fail(new BadRequest({ message: historyMessages.routeError }));
      yield* authorizeRepoRequest(request, target, "read");
      const { current, history } = yield* loadHistory(target, config);
      return Schema.encodeSync(DeploymentHistory)({
        repository: `${target.orgSlug}/${target.repoSlug}`,
        environment: target.environment,
        retained: config.historyDepth,
        deployments: history.map(({ deploymentId, record }) => ({
          deploymentId,
          current: deploymentId === current?.deploymentId,
          deployment: sanitizeDeployment(record, config),
        })),
      });
    }),
  );

/** The custom-domain routes a stored record attached, from their display forms. */
const routesOfRecord = (record: DeploymentRecord): CustomDomainRouteSpec[] =>
  (record.customDomains ?? []).map((display) => {
    const slash = display.indexOf("/");
    return slash < 0
      ? { hostname: display, pathPrefix: "/", display }
      : { hostname: display.slice(0, slash), pathPrefix: display.slice(slash), display };
  });

/** What a switch back to `stored` writes besides the pointer: its tokens, schedules, queues and subscriptions. */
const indexesOf = (stored: StoredDeployment) => {
  const { record } = stored;
  const app = { orgSlug: record.orgSlug, repoSlug: record.repoSlug, environment: record.environment };
  const owned = { ...app, repository: record.repository, deployedAt: record.deployedAt };
  const hashes: Record<string, string | undefined> = {
    ai: record.ai?.tokenHash,
    rpc: record.rpc?.tokenHash,
    queue: record.queue?.tokenHash,
    workflow: record.workflow?.tokenHash,
    events: record.events?.tokenHash,
  };
  const tokens: BindingTokenEntry[] = BINDING_TOKEN_KINDS.flatMap((kind) => {
    const tokenHash = hashes[kind];
    return tokenHash === undefined ? [] : [{ version: 1 as const, kind, tokenHash, ...owned }];
  });
  const schedules: ScheduleMapping[] = (record.schedules ?? []).map(({ cron, path }) => ({
    version: 1,
    id: scheduleId({ environment: app.environment, owner: app.orgSlug, repo: app.repoSlug, cron, path }),
    cron,
    path,
    ...owned,
  }));
  const queues: QueueMapping[] = (record.queue?.queues ?? []).map((queue) => ({
    version: 1,
    queueName: queue.queueName,
    queueId: queue.queueId,
    queue: queue.name,
    consumer: queue.consumer,
    ...owned,
  }));
  return { tokens, schedules, queues, subscriptions: subscriptionMappings(record) };
};

const readRollbackRequest = (request: Request) =>
  Effect.gen(function* () {
    const text = yield* Effect.promise(() => request.text().catch(() => ""));
    if (text.trim() === "") return { steps: 1 } satisfies RollbackRequest;
    const parsed = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => "invalid" });
    return yield* Schema.decodeUnknownEffect(RollbackRequest)(parsed);
  }).pipe(Effect.mapError(() => new BadRequest({ message: historyMessages.invalidBody })));

/** `POST /api/v1/deployments/<owner>/<repo>/rollback[?environment=][&application=]`: deploy access. */
export const rollbackDeployment = (
  request: Request,
  config: PlatformConfig,
): Effect.Effect<Response, never, DeploymentHistoryServices> =>
  toResponse(
    Effect.gen(function* () {
      const target = yield* fromResult(
        parseRepoTarget(request, ["api", "v1", "deployments"], historyMessages.rollbackRouteError),
      );
      if (target.tail.join("/") !== "rollback") {
        return yield* Effect.fail(new BadRequest({ message: historyMessages.rollbackRouteError }));
      }
      const access = yield* authorizeRepoRequest(request, target, "deploy");
      const wanted = yield* readRollbackRequest(request);
      const repository = `${target.orgSlug}/${target.repoSlug}`;
      const { current, history } = yield* loadHistory(target, config);
      if (current === undefined) {
        return yield* Effect.fail(
          new NotFound({ message: historyMessages.noDeployment(repository, target.environment) }),
        );
      }
      let chosen: StoredDeployment | undefined;
      if ("deploymentId" in wanted) {
        if (wanted.deploymentId === current.deploymentId) {
          return yield* Effect.fail(
            new BadRequest({ message: historyMessages.alreadyLive(wanted.deploymentId) }),
          );
        }
        chosen = history.find((entry) => entry.deploymentId === wanted.deploymentId);
        if (chosen === undefined) {
          return yield* Effect.fail(
            new NotFound({
              message: historyMessages.notRetained(wanted.deploymentId, repository, target.environment),
            }),
          );
        }
      } else {
        const position = history.findIndex((entry) => entry.deploymentId === current.deploymentId);
        const earlier = history.slice(position + 1);
        chosen = earlier[wanted.steps - 1];
        if (chosen === undefined) {
          return yield* Effect.fail(
            new BadRequest({
              message: historyMessages.tooFarBack(
                wanted.steps,
                earlier.length,
                repository,
                target.environment,
              ),
            }),
          );
        }
      }
      // DECISIONS 3: an OIDC token proves a branch; it may only bring back what it could have deployed.
      if (access.proof === "oidc" && access.branch !== chosen.record.branch) {
        return yield* Effect.fail(
          new Forbidden({ message: historyMessages.oidcBranch(access.branch, chosen.record.branch) }),
        );
      }

      const { record } = chosen;
      const domains = yield* planDomainClaims(
        {
          routes: routesOfRecord(record),
          app: target.app,
          repository: record.repository,
          deployedAt: record.deployedAt,
          branch: record.branch,
          direct: record.routing?.customDomainBranchMode === "direct",
        },
        config,
      );
      if (record.routing?.defaultDomain === false && domains.attached.length === 0) {
        return yield* Effect.fail(
          new BadRequest({
            message: historyMessages.defaultDomainWithoutAttached,
            details: { blockedCustomDomains: domains.blocked },
          }),
        );
      }
      const store = yield* DeploymentStore;
      const switched = yield* Effect.result(
        store.switchDeployment({
          app: target.app,
          deploymentId: chosen.deploymentId,
          replaces: current.deploymentId,
          record,
          ...indexesOf(chosen),
          claimDomains: domains.claims,
          releaseDomains: domains.releases,
          retain: config.historyDepth,
        }),
      );
      if (Result.isFailure(switched)) {
        return yield* Effect.fail(
          switched.failure.reason === "Conflict"
            ? new ServiceUnavailable({
                message: historyMessages.concurrentSwitch(repository, target.environment),
              })
            : switched.failure,
        );
      }
      if (record.targets.worker !== undefined) yield* activateBackend(chosen.deploymentId);
      const first = domains.attached[0];
      const shown = withCustomDomains(
        record,
        domains.attached.map((route) => route.display),
      );
      return Schema.encodeSync(RollbackResult)({
        deploymentId: chosen.deploymentId,
        rolledBackFrom: current.deploymentId,
        url:
          first === undefined
            ? deploymentUrl(
                { environment: record.environment, owner: record.orgSlug, repo: record.repoSlug },
                config,
              )
            : customDomainUrl(first, config),
        deployment: publicRecord(shown) as Record<string, unknown>,
        ...domainAnswer(domains),
      });
    }),
  );
