/**
 * Queues (E.4): `POST /api/v1/queues/<owner>/<repo>/<queue>` enqueues a JSON message on a queue the target
 * app declared; `deliverQueueBatch` hands one batch to the consumer path of the app that owns the queue;
 * `GET /api/v1/queues/<owner>/<repo>/<queue>/dead-letters` shows the owner what ran out of retries.
 */
import { applicationScopedRepoSlug, managedQueueName, requireEnvironmentSlug } from "@w7s/env-naming";
import { Effect, Result, Schema } from "effect";
import { authorizeCall } from "../authorization/authorizeCall.js";
import { parseBearerToken } from "../deploy/preflight.js";
import { BadGateway, BadRequest, NotFound, PayloadTooLarge, Unauthorized } from "../errors/httpErrors.js";
import type { PlatformConfig } from "../platformConfig.js";
import { BackendRuntime } from "../ports/BackendRuntime.js";
import { DeploymentStore } from "../ports/DeploymentStore.js";
import { QueueBroker } from "../ports/QueueBroker.js";
import { RepoAuth } from "../ports/RepoAuth.js";
import type { AppRef } from "../ports/records/AppRef.js";
import { type QueueBatch, QueueMessageEnvelope } from "../ports/records/QueueMessage.js";
import {
  checkBlockedUsageLimit,
  enforceNotSuspended,
  enforceUsageLimit,
  tooManyRequests,
} from "../usage/usageLimits.js";
import {
  currentDeployment,
  decodeSegment,
  identityHeaders,
  internalUrl,
  readTextWithin,
  requireBearer,
  resolveCaller,
  segmentsAfter,
  slugSegment,
  storeUnavailable,
} from "./caller.js";
import { recordServiceEvent } from "./serviceEvents.js";

export const QUEUES_PREFIX = "/api/v1/queues/";

/** The largest `x-w7s-queue-delay-seconds`. */
export const MAX_QUEUE_DELAY_SECONDS = 86_400;

/** The exact texts of queue failures after the token checks. */
export const queueMessages = {
  target: "Queue target must be /api/v1/queues/<owner>/<repo>/<queue>.",
  invalidJson: "Queue message body must be valid JSON.",
  delay: "x-w7s-queue-delay-seconds must be an integer from 0 to 86400.",
  notFound: "Queue target deployment was not found.",
  notDeclared: "Queue target was not declared by the deployment.",
  tooLarge: (limit: number) =>
    `Queue message envelope exceeds ${limit} bytes. Store large payloads in a database or bucket and enqueue a reference to them.`,
  mappingMissing: (queue: string) => `W7S queue mapping was not found for ${queue}.`,
  deploymentMissing: (queue: string) => `W7S queue target deployment was not found for ${queue}.`,
  consumerFailed: (status: number) => `W7S queue consumer failed with HTTP ${status}.`,
  deadLetterRoute: "Dead-letter route must be /api/v1/queues/<owner>/<repo>/<queue>/dead-letters.",
  deadLetterLimit: "limit must be an integer from 1 to 100.",
  missingBearer: "Missing bearer token.",
  notAuthorized: "Bearer token is not authorized for this GitHub repository.",
  authorityUnavailable: (detail: string) => `Could not verify repository access with GitHub: ${detail}`,
} as const;

const encoder = new TextEncoder();

/** `x-w7s-queue-delay-seconds`: absent, or an integer from 0 to 86400. */
export const parseQueueDelay = (value: string | null): Result.Result<number | undefined, BadRequest> => {
  if (value === null) return Result.succeed(undefined);
  const trimmed = value.trim();
  const seconds = Number(trimmed);
  return /^\d+$/.test(trimmed) && seconds <= MAX_QUEUE_DELAY_SECONDS
    ? Result.succeed(seconds)
    : Result.fail(new BadRequest({ message: queueMessages.delay }));
};

