/**
 * The lookups written with a deployment: binding tokens (E.2), schedules (E.5), queues (E.4), event
 * subscriptions, custom domains (H.4).
 */
import { Schema } from "effect";

/** The per-deployment token families. */
export const BindingTokenKind = Schema.Literals(["ai", "rpc", "queue", "workflow", "events"]);
export type BindingTokenKind = typeof BindingTokenKind.Type;

/** `binding_token:v1:<kind>:<hash>`: which app a presented token hash belongs to. */
export const BindingTokenEntry = Schema.Struct({
  version: Schema.Literal(1),
  kind: BindingTokenKind,
  tokenHash: Schema.String,
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  environment: Schema.String,
  repository: Schema.String,
  deployedAt: Schema.String,
});
export type BindingTokenEntry = typeof BindingTokenEntry.Type;

/** `schedule_mapping:v1:<id>`: one declared cron schedule of one app. */
export const ScheduleMapping = Schema.Struct({
  version: Schema.Literal(1),
  id: Schema.String,
  cron: Schema.String,
  path: Schema.String,
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  environment: Schema.String,
  repository: Schema.String,
  deployedAt: Schema.String,
});
export type ScheduleMapping = typeof ScheduleMapping.Type;

/** `queue_mapping:v1:<managed queue name>`: which app consumes a managed queue, and at which path. */
export const QueueMapping = Schema.Struct({
  version: Schema.Literal(1),
  queueName: Schema.String,
  queueId: Schema.String,
  queue: Schema.String,
  consumer: Schema.String,
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  environment: Schema.String,
  repository: Schema.String,
  deployedAt: Schema.String,
});
export type QueueMapping = typeof QueueMapping.Type;

/**
 * `event_subscription:v1:<env>:<subject>:<org>:<repo>:<queue>`: one subscription of a live deployment, so
 * a publish finds its subscribers in its environment without reading every deployment. `allow` is the
 * subscriber's `events.allow` (other owners it accepts events from).
 */
export const EventSubscriptionMapping = Schema.Struct({
  version: Schema.Literal(1),
  subject: Schema.String,
  queue: Schema.String,
  queueName: Schema.String,
  allow: Schema.Array(Schema.String),
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  environment: Schema.String,
  repository: Schema.String,
  deployedAt: Schema.String,
});
export type EventSubscriptionMapping = typeof EventSubscriptionMapping.Type;

/** A claimed custom-domain route: `pathPrefix` is absent for the host root `/`. */
export const CustomDomainMapping = Schema.Struct({
  version: Schema.Literal(1),
  hostname: Schema.String,
  pathPrefix: Schema.optionalKey(Schema.String),
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  environment: Schema.String,
  repository: Schema.String,
  deployedAt: Schema.String,
});
export type CustomDomainMapping = typeof CustomDomainMapping.Type;
