/** Port: platform analytics events and the aggregated report the analytics API serves (G.3). */
import { Context, type Effect, type Option } from "effect";
import type { StoreError } from "./PortErrors.js";
import type { AnalyticsEvent, AnalyticsQuery, AnalyticsReport } from "./records/AnalyticsEvent.js";

/** Writes are best effort: callers ignore a failed write so it never changes a response. */
export class AnalyticsSink extends Context.Service<
  AnalyticsSink,
  {
    /** Records one event, time-stamped by the sink. */
    readonly write: (event: AnalyticsEvent) => Effect.Effect<void, StoreError>;
    /** Summary, time series and recent events; `None` when analytics is not configured. */
    readonly query: (query: AnalyticsQuery) => Effect.Effect<Option.Option<AnalyticsReport>, StoreError>;
    /** Deletes events older than `before` (ISO), for retention; returns how many went. */
    readonly purgeBefore: (before: string) => Effect.Effect<number, StoreError>;
  }
>()("@w7s/core/AnalyticsSink") {}
