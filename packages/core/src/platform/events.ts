/**
 * Events: `POST /api/v1/events/<owner>/<repo>` with `{subject, data}` publishes one event of the calling
 * app. There is no broker: the subject must be in the publisher's `events.publish`, the subscriptions come
 * from the live deployments of the publisher's environment (an index each deploy replaces), and each
 * subscriber queue gets one ordinary queue message, so delivery, retries and dead letters are the queues'.
 */
import { EVENT_SUBJECT_RULE, MAX_EVENT_SUBJECT_LENGTH, normalizeEventSubject } from "@w7s/manifest";
import { Effect, Result, type Schema } from "effect";
import { authorizeCall, type CallParty } from "../authorization/authorizeCall.js";
import { BadGateway, BadRequest, Forbidden, PayloadTooLarge } from "../errors/httpErrors.js";
import type { PlatformConfig } from "../platformConfig.js";
import { DeploymentStore } from "../ports/DeploymentStore.js";
import { Ids } from "../ports/Ids.js";
import { QueueBroker } from "../ports/QueueBroker.js";
import type { EventSubscriptionMapping } from "../ports/records/DeploymentIndexes.js";
import type { EventEnvelope } from "../ports/records/EventEnvelope.js";
import type { QueueMessageEnvelope } from "../ports/records/QueueMessage.js";
import { enforceNotSuspended, enforceUsageLimit, recordUsage } from "../usage/usageLimits.js";
import {
  type Caller,
  fromResult,
  readTextWithin,
  requireBearer,
  resolveCaller,
  segmentsAfter,
  slugSegment,
  storeUnavailable,
} from "./caller.js";

export const EVENTS_PREFIX = "/api/v1/events/";

/** The texts of publish failures after the token checks. */
export const eventMessages = {
  target: "Events target must be /api/v1/events/<owner>/<repo>.",
  invalidBody: 'Event body must be a JSON object {"subject": "<subject>", "data": <any JSON>}.',
  invalidSubject: (subject: string) =>
    `Invalid event subject ${JSON.stringify(subject.slice(0, MAX_EVENT_SUBJECT_LENGTH + 1))}: use ${EVENT_SUBJECT_RULE}.`,
  notSelf: (repository: string) => `An app publishes only its own events: use /api/v1/events/${repository}.`,
  notDeclared: (subject: string, repository: string) =>
    `Subject ${subject} is not declared in events.publish of ${repository}. Add it to w7s.json and redeploy.`,
  tooLarge: (limit: number) =>
    `Event envelope exceeds ${limit} bytes. Store large payloads in a database or bucket and publish a reference to them.`,
} as const;

const encoder = new TextEncoder();

/** A publish request's body: a JSON object with a valid `subject` (normalized) and any JSON `data` (`null` if absent). */
export const parseEventBody = (
  text: string,
): Result.Result<{ readonly subject: string; readonly data: Schema.Json }, BadRequest> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return Result.fail(new BadRequest({ message: eventMessages.invalidBody }));
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return Result.fail(new BadRequest({ message: eventMessages.invalidBody }));
  const { subject, data } = parsed as { subject?: unknown; data?: Schema.Json };
  if (typeof subject !== "string") return Result.fail(new BadRequest({ message: eventMessages.invalidBody }));
  const normalized = normalizeEventSubject(subject);
  if (normalized === undefined)
    return Result.fail(new BadRequest({ message: eventMessages.invalidSubject(subject) }));
  return Result.succeed({ subject: normalized, data: data ?? null });
};

/** Owner and repo of a publish; exactly two segments. */
const parseEventTarget = (pathname: string) =>
  Effect.gen(function* () {
    const segments = segmentsAfter(pathname, EVENTS_PREFIX) ?? [];
    if (segments.length !== 2 || segments.some((segment) => segment === ""))
      return yield* Effect.fail(new BadRequest({ message: eventMessages.target }));
    const [owner, repo] = segments as [string, string];
    return {
      owner: yield* slugSegment(owner, "event publisher owner"),
      repo: yield* slugSegment(repo, "event publisher repo"),
    };
  });

/**
 * The subscriptions one publisher reaches: those of its own environment whose owner is the publisher's,
 * or whose `events.allow` names the publisher's owner or `owner/repo` (the rule of `queue.allow`).
 */
export const reachableSubscriptions = (
  subscriptions: ReadonlyArray<EventSubscriptionMapping>,
  publisher: CallParty,
): EventSubscriptionMapping[] =>
  subscriptions.filter(
    (subscription) =>
      authorizeCall({
        kind: "event",
        caller: publisher,
        target: {
          owner: subscription.orgSlug,
          repo: subscription.repoSlug,
          environment: subscription.environment,
        },
        allow: subscription.allow,
      }).allowed,
  );

/** The queue message one subscription receives for `event`: an ordinary E.4 envelope whose body is the event. */
export const eventDelivery = (
  event: EventEnvelope,
  subscription: EventSubscriptionMapping,
): { readonly queueName: string; readonly envelope: QueueMessageEnvelope } => ({
  queueName: subscription.queueName,
  envelope: {
    version: 1,
    body: event,
    enqueuedAt: event.time,
    caller: event.publisher,
    target: {
      orgSlug: subscription.orgSlug,
      repoSlug: subscription.repoSlug,
      repository: `${subscription.orgSlug}/${subscription.repoSlug}`,
      queue: subscription.queue,
    },
  },
});

