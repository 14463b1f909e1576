/**
 * WorkflowEngine on Cloudflare Workflows: `create` checks the target's active limit and records the
 * instance atomically in the control-plane object, then starts a Workflows instance under the same id; the
 * core Worker's Workflow class (`runWorkflowInstance`) runs the core's delivery as one step with the
 * policy's retries, exponential backoff and timeout, and records `running`, `complete` or `errored`.
 */
import {
  DeliveryError,
  defaultWorkflowRetryPolicy,
  WorkflowEngine,
  type WorkflowInstance,
  type WorkflowRetryPolicy,
  type WorkflowStepOutcome,
} from "@w7s/core";
import { Effect, Layer, Option } from "effect";
import { deliveryUnavailable as unavailable } from "../deliveryErrors.js";
import type { ControlPlaneStub } from "../state/controlPlaneClient.js";

/** What a Workflows instance is started with. */
export interface WorkflowParams {
  readonly id: string;
  readonly instance: WorkflowInstance;
}

/** The engine on the core Worker's Workflow binding. */
export const makeCloudflareWorkflowEngine = (
  workflows: Workflow<WorkflowParams>,
  control: ControlPlaneStub,
): WorkflowEngine["Service"] => ({
  create: (instanceId, instance, activeLimit) =>
    Effect.gen(function* () {
      type Created = { exists: true } | { created: true } | { created: false; active: number };
      const created = yield* Effect.tryPromise({
        try: () =>
          control.workflowCreate(
            instanceId,
            instance,
            activeLimit,
            Date.now(),
          ) as unknown as Promise<Created>,
        catch: unavailable("WorkflowEngine.create"),
      });
      if ("exists" in created)
        return yield* Effect.fail(
          new DeliveryError({
            reason: "Conflict",
            operation: "WorkflowEngine.create",
            description: instanceId,
          }),
        );
      if (created.created === false) return { _tag: "ActiveLimit", active: created.active } as const;
      yield* Effect.tryPromise({
        try: () => workflows.create({ id: instanceId, params: { id: instanceId, instance } }),
        catch: unavailable("WorkflowEngine.create"),
      }).pipe(
        // Not started: the record must not count against the limit, nor stay queued forever.
        Effect.tapError((error) =>
          Effect.promise(() => control.workflowSettle(instanceId, "errored", { error: error.message })),
        ),
      );
      return { _tag: "Created", status: { status: "queued" } } as const;
    }),
  get: (instanceId) =>
    Effect.map(
      Effect.tryPromise({
        try: () => control.workflowGet(instanceId),
        catch: unavailable("WorkflowEngine.get"),
      }),
      (stored) => (stored === null ? Option.none() : Option.some(stored as never)),
    ),
  countActive: (app) =>
    Effect.tryPromise({
      try: () => control.workflowCountActive(app),
      catch: unavailable("WorkflowEngine.countActive"),
    }),
});

/** The WorkflowEngine Layer. */
export const cloudflareWorkflowEngineLayer = (
  workflows: Workflow<WorkflowParams>,
  control: ControlPlaneStub,
): Layer.Layer<WorkflowEngine> =>
  Layer.succeed(WorkflowEngine, makeCloudflareWorkflowEngine(workflows, control));

/** The step options of the policy, in Workflows' terms. */
export const workflowStepConfig = (policy: WorkflowRetryPolicy = defaultWorkflowRetryPolicy) => ({
  retries: { limit: policy.limit, delay: policy.delaySeconds * 1000, backoff: policy.backoff },
  timeout: policy.timeoutSeconds * 1000,
});

/** The body of the core Worker's Workflow class: one retried step that delivers the instance. */
export const runWorkflowInstance = async (
  params: WorkflowParams,
  step: {
    do: <T>(
      name: string,
      config: ReturnType<typeof workflowStepConfig>,
      body: () => Promise<T>,
    ) => Promise<T>;
  },
  options: {
    readonly control: ControlPlaneStub;
    readonly deliver: (stored: WorkflowParams) => Promise<WorkflowStepOutcome>;
    readonly policy?: WorkflowRetryPolicy;
  },
): Promise<unknown> => {
  let attempts = 0;
  try {
    const output = await step.do("deliver", workflowStepConfig(options.policy), async () => {
      attempts += 1;
      await options.control.workflowSettle(params.id, "running", { attempts });
      const outcome = await options.deliver(params);
      if (outcome._tag === "Failed") throw new Error(outcome.error);
      return outcome.output;
    });
    await options.control.workflowSettle(params.id, "complete", { output });
    return output;
  } catch (error) {
    await options.control.workflowSettle(params.id, "errored", {
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
};
