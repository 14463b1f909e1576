/**
 * One place that records what a platform service did: the usage counter (F) and the analytics event
 * (G.3) of the same operation, so the two can never disagree about what happened.
 */
import { Effect } from "effect";
import { analyticsAppFields, recordAnalytics } from "../analytics/recordAnalytics.js";
import type { AnalyticsEventName } from "../ports/records/AnalyticsEvent.js";
import { recordUsage, type UsageRecord } from "../usage/usageLimits.js";

/** The analytics event each platform service metric is reported as. */
const EVENT_OF_METRIC = {
  "rpc.dispatch": "rpc",
  "ai.run": "ai_run",
  "queue.send": "queue_send",
  "queue.delivery": "queue_delivery",
  "schedule.delivery": "schedule_delivery",
  "workflow.create": "workflow_create",
  "workflow.delivery": "workflow_delivery",
} as const satisfies Record<string, AnalyticsEventName>;

export type ServiceMetric = keyof typeof EVENT_OF_METRIC;

export interface ServiceEvent extends UsageRecord {
  readonly metric: ServiceMetric;
  /** Who asked: the calling repository, or `w7s` for the platform's own deliveries. */
  readonly source?: string;
  /** What was reached: `owner/repo/path`, a queue or a workflow. */
  readonly target?: string;
  readonly method?: string;
  readonly status?: number;
  readonly durationMs?: number;
}

const definedFields = (fields: Record<string, string | number | undefined>) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));

export const recordServiceEvent = (event: ServiceEvent) =>
  Effect.gen(function* () {
    yield* recordUsage(event);
    yield* recordAnalytics({
      event: EVENT_OF_METRIC[event.metric],
      ...analyticsAppFields(event.app),
      outcome: event.outcome,
      ...definedFields({
        count: event.count,
        source: event.source,
        target: event.target,
        method: event.method,
        status: event.status,
        durationMs: event.durationMs,
      }),
    });
  });