const publisherOf = (caller: Caller) => ({
  orgSlug: caller.app.orgSlug,
  repoSlug: caller.app.repoSlug,
  repository: caller.repository,
  environment: caller.app.environment,
});

/**
 * Publishes one event and answers its id, subject, time and the queues it was enqueued on. Every delivery
 * is durable before the answer; when a send fails the publish fails (502) and may be retried, so a
 * subscriber can see an event twice (at least once, as queues), never lose one that was answered.
 */
export const publishEvent = (request: Request, config: PlatformConfig) =>
  Effect.gen(function* () {
    const token = yield* requireBearer("events", request);
    const target = yield* parseEventTarget(new URL(request.url).pathname);
    const limit = config.platformLimits.queueMaxMessageBytes;
    const read = yield* readTextWithin(request, limit);
    if (read === undefined)
      return yield* Effect.fail(
        new PayloadTooLarge({ message: eventMessages.tooLarge(limit), details: { limit } }),
      );
    const { subject, data } = yield* fromResult(parseEventBody(read.text));
    const caller = yield* resolveCaller("events", token);
    if (caller.app.orgSlug !== target.owner || caller.app.repoSlug !== target.repo)
      return yield* Effect.fail(new Forbidden({ message: eventMessages.notSelf(caller.repository) }));
    const publish = caller.deployment.record.events?.publish ?? [];
    if (!publish.includes(subject))
      return yield* Effect.fail(
        new Forbidden({
          message: eventMessages.notDeclared(subject, caller.repository),
          details: { subject, publish },
        }),
      );
    yield* enforceNotSuspended(caller.app);
    yield* enforceUsageLimit({ metric: "event.publish", app: caller.app }, config);

    const store = yield* DeploymentStore;
    const subscriptions = yield* store
      .listSubscriptions({ environment: caller.app.environment, subject })
      .pipe(Effect.mapError(storeUnavailable));
    const party: CallParty = {
      owner: caller.app.orgSlug,
      repo: caller.app.repoSlug,
      environment: caller.app.environment,
    };
    const ids = yield* Ids;
    const event: EventEnvelope = {
      version: 1,
      type: "w7s.event",
      id: yield* ids.randomUuid(),
      subject,
      publisher: publisherOf(caller),
      time: new Date(yield* Effect.clockWith((clock) => clock.currentTimeMillis)).toISOString(),
      data,
    };
    const deliveries = reachableSubscriptions(subscriptions, party).map((subscription) => ({
      subscription,
      ...eventDelivery(event, subscription),
    }));
    const largest = Math.max(
      0,
      ...deliveries.map(({ envelope }) => encoder.encode(JSON.stringify(envelope)).byteLength),
    );
    if (largest > limit)
      return yield* Effect.fail(
        new PayloadTooLarge({ message: eventMessages.tooLarge(limit), details: { bytes: largest, limit } }),
      );
    const units = deliveries.length;
    if (units > 0) yield* enforceUsageLimit({ metric: "event.delivery", app: caller.app, units }, config);

    const broker = yield* QueueBroker;
    yield* Effect.forEach(deliveries, ({ queueName, envelope }) => broker.send(queueName, envelope), {
      discard: true,
    }).pipe(
      Effect.tapError(() => recordUsage({ metric: "event.publish", app: caller.app, outcome: "error" })),
      Effect.mapError((error) => new BadGateway({ message: `Event delivery failed: ${error.message}` })),
    );
    yield* recordUsage({ metric: "event.publish", app: caller.app, outcome: "success" });
    if (units > 0)
      yield* recordUsage({
        metric: "event.delivery",
        app: caller.app,
        units,
        count: units,
        outcome: "success",
      });
    return {
      event: { id: event.id, subject, time: event.time },
      deliveries: deliveries.map(({ subscription }) => ({
        repository: `${subscription.orgSlug}/${subscription.repoSlug}`,
        queue: subscription.queue,
      })),
    };
  });

/** The subscription mappings a deployment record's `events` declares, written with the deployment's switch. */
export const subscriptionMappings = (record: {
  readonly orgSlug: string;
  readonly repoSlug: string;
  readonly environment: string;
  readonly repository: string;
  readonly deployedAt: string;
  readonly events?: {
    readonly allow: readonly string[];
    readonly subscribe: ReadonlyArray<{
      readonly subject: string;
      readonly queue: string;
      readonly queueName: string;
    }>;
  };
}): EventSubscriptionMapping[] =>
  (record.events?.subscribe ?? []).map((subscription) => ({
    version: 1,
    subject: subscription.subject,
    queue: subscription.queue,
    queueName: subscription.queueName,
    allow: [...(record.events?.allow ?? [])],
    orgSlug: record.orgSlug,
    repoSlug: record.repoSlug,
    environment: record.environment,
    repository: record.repository,
    deployedAt: record.deployedAt,
  }));
