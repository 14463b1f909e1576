/** Durable workflow instances on Node: the WorkflowEngine Layer, its store and the runner. */
export {
  NodeWorkflows,
  openWorkflowStore,
  type WorkflowEngineOptions,
  workflowEngineLayer,
} from "./workflowEngine.js";
export {
  interruptedStepMessage,
  startWorkflowRunner,
  type WorkflowRunner,
  type WorkflowRunnerOptions,
} from "./workflowRunner.js";
export type { LeasedInstance, WorkflowStore } from "./workflowStore.js";
