/** A platform analytics event (G.3) and the report the analytics read API answers with. */
import { Schema } from "effect";

/** Every event the platform records. */
export const AnalyticsEventName = Schema.Literals([
  "deploy",
  "runtime_request",
  "runtime_showcase",
  "rpc",
  "ai_run",
  "queue_send",
  "queue_delivery",
  "schedule_delivery",
  "workflow_create",
  "workflow_delivery",
]);
export type AnalyticsEventName = typeof AnalyticsEventName.Type;

/** One event; `outcome` is `success` for status 200-399, else `error`. Host fields only for `runtime_request`. */
export const AnalyticsEvent = Schema.Struct({
  event: AnalyticsEventName,
  /** ISO time the event happened; the sink stamps events that arrive without one. */
  timestamp: Schema.optionalKey(Schema.String),
  repository: Schema.optionalKey(Schema.String),
  environment: Schema.optionalKey(Schema.String),
  orgSlug: Schema.optionalKey(Schema.String),
  repoSlug: Schema.optionalKey(Schema.String),
  outcome: Schema.optionalKey(Schema.Literals(["success", "error"])),
  source: Schema.optionalKey(Schema.String),
  target: Schema.optionalKey(Schema.String),
  method: Schema.optionalKey(Schema.String),
  host: Schema.optionalKey(Schema.String),
  path: Schema.optionalKey(Schema.String),
  userAgent: Schema.optionalKey(Schema.String),
  colo: Schema.optionalKey(Schema.String),
  count: Schema.optionalKey(Schema.Number),
  status: Schema.optionalKey(Schema.Number),
  durationMs: Schema.optionalKey(Schema.Number),
});
export type AnalyticsEvent = typeof AnalyticsEvent.Type;

/** What the analytics API asks for: one app's events in one environment and time range. */
export const AnalyticsQuery = Schema.Struct({
  repository: Schema.String,
  environment: Schema.String,
  from: Schema.String,
  to: Schema.String,
  bucket: Schema.Literals(["hour", "day"]),
  limit: Schema.Number,
});
export type AnalyticsQuery = typeof AnalyticsQuery.Type;

/** Summary, time series and recent events for one query; `dataset` names where the events are kept. */
export const AnalyticsReport = Schema.Struct({
  dataset: Schema.String,
  summary: Schema.Array(
    Schema.Struct({
      event: Schema.String,
      outcome: Schema.String,
      count: Schema.Number,
      samples: Schema.Number,
      avgDurationMs: Schema.Number,
    }),
  ),
  timeseries: Schema.Array(
    Schema.Struct({ bucket: Schema.String, event: Schema.String, count: Schema.Number }),
  ),
  events: Schema.Array(
    Schema.Struct({
      timestamp: Schema.String,
      event: Schema.String,
      outcome: Schema.String,
      source: Schema.String,
      target: Schema.String,
      method: Schema.String,
      host: Schema.String,
      path: Schema.String,
      userAgent: Schema.String,
      colo: Schema.String,
      count: Schema.Number,
      status: Schema.Number,
      durationMs: Schema.Number,
    }),
  ),
});
export type AnalyticsReport = typeof AnalyticsReport.Type;
