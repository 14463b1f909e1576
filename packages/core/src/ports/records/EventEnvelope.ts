/** What a subscriber's queue receives for one published event (the `body` of its queue envelope). */
import { Schema } from "effect";

/** The publishing app, as the token resolved it. */
export const EventPublisher = Schema.Struct({
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  repository: Schema.String,
  environment: Schema.String,
});
export type EventPublisher = typeof EventPublisher.Type;

/**
 * One event: the same `id` and `time` reach every subscriber queue of one publish, so a consumer can tell
 * a redelivery (at least once) from a new event. `type` tells events apart from plain queue messages.
 */
export const EventEnvelope = Schema.Struct({
  version: Schema.Literal(1),
  type: Schema.Literal("w7s.event"),
  id: Schema.String,
  subject: Schema.String,
  publisher: EventPublisher,
  time: Schema.String,
  data: Schema.Json,
});
export type EventEnvelope = typeof EventEnvelope.Type;
