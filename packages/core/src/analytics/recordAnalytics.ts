/**
 * Writing platform analytics events (G.3) from any use case: best effort, so a missing or failing sink
 * never changes what the caller answers.
 */
import { Effect, Option } from "effect";
import { AnalyticsSink } from "../ports/AnalyticsSink.js";
import type { AnalyticsEvent } from "../ports/records/AnalyticsEvent.js";
import type { AppRef } from "../ports/records/AppRef.js";

/** The event fields every app-scoped event carries (G.3 blobs 2-5). */
export const analyticsAppFields = (app: AppRef) => ({
  repository: `${app.orgSlug}/${app.repoSlug}`,
  environment: app.environment,
  orgSlug: app.orgSlug,
  repoSlug: app.repoSlug,
});

/** Records `event` when an AnalyticsSink is provided, stamped with the clock unless it has a timestamp. */
export const recordAnalytics = (event: AnalyticsEvent): Effect.Effect<void> =>
  Effect.gen(function* () {
    const sink = yield* Effect.serviceOption(AnalyticsSink);
    if (Option.isNone(sink)) return;
    const timestamp =
      event.timestamp ?? new Date(yield* Effect.clockWith((clock) => clock.currentTimeMillis)).toISOString();
    yield* Effect.ignore(sink.value.write({ ...event, timestamp }));
  });
