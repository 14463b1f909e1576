/**
 * Workflows (E.6): `POST /api/v1/workflows/<owner>/<repo>/<workflow>` starts a durable instance of a
 * workflow the target app declared, `GET …/<workflow>/<instanceId>` reports it, and
 * `deliverWorkflowInstance` runs an instance's one step against the app's consumer path.
 */
import { workflowInstanceId } from "@w7s/env-naming";
import { Duration, Effect, Option, type Schema } from "effect";
import { authorizeCall } from "../authorization/authorizeCall.js";
import { errorBody, jsonContentType } from "../errors/errorResponse.js";
import {
  BadGateway,
  BadRequest,
  Conflict,
  NotFound,
  PayloadTooLarge,
  TooManyRequests,
} from "../errors/httpErrors.js";
import type { PlatformConfig } from "../platformConfig.js";
import { BackendRuntime } from "../ports/BackendRuntime.js";
import { Ids } from "../ports/Ids.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type { WorkflowInstance } from "../ports/records/WorkflowInstance.js";
import {
  defaultWorkflowRetryPolicy,
  type StoredWorkflowInstance,
  WorkflowEngine,
  type WorkflowRetryPolicy,
} from "../ports/WorkflowEngine.js";
import {
  checkBlockedUsageLimit,
  enforceNotSuspended,
  enforceUsageLimit,
  tooManyRequests,
} from "../usage/usageLimits.js";
import {
  type Caller,
  currentDeployment,
  identityHeaders,
  internalUrl,
  readTextWithin,
  requireBearer,
  resolveCaller,
  segmentsAfter,
  slugSegment,
} from "./caller.js";
import { recordServiceEvent } from "./serviceEvents.js";

export const WORKFLOWS_PREFIX = "/api/v1/workflows/";

/** How long a target's client should wait after the active limit refused a start. */
const ACTIVE_LIMIT_RETRY_AFTER_SECONDS = 60;
/** Step output keeps at most this many characters of the consumer's answer. */
const STEP_OUTPUT_CHARS = 65_536;

/** The exact texts of workflow failures after the token checks. */
export const workflowMessages = {
  target: "Workflow target must be /api/v1/workflows/<owner>/<repo>/<workflow>.",
  notFound: "Workflow target deployment was not found.",
  noBackend: "Workflow target deployment has no backend.",
  notDeclared: "Workflow target was not declared by the deployment.",
  payloadTooLarge: (limit: number) => `Workflow payload exceeds ${limit} bytes.`,
  invalidJson: "Workflow payload must be valid JSON.",
  activeLimit: (active: number, limit: number) => `Active workflow limit exceeded (${active}/${limit}).`,
  instanceTooLarge: (limit: number) => `Workflow instance payload exceeds ${limit} bytes.`,
  instanceRequired: "Workflow instance id is required.",
  instanceNotFound: "Workflow instance was not found.",
  instanceExists: (id: string) => `Workflow instance ${id} already exists.`,
  deploymentMissing: (workflow: string) => `W7S workflow target deployment was not found for ${workflow}.`,
  consumerFailed: (status: number) => `W7S workflow consumer failed with HTTP ${status}.`,
  timedOut: (seconds: number) => `W7S workflow consumer did not answer within ${seconds} seconds.`,
} as const;

const encoder = new TextEncoder();

/** The target of a start or status call: the checks both share, in the E.6 order. */
const resolveWorkflowTarget = (request: Request, kind: "start" | "status") =>
  Effect.gen(function* () {
    const token = yield* requireBearer("workflow", request);
    const url = new URL(request.url);
    const segments = segmentsAfter(url.pathname, WORKFLOWS_PREFIX) ?? [];
    const fixed = segments.slice(0, 3);
    const shapeOk =
      fixed.length === 3 &&
      fixed.every((segment) => segment !== "") &&
      (kind === "start" ? segments.length === 3 : true);
    if (!shapeOk) return yield* Effect.fail(new BadRequest({ message: workflowMessages.target }));
    const [rawOwner, rawRepo, rawWorkflow] = fixed as [string, string, string];
    const owner = yield* slugSegment(rawOwner, "workflow target owner");
    const repo = yield* slugSegment(rawRepo, "workflow target repo");
    const workflow = yield* slugSegment(rawWorkflow, "workflow name");
    let instanceSegment: string | undefined;
    if (kind === "status") {
      const joined = segments
        .slice(3)
        .filter((segment) => segment !== "")
        .join("-");
      if (joined === "")
        return yield* Effect.fail(new BadRequest({ message: workflowMessages.instanceRequired }));
      instanceSegment = yield* slugSegment(joined, "workflow instance id");
    }
    const caller = yield* resolveCaller("workflow", token);
    const app: AppRef = { environment: caller.app.environment, orgSlug: owner, repoSlug: repo };
    const deployment = yield* currentDeployment(app);
    if (deployment === undefined)
      return yield* Effect.fail(new NotFound({ message: workflowMessages.notFound }));
    if (deployment.record.targets.worker === undefined)
      return yield* Effect.fail(new NotFound({ message: workflowMessages.noBackend }));
    const declared = deployment.record.workflow?.workflows.find((entry) => entry.name === workflow);
    if (declared === undefined)
      return yield* Effect.fail(new NotFound({ message: workflowMessages.notDeclared }));
    const decision = authorizeCall({
      kind: "workflow",
      caller: { owner: caller.app.orgSlug, repo: caller.app.repoSlug, environment: caller.app.environment },
      target: { owner, repo, environment: app.environment },
      allow: deployment.record.workflow?.allow ?? [],
    });
    if (!decision.allowed) return yield* Effect.fail(decision.error);
    return { caller, app, workflow, path: declared.path, instanceSegment };
  });

