/**
 * The internal API's routes (E.3-E.7 and events), added to the shared Hono app and served alone on an
 * adapter's private listener (the Node server's Unix socket that `W7S_RPC`, `W7S_QUEUE`, `W7S_WORKFLOW`,
 * `W7S_AI` and `W7S_EVENTS` reach). Every answer is the platform's JSON envelope except RPC, which answers the target's response.
 */
import { Effect } from "effect";
import { Hono } from "hono";
import {
  errorResponse,
  errorResponseFromUnknown,
  isHttpError,
  type JsonResponse,
  successResponse,
} from "../errors/errorResponse.js";
import { Internal, NotFound } from "../errors/httpErrors.js";
import type { PlatformConfig } from "../platformConfig.js";
import type { AiProvider } from "../ports/AiProvider.js";
import type { BackendRuntime } from "../ports/BackendRuntime.js";
import type { DeploymentStore } from "../ports/DeploymentStore.js";
import type { Ids } from "../ports/Ids.js";
import type { QueueBroker } from "../ports/QueueBroker.js";
import type { RepoAuth } from "../ports/RepoAuth.js";
import type { UsagePolicyStore } from "../ports/UsagePolicyStore.js";
import type { UsageStore } from "../ports/UsageStore.js";
import type { WorkflowEngine } from "../ports/WorkflowEngine.js";
import { runAi } from "./ai.js";
import { publishEvent } from "./events.js";
import { readDeadLetters, sendQueueMessage } from "./queues.js";
import { rpcCall } from "./rpc.js";
import { startWorkflow, workflowStatus } from "./workflows.js";

/** The services the internal API uses. */
export type PlatformServiceServices =
  | DeploymentStore
  | BackendRuntime
  | UsageStore
  | UsagePolicyStore
  | QueueBroker
  | WorkflowEngine
  | AiProvider
  | RepoAuth
  | Ids;

export type PlatformServiceRunner = <A>(
  effect: Effect.Effect<A, never, PlatformServiceServices>,
) => Promise<A>;

export interface PlatformServiceRouteOptions {
  readonly config: PlatformConfig;
  readonly run: PlatformServiceRunner;
}

const toResponse = (answer: JsonResponse): Response =>
  new Response(answer.body, { status: answer.status, headers: answer.headers });

const failureResponse = (error: unknown): Response =>
  toResponse(
    isHttpError(error)
      ? errorResponse(error)
      : errorResponse(new Internal({ message: error instanceof Error ? error.message : "Internal error." })),
  );

/** Runs a use case whose success is the response itself (RPC). */
const answerWith = <E, R>(effect: Effect.Effect<Response, E, R>) =>
  effect.pipe(
    Effect.catch((error) => Effect.succeed(failureResponse(error))),
    Effect.catchDefect((defect) => Effect.succeed(toResponse(errorResponseFromUnknown(defect)))),
  );

/** Runs a use case whose success is the `data` of the success envelope. */
const answerData = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  answerWith(Effect.map(effect, (data) => toResponse(successResponse(data))));

/** Adds the internal API routes to `app`; register them before any catch-all route. */
export const platformServiceRoutes = (app: Hono, { config, run }: PlatformServiceRouteOptions): Hono => {
  const rpc = (request: Request) => run(answerWith(rpcCall(request, config)));
  app.all("/api/v1/rpc", (c) => rpc(c.req.raw));
  app.all("/api/v1/rpc/*", (c) => rpc(c.req.raw));
  app.post("/api/v1/queues/*", (c) => run(answerData(sendQueueMessage(c.req.raw, config))));
  app.get("/api/v1/queues/*", (c) => run(answerData(readDeadLetters(c.req.raw))));
  app.post("/api/v1/workflows/*", (c) => run(answerData(startWorkflow(c.req.raw, config))));
  app.get("/api/v1/workflows/*", (c) => run(answerData(workflowStatus(c.req.raw))));
  app.post("/api/v1/ai/run", (c) => run(answerData(runAi(c.req.raw, config))));
  app.post("/api/v1/events/*", (c) => run(answerData(publishEvent(c.req.raw, config))));
  return app;
};

/** A Hono app with only the internal API, for a listener that apps alone can reach. */
export const makeInternalApiApp = (options: PlatformServiceRouteOptions): Hono => {
  const app = platformServiceRoutes(new Hono(), options);
  app.all("*", () => toResponse(errorResponse(new NotFound({ message: "Not found." }))));
  app.onError((error) => toResponse(errorResponseFromUnknown(error)));
  return app;
};
