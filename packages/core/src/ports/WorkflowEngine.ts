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

/**
 * Starts and reports instances. The engine runs each instance's step by calling the core's workflow
 * delivery use case, retrying per `WorkflowRetryPolicy`; a finished instance no longer counts as active.
 */
export class WorkflowEngine extends Context.Service<
  WorkflowEngine,
  {
    /** Starts an instance under `instanceId`; `Conflict` when that id already exists. */
    readonly create: (
      instanceId: string,
      instance: WorkflowInstance,
    ) => Effect.Effect<WorkflowInstanceStatus, DeliveryError>;
    /** The current status of an instance. */
    readonly status: (
      instanceId: string,
    ) => Effect.Effect<Option.Option<WorkflowInstanceStatus>, DeliveryError>;
    /** How many instances of the target app are still queued or running. */
    readonly countActive: (app: AppRef) => Effect.Effect<number, DeliveryError>;
  }
>()("@w7s/core/WorkflowEngine") {}
