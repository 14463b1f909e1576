/** Port: durable workflow instances, each delivered to its app in one retried step (E.6). */
import { Context, type Effect, type Option } from "effect";
import type { DeliveryError } from "./PortErrors.js";
import type { AppRef } from "./records/AppRef.js";
import type { WorkflowInstance, WorkflowInstanceStatus } from "./records/WorkflowInstance.js";

/** How the delivery step is retried. */
export interface WorkflowRetryPolicy {
  readonly limit: number;
  readonly delaySeconds: number;
  readonly backoff: "exponential";
  readonly timeoutSeconds: number;
}

/** The reference defaults (`W7S_WORKFLOW_MAX_RETRIES`, `..._RETRY_DELAY_SECONDS`, `..._TIMEOUT_SECONDS`). */
export const defaultWorkflowRetryPolicy: WorkflowRetryPolicy = {
  limit: 3,
  delaySeconds: 10,
  backoff: "exponential",
  timeoutSeconds: 300,
};

/** Seconds to wait before retry `retry` (1 for the first retry): `delay`, `2 × delay`, `4 × delay`, … */
export const workflowRetryDelaySeconds = (policy: WorkflowRetryPolicy, retry: number): number =>
  policy.delaySeconds * 2 ** Math.max(0, retry - 1);

/** What `create` did: started the instance, or refused because the target already has `limit` active ones. */
export type WorkflowCreation =
  | { readonly _tag: "Created"; readonly status: WorkflowInstanceStatus }
  | { readonly _tag: "ActiveLimit"; readonly active: number };

/** A stored instance: its id, what it was started with and where it is now. */
export interface StoredWorkflowInstance {
  readonly id: string;
  readonly instance: WorkflowInstance;
  readonly status: WorkflowInstanceStatus;
}

/**
 * Starts and reports instances. The engine runs each instance's step by calling the core's
 * `deliverWorkflowInstance`, retrying per `WorkflowRetryPolicy`; a finished instance no longer counts as
 * active. Instances outlive restarts of the engine.
 */
export class WorkflowEngine extends Context.Service<
  WorkflowEngine,
  {
    /**
     * Starts an instance under `instanceId` unless the target app (`instance.target`) already has
     * `activeLimit` queued or running instances, checked and inserted atomically; `Conflict` when the id exists.
     */
    readonly create: (
      instanceId: string,
      instance: WorkflowInstance,
      activeLimit: number,
    ) => Effect.Effect<WorkflowCreation, DeliveryError>;
    /** One instance with its current status. */
    readonly get: (instanceId: string) => Effect.Effect<Option.Option<StoredWorkflowInstance>, DeliveryError>;
    /** How many instances of the target app are still queued or running. */
    readonly countActive: (app: AppRef) => Effect.Effect<number, DeliveryError>;
  }
>()("@w7s/core/WorkflowEngine") {}