const engineFailure = (error: { readonly message: string }) =>
  new BadGateway({ message: `The workflow engine failed: ${error.message}` });

const instanceView = (stored: StoredWorkflowInstance) => ({ id: stored.id, status: stored.status });

const callerOf = (caller: Caller): WorkflowInstance["caller"] => ({
  orgSlug: caller.app.orgSlug,
  repoSlug: caller.app.repoSlug,
  repository: caller.repository,
  environment: caller.app.environment,
});

/** Starts an instance and answers the E.6 start data. */
export const startWorkflow = (request: Request, config: PlatformConfig) =>
  Effect.gen(function* () {
    const target = yield* resolveWorkflowTarget(request, "start");
    const limits = config.platformLimits;
    const read = yield* readTextWithin(request, limits.workflowMaxPayloadBytes);
    if (read === undefined)
      return yield* Effect.fail(
        new PayloadTooLarge({ message: workflowMessages.payloadTooLarge(limits.workflowMaxPayloadBytes) }),
      );
    let payload: Schema.Json = null;
    if (read.text.trim() !== "") {
      try {
        payload = JSON.parse(read.text) as Schema.Json;
      } catch {
        return yield* Effect.fail(new BadRequest({ message: workflowMessages.invalidJson }));
      }
    }
    yield* enforceNotSuspended(target.caller.app);
    yield* enforceNotSuspended(target.app);
    yield* enforceUsageLimit({ metric: "workflow.create", app: target.caller.app }, config);
    const engine = yield* WorkflowEngine;
    const activeLimitError = (active: number) =>
      new TooManyRequests({
        message: workflowMessages.activeLimit(active, limits.workflowActiveLimit),
        details: {
          activeWorkflowLimit: {
            active,
            limit: limits.workflowActiveLimit,
            environment: target.app.environment,
            orgSlug: target.app.orgSlug,
            repoSlug: target.app.repoSlug,
          },
        },
        retryAfterSeconds: ACTIVE_LIMIT_RETRY_AFTER_SECONDS,
      });
    const active = yield* engine.countActive(target.app).pipe(Effect.mapError(engineFailure));
    if (active >= limits.workflowActiveLimit) return yield* Effect.fail(activeLimitError(active));

    const ids = yield* Ids;
    const requested = request.headers.get("x-w7s-workflow-instance-id")?.trim() || (yield* ids.randomUuid());
    const id = workflowInstanceId({
      environment: target.app.environment,
      owner: target.app.orgSlug,
      repo: target.app.repoSlug,
      workflow: target.workflow,
      requested,
    });
    const createdAt = new Date(yield* Effect.clockWith((clock) => clock.currentTimeMillis)).toISOString();
    const instance: WorkflowInstance = {
      version: 1,
      createdAt,
      payload,
      caller: callerOf(target.caller),
      target: {
        orgSlug: target.app.orgSlug,
        repoSlug: target.app.repoSlug,
        repository: `${target.app.orgSlug}/${target.app.repoSlug}`,
        environment: target.app.environment,
        workflow: target.workflow,
        path: target.path,
      },
    };
    if (encoder.encode(JSON.stringify(instance)).byteLength > limits.workflowMaxPayloadBytes)
      return yield* Effect.fail(
        new PayloadTooLarge({ message: workflowMessages.instanceTooLarge(limits.workflowMaxPayloadBytes) }),
      );
    const created = yield* engine
      .create(id, instance, limits.workflowActiveLimit)
      .pipe(
        Effect.mapError((error) =>
          error.reason === "Conflict"
            ? new Conflict({ message: workflowMessages.instanceExists(id) })
            : engineFailure(error),
        ),
      );
    if (created._tag === "ActiveLimit") return yield* Effect.fail(activeLimitError(created.active));
    yield* recordServiceEvent({
      metric: "workflow.create",
      app: target.caller.app,
      source: target.caller.repository,
      target: `${target.app.orgSlug}/${target.app.repoSlug}/${target.workflow}`,
      outcome: "success",
    });
    return {
      workflow: { owner: target.app.orgSlug, repo: target.app.repoSlug, name: target.workflow },
      instance: { id, status: created.status },
      createdAt,
    };
  });

