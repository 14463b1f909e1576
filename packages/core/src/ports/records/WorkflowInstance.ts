/** A workflow instance: the payload it was started with (E.6) and the status the engine reports. */
import { Schema } from "effect";

/** The durable payload of one instance. */
export const WorkflowInstance = Schema.Struct({
  version: Schema.Literal(1),
  createdAt: Schema.String,
  payload: Schema.Json,
  caller: Schema.Struct({
    orgSlug: Schema.String,
    repoSlug: Schema.String,
    repository: Schema.String,
    environment: Schema.String,
  }),
  target: Schema.Struct({
    orgSlug: Schema.String,
    repoSlug: Schema.String,
    repository: Schema.String,
    environment: Schema.String,
    workflow: Schema.String,
    path: Schema.String,
  }),
});
export type WorkflowInstance = typeof WorkflowInstance.Type;

/** Lifecycle states an engine reports. */
export const WorkflowRunState = Schema.Literals([
  "queued",
  "running",
  "paused",
  "errored",
  "terminated",
  "complete",
  "waiting",
  "waitingForPause",
  "unknown",
]);
export type WorkflowRunState = typeof WorkflowRunState.Type;

/** The `instance.status` object of the start and status responses. */
export const WorkflowInstanceStatus = Schema.Struct({
  status: WorkflowRunState,
  error: Schema.optionalKey(Schema.Json),
  output: Schema.optionalKey(Schema.Json),
});
export type WorkflowInstanceStatus = typeof WorkflowInstanceStatus.Type;