/** Owner, repo and queue of a send; exactly three segments. */
const parseQueueTarget = (pathname: string) =>
  Effect.gen(function* () {
    const segments = segmentsAfter(pathname, QUEUES_PREFIX) ?? [];
    if (segments.length !== 3 || segments.some((segment) => segment === ""))
      return yield* Effect.fail(new BadRequest({ message: queueMessages.target }));
    const [owner, repo, queue] = segments as [string, string, string];
    return {
      owner: yield* slugSegment(owner, "queue target owner"),
      repo: yield* slugSegment(repo, "queue target repo"),
      queue: yield* slugSegment(queue, "queue name"),
    };
  });

/** Enqueues one message and answers the E.4 success envelope data. */
export const sendQueueMessage = (request: Request, config: PlatformConfig) =>
  Effect.gen(function* () {
    const token = yield* requireBearer("queue", request);
    const url = new URL(request.url);
    const target = yield* parseQueueTarget(url.pathname);
    const limit = config.platformLimits.queueMaxMessageBytes;
    // The envelope adds a few hundred bytes to the body, so a body past the limit can never fit.
    const read = yield* readTextWithin(request, limit);
    if (read === undefined)
      return yield* Effect.fail(
        new PayloadTooLarge({ message: queueMessages.tooLarge(limit), details: { limit } }),
      );
    let body: Schema.Json = null;
    if (read.text.trim() !== "") {
      try {
        body = JSON.parse(read.text) as Schema.Json;
      } catch {
        return yield* Effect.fail(new BadRequest({ message: queueMessages.invalidJson }));
      }
    }
    const delay = parseQueueDelay(request.headers.get("x-w7s-queue-delay-seconds"));
    if (Result.isFailure(delay)) return yield* Effect.fail(delay.failure);
    const caller = yield* resolveCaller("queue", token);
    const targetApp: AppRef = {
      environment: caller.app.environment,
      orgSlug: target.owner,
      repoSlug: target.repo,
    };
    const deployment = yield* currentDeployment(targetApp);
    if (deployment === undefined)
      return yield* Effect.fail(new NotFound({ message: queueMessages.notFound }));
    const declared = deployment.record.queue?.queues.find((queue) => queue.name === target.queue);
    if (declared === undefined)
      return yield* Effect.fail(new NotFound({ message: queueMessages.notDeclared }));
    const decision = authorizeCall({
      kind: "queue",
      caller: { owner: caller.app.orgSlug, repo: caller.app.repoSlug, environment: caller.app.environment },
      target: { owner: target.owner, repo: target.repo, environment: targetApp.environment },
      allow: deployment.record.queue?.allow ?? [],
    });
    if (!decision.allowed) return yield* Effect.fail(decision.error);

    const enqueuedAt = new Date(yield* Effect.clockWith((clock) => clock.currentTimeMillis)).toISOString();
    const envelope: QueueMessageEnvelope = {
      version: 1,
      body,
      enqueuedAt,
      caller: {
        orgSlug: caller.app.orgSlug,
        repoSlug: caller.app.repoSlug,
        repository: caller.repository,
        environment: caller.app.environment,
      },
      target: {
        orgSlug: target.owner,
        repoSlug: target.repo,
        repository: `${target.owner}/${target.repo}`,
        queue: target.queue,
      },
    };
    const envelopeBytes = encoder.encode(JSON.stringify(envelope)).byteLength;
    if (envelopeBytes > limit)
      return yield* Effect.fail(
        new PayloadTooLarge({
          message: queueMessages.tooLarge(limit),
          details: { bytes: envelopeBytes, limit },
        }),
      );
    yield* enforceNotSuspended(caller.app);
    yield* enforceNotSuspended(targetApp);
    yield* enforceUsageLimit({ metric: "queue.send", app: caller.app }, config);
    const sendEvent = {
      metric: "queue.send",
      app: caller.app,
      source: caller.repository,
      target: `${target.owner}/${target.repo}/${target.queue}`,
    } as const;
    const broker = yield* QueueBroker;
    yield* broker
      .send(declared.queueName, envelope, delay.success === undefined ? {} : { delaySeconds: delay.success })
      .pipe(
        Effect.tapError(() => recordServiceEvent({ ...sendEvent, outcome: "error" })),
        Effect.mapError((error) => new BadGateway({ message: `Queue send failed: ${error.message}` })),
      );
    yield* recordServiceEvent({ ...sendEvent, outcome: "success" });
    return {
      queue: { owner: target.owner, repo: target.repo, name: target.queue },
      enqueuedAt,
      result: null,
    };
  });