/** Reports an instance: the id from the start answer, or the id the caller asked for at start. */
export const workflowStatus = (request: Request) =>
  Effect.gen(function* () {
    const target = yield* resolveWorkflowTarget(request, "status");
    const engine = yield* WorkflowEngine;
    const segment = target.instanceSegment!;
    const belongs = (stored: StoredWorkflowInstance) =>
      stored.instance.target.environment === target.app.environment &&
      stored.instance.target.orgSlug === target.app.orgSlug &&
      stored.instance.target.repoSlug === target.app.repoSlug &&
      stored.instance.target.workflow === target.workflow;
    const lookup = (id: string) =>
      engine.get(id).pipe(Effect.mapError(engineFailure), Effect.map(Option.filter(belongs)));
    let found = yield* lookup(segment);
    if (Option.isNone(found)) {
      const derived = workflowInstanceId({
        environment: target.app.environment,
        owner: target.app.orgSlug,
        repo: target.app.repoSlug,
        workflow: target.workflow,
        requested: segment,
      });
      if (derived !== segment) found = yield* lookup(derived);
    }
    if (Option.isNone(found))
      return yield* Effect.fail(new NotFound({ message: workflowMessages.instanceNotFound }));
    return {
      workflow: { owner: target.app.orgSlug, repo: target.app.repoSlug, name: target.workflow },
      instance: instanceView(found.value),
    };
  });

/** What one step attempt did: finished (with its output), or failed and to be retried. */
export type WorkflowStepOutcome =
  | { readonly _tag: "Done"; readonly output: { status: number; contentType: string; body: string } }
  | { readonly _tag: "Failed"; readonly error: string };

/**
 * Runs one attempt of an instance's step: `POST https://<owner>.w7s.internal<path>` with the E.6 payload. A
 * 2xx finishes the instance with its answer as output; anything else, no answer within the policy's timeout
 * or no backend fails the attempt (the engine retries). A blocked `workflow.delivery` limit finishes it with
 * the 429 as output, without retries. Never fails itself.
 */
export const deliverWorkflowInstance = (
  stored: { readonly id: string; readonly instance: WorkflowInstance },
  config: PlatformConfig,
  policy: WorkflowRetryPolicy = defaultWorkflowRetryPolicy,
) =>
  Effect.gen(function* () {
    const { instance } = stored;
    const app: AppRef = {
      environment: instance.target.environment,
      orgSlug: instance.target.orgSlug,
      repoSlug: instance.target.repoSlug,
    };
    const deployment = yield* currentDeployment(app);
    if (deployment?.record.targets.worker === undefined)
      return { _tag: "Failed", error: workflowMessages.deploymentMissing(instance.target.workflow) } as const;
    const blocked = yield* checkBlockedUsageLimit({ metric: "workflow.delivery", app }, config);
    if (blocked !== undefined) {
      return {
        _tag: "Done",
        output: {
          status: 429,
          contentType: jsonContentType,
          body: JSON.stringify(errorBody(tooManyRequests(blocked.rejection))),
        },
      } as const;
    }
    const path = instance.target.path;
    const request = new Request(internalUrl(app.orgSlug, path), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-w7s-workflow": "1",
        "x-w7s-workflow-name": instance.target.workflow,
        "x-w7s-workflow-instance": stored.id,
        ...identityHeaders(app, path),
      },
      body: JSON.stringify({
        workflow: instance.target.workflow,
        workflowName: instance.target.workflow,
        instanceId: stored.id,
        createdAt: instance.createdAt,
        caller: instance.caller,
        target: instance.target,
        payload: instance.payload,
      }),
    });
    const deliveryEvent = {
      metric: "workflow.delivery",
      app,
      source: instance.caller.repository,
      target: `${instance.target.workflow} ${path}`,
    } as const;
    const runtime = yield* BackendRuntime;
    const attempt = Effect.gen(function* () {
      const response = yield* runtime.dispatch(deployment.deploymentId, request);
      const body = yield* Effect.promise(() => response.text().catch(() => ""));
      return { response, body };
    });
    const answered = yield* Effect.result(
      attempt.pipe(Effect.timeoutOption(Duration.seconds(policy.timeoutSeconds))),
    );
    if (answered._tag === "Failure") {
      yield* recordServiceEvent({ ...deliveryEvent, outcome: "error" });
      return { _tag: "Failed", error: answered.failure.description ?? answered.failure.message } as const;
    }
    if (Option.isNone(answered.success)) {
      yield* recordServiceEvent({ ...deliveryEvent, outcome: "error" });
      return { _tag: "Failed", error: workflowMessages.timedOut(policy.timeoutSeconds) } as const;
    }
    const { response, body } = answered.success.value;
    const ok = response.status >= 200 && response.status < 300;
    yield* recordServiceEvent({
      ...deliveryEvent,
      outcome: ok ? "success" : "error",
      status: response.status,
    });
    if (!ok) return { _tag: "Failed", error: workflowMessages.consumerFailed(response.status) } as const;
    return {
      _tag: "Done",
      output: {
        status: response.status,
        contentType: response.headers.get("content-type") ?? "",
        body: body.slice(0, STEP_OUTPUT_CHARS),
      },
    } as const;
  }).pipe(
    Effect.map((outcome): WorkflowStepOutcome => outcome),
    Effect.catch((error) => Effect.succeed<WorkflowStepOutcome>({ _tag: "Failed", error: error.message })),
  );
