/** Usage events, burst counters and suspensions for UsageStore tests, shaped like the ones the core writes. */
import type { AppRef, BurstCounter, SuspensionState, UsageIncrement } from "@w7s/core";

export const DAY = "2026-05-26";
export const NOON = "2026-05-26T12:00:00.000Z";

/** One counted event of `app` (default acme/web in production), a success of count 1 at noon. */
export const eventOf = (
  metric: string,
  fields: Partial<UsageIncrement> = {},
  app: AppRef = { environment: "production", orgSlug: "acme", repoSlug: "web" },
): UsageIncrement => {
  const count = fields.count ?? 1;
  return {
    date: DAY,
    environment: app.environment,
    orgSlug: app.orgSlug,
    repoSlug: app.repoSlug,
    repository: `${app.orgSlug}/${app.repoSlug}`,
    metric,
    count,
    units: count,
    outcome: "success",
    at: NOON,
    ...fields,
  };
};

/** The repo, owner and global counters of one F.6 window, with the given limits. */
export const burstCountersOf = (
  limits: { readonly repo: number; readonly owner: number; readonly global: number },
  app: AppRef = { environment: "production", orgSlug: "acme", repoSlug: "web" },
  windowStart = "2026-05-26t12-00-00-000z",
): BurstCounter[] => {
  const prefix = `usage_rate:v1:${windowStart}:60`;
  return [
    {
      key: `${prefix}:repo:runtime.request:${app.environment}:${app.orgSlug}:${app.repoSlug}`,
      limit: limits.repo,
      ttlSeconds: 120,
    },
    {
      key: `${prefix}:owner:runtime.request:${app.environment}:${app.orgSlug}`,
      limit: limits.owner,
      ttlSeconds: 120,
    },
    { key: `${prefix}:global:runtime.request:${app.environment}`, limit: limits.global, ttlSeconds: 120 },
  ];
};

/** A limit suspension (ends at the next UTC day) or an operator's (no end) of `app`. */
export const suspensionOf = (
  app: AppRef,
  suspendedBy: SuspensionState["suspendedBy"],
  reason = suspendedBy === "limit"
    ? "W7S free-tier limit exceeded for runtime.request."
    : "Suspended by the operator.",
): SuspensionState => ({
  version: 1,
  status: "suspended",
  ...app,
  reason,
  metrics:
    suspendedBy === "limit"
      ? [
          {
            metric: "runtime.request",
            status: "exceeded",
            used: 10001,
            limit: 10000,
            remaining: 0,
            message: "runtime.request exceeded the daily limit (10001/10000).",
          },
        ]
      : [],
  updatedAt: NOON,
  ...(suspendedBy === "limit" ? { resumeAfter: "2026-05-27T00:00:00.000Z" } : {}),
  suspendedBy,
});