/**
 * What became of one delivered batch: acknowledged; failed and to be retried whole (an attempt used); or
 * deferred by a `queue.delivery` usage limit, to be tried again once the window has passed without using
 * an attempt, so a limit delays messages but never turns them into dead letters.
 */
export type QueueDeliveryOutcome =
  | { readonly _tag: "Acked"; readonly status: number }
  | { readonly _tag: "Failed"; readonly error: string; readonly status?: number }
  | { readonly _tag: "Deferred"; readonly error: string; readonly retryAfterSeconds: number };

const isEnvelope = Schema.is(QueueMessageEnvelope);

/** The consumer's view of one message (E.4): envelopes unwrapped, foreign messages passed as they are. */
const consumerMessage = (message: QueueBatch["messages"][number]) => {
  const envelope = isEnvelope(message.body) ? message.body : undefined;
  return {
    id: message.id,
    attempts: message.attempts,
    timestamp: message.timestamp,
    enqueuedAt: envelope?.enqueuedAt ?? null,
    caller: envelope?.caller ?? null,
    body: envelope === undefined ? message.body : envelope.body,
  };
};

/**
 * Hands one batch to the backend that owns its queue, in ONE request; a 2xx acknowledges every message, any
 * other answer (or no consumer) fails the whole batch for the broker to retry; a blocked `queue.delivery`
 * limit (checked first, for the batch's message count) defers it. Never fails itself: the outcome says what
 * happened.
 */
export const deliverQueueBatch = (batch: QueueBatch, config: PlatformConfig) =>
  Effect.gen(function* () {
    const store = yield* DeploymentStore;
    const failed = (error: string, status?: number): QueueDeliveryOutcome =>
      status === undefined ? { _tag: "Failed", error } : { _tag: "Failed", error, status };
    const mapping = yield* store.findQueue(batch.queueName).pipe(Effect.mapError(storeUnavailable));
    if (mapping._tag === "None") return failed(queueMessages.mappingMissing(batch.queueName));
    const app: AppRef = {
      environment: mapping.value.environment,
      orgSlug: mapping.value.orgSlug,
      repoSlug: mapping.value.repoSlug,
    };
    const deployment = yield* currentDeployment(app);
    if (deployment?.record.targets.worker === undefined)
      return failed(queueMessages.deploymentMissing(batch.queueName));
    const units = batch.messages.length;
    const blocked = yield* checkBlockedUsageLimit({ metric: "queue.delivery", app, units }, config);
    if (blocked !== undefined) {
      const limited = tooManyRequests(blocked.rejection);
      return {
        _tag: "Deferred",
        error: limited.message,
        retryAfterSeconds: limited.retryAfterSeconds,
      } as const;
    }

    const consumer = mapping.value.consumer;
    const request = new Request(internalUrl(app.orgSlug, consumer), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-w7s-queue": mapping.value.queue,
        "x-w7s-queue-name": batch.queueName,
        ...identityHeaders(app, consumer),
      },
      body: JSON.stringify({
        queue: mapping.value.queue,
        queueName: batch.queueName,
        messages: batch.messages.map(consumerMessage),
      }),
    });
    const deliveryEvent = {
      metric: "queue.delivery",
      app,
      units,
      count: units,
      source: "w7s",
      target: `${mapping.value.queue}${consumer}`,
    } as const;
    const runtime = yield* BackendRuntime;
    const answered = yield* Effect.result(runtime.dispatch(deployment.deploymentId, request));
    if (answered._tag === "Failure") {
      yield* recordServiceEvent({ ...deliveryEvent, outcome: "error" });
      return failed(answered.failure.description ?? answered.failure.message);
    }
    const response = answered.success;
    yield* Effect.promise(() => response.arrayBuffer().catch(() => undefined));
    const ok = response.status >= 200 && response.status < 300;
    yield* recordServiceEvent({
      ...deliveryEvent,
      outcome: ok ? "success" : "error",
      status: response.status,
    });
    return ok
      ? ({ _tag: "Acked", status: response.status } satisfies QueueDeliveryOutcome)
      : failed(queueMessages.consumerFailed(response.status), response.status);
  }).pipe(
    Effect.catch((error) => Effect.succeed<QueueDeliveryOutcome>({ _tag: "Failed", error: error.message })),
  );

