/** Storage operations counted by the bindings host, as the UsageStore's increments (F.2). */
import type { UsageIncrement } from "@w7s/core";
import type { UsageEvent } from "../bindings/gateway.js";

/** The increment of one counted operation at `at`; the app's repository is `<owner>/<repo slug>`. */
export const usageIncrementOf = (event: UsageEvent, at: Date): UsageIncrement => {
  const iso = at.toISOString();
  return {
    date: iso.slice(0, 10),
    environment: event.app.environment,
    orgSlug: event.app.orgSlug,
    repoSlug: event.app.repoSlug,
    repository: `${event.app.orgSlug}/${event.app.repoSlug}`,
    metric: event.metric,
    count: event.count,
    units: event.units,
    outcome: event.outcome,
    at: iso,
    source: "w7s",
  };
};