/** `GET /api/v1/queues/<owner>/<repo>/<queue>/dead-letters`: the app owner reads its queue's dead letters. */
export const readDeadLetters = (request: Request) =>
  Effect.gen(function* () {
    const token = parseBearerToken(request.headers.get("authorization"));
    if (token === null) return yield* Effect.fail(new Unauthorized({ message: queueMessages.missingBearer }));
    const url = new URL(request.url);
    const segments = segmentsAfter(url.pathname, QUEUES_PREFIX) ?? [];
    if (segments.length !== 4 || segments[3] !== "dead-letters" || segments.some((part) => part === ""))
      return yield* Effect.fail(new BadRequest({ message: queueMessages.deadLetterRoute }));
    const [rawOwner, rawRepo, rawQueue] = segments as [string, string, string];
    const owner = yield* slugSegment(rawOwner, "queue target owner");
    const repoSlug = yield* slugSegment(rawRepo, "queue target repo");
    const queue = yield* slugSegment(rawQueue, "queue name");
    const query = url.searchParams;
    const environmentValue = (
      query.get("environment") ??
      request.headers.get("x-w7s-environment") ??
      ""
    ).trim();
    let environment = "production";
    if (environmentValue !== "") {
      const resolved = requireEnvironmentSlug(environmentValue);
      if (Result.isFailure(resolved))
        return yield* Effect.fail(new BadRequest({ message: resolved.failure.message }));
      environment = resolved.success;
    }
    const limitValue = query.get("limit");
    const limit = limitValue === null ? 50 : Number(limitValue);
    if (
      !Number.isInteger(limit) ||
      limit < 1 ||
      limit > 100 ||
      (limitValue !== null && !/^\d+$/.test(limitValue))
    )
      return yield* Effect.fail(new BadRequest({ message: queueMessages.deadLetterLimit }));
    const application = query.get("application")?.trim() ?? "";
    const repo = application === "" ? repoSlug : applicationScopedRepoSlug(repoSlug, application);

    // Dead letters hold message bodies, so reading them needs the right to deploy the repository, not just read it.
    const auth = yield* RepoAuth;
    const access = yield* auth
      .verify({ token, owner: decodeSegment(rawOwner), repo: decodeSegment(rawRepo), access: "deploy" })
      .pipe(
        Effect.mapError(
          (error) =>
            new BadGateway({
              message: queueMessages.authorityUnavailable(error.description ?? error.reason),
            }),
        ),
      );
    if (!access.granted)
      return yield* Effect.fail(new Unauthorized({ message: queueMessages.notAuthorized }));

    const queueName = managedQueueName({ environment, owner, repo, queue });
    const broker = yield* QueueBroker;
    const cursor = query.get("cursor");
    const page = yield* broker
      .deadLetters(queueName, { limit, ...(cursor === null || cursor === "" ? {} : { cursor }) })
      .pipe(
        Effect.mapError(
          (error) => new BadGateway({ message: `Dead letters could not be read: ${error.message}` }),
        ),
      );
    return {
      queue: { owner, repo, name: queue, queueName, environment },
      deadLetters: page.items,
      cursor: page.cursor,
    };
  });
