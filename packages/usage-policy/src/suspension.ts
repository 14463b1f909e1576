/** App suspensions: the stored state, when it is active, how two suspensions combine, and the 429 it answers with (F.8, DECISIONS 8). */
import { sanitizeScriptPart } from "@w7s/env-naming";
import { type RateLimitCheck, rateLimitMessage } from "./burst.js";
import { dailyLimitMessage, type UsageLimitCheck } from "./dailyCheck.js";
import type { UsageLimitWarning } from "./evaluation.js";
import { jsonRejection, type LimitRejection } from "./rejection.js";
import type { UsageTarget } from "./target.js";
import {
  epochMillis,
  type Instant,
  isoString,
  nextUtcMidnight,
  secondsUntil,
  secondsUntilNextUtcMidnight,
} from "./time.js";

/**
 * Who suspended an app. A `limit` suspension (usage over a limit) ends at `resumeAfter`, by default the next
 * UTC day; an `operator` suspension has no `resumeAfter` and ends only when the operator lifts it.
 */
export type SuspensionKind = "limit" | "operator";

/** The stored suspension of one app environment (`app_limit_state:v1:<env>:<org>:<repo>`). */
export interface AppLimitState extends UsageTarget {
  readonly version: 1;
  readonly status: "suspended";
  readonly kind: SuspensionKind;
  readonly reason: string;
  readonly metrics: readonly UsageLimitWarning[];
  readonly updatedAt: string;
  readonly resumeAfter?: string;
}

/** The KV key of an app environment's suspension state. */
export const appLimitStateKey = (target: UsageTarget): string =>
  `app_limit_state:v1:${sanitizeScriptPart(target.environment)}:${sanitizeScriptPart(target.orgSlug)}:${sanitizeScriptPart(target.repoSlug)}`;

/** A suspension for usage over a limit, resuming at `resumeAfter` (default: the next 00:00 UTC after `now`). */
export const limitSuspension = (
  input: UsageTarget & {
    readonly now: Instant;
    readonly metrics: readonly UsageLimitWarning[];
    readonly reason?: string;
    readonly resumeAfter?: Instant;
  },
): AppLimitState => {
  const firstMetric = input.metrics[0]?.metric;
  const reason =
    input.reason ??
    (firstMetric === undefined
      ? "W7S free-tier limit exceeded."
      : `W7S free-tier limit exceeded for ${firstMetric}.`);
  return {
    version: 1,
    status: "suspended",
    kind: "limit",
    environment: input.environment,
    orgSlug: input.orgSlug,
    repoSlug: input.repoSlug,
    reason,
    metrics: input.metrics,
    updatedAt: isoString(epochMillis(input.now)),
    resumeAfter: isoString(epochMillis(input.resumeAfter ?? nextUtcMidnight(input.now))),
  };
};

/** A suspension decided by an operator; it has no end of its own. */
export const operatorSuspension = (
  input: UsageTarget & { readonly now: Instant; readonly reason: string },
): AppLimitState => ({
  version: 1,
  status: "suspended",
  kind: "operator",
  environment: input.environment,
  orgSlug: input.orgSlug,
  repoSlug: input.repoSlug,
  reason: input.reason,
  metrics: [],
  updatedAt: isoString(epochMillis(input.now)),
});

/**
 * The suspension runtime accounting stores when a check blocks (D.8): the limit message as reason; a daily
 * block resumes at the next UTC day, a burst block when its window has passed (`now + retryAfterSeconds`).
 */
export const suspensionForBlock = (check: UsageLimitCheck | RateLimitCheck, now: Instant): AppLimitState => {
  if (check.enforcement === "rate") {
    return limitSuspension({
      ...check,
      now,
      metrics: [],
      reason: rateLimitMessage(check),
      resumeAfter: epochMillis(now) + check.retryAfterSeconds * 1000,
    });
  }
  const warning: UsageLimitWarning = {
    metric: check.metric,
    status: "exceeded",
    used: check.projectedUnits,
    limit: check.limit,
    remaining: Math.max(0, check.limit - check.projectedUnits),
    message: `${check.metric} exceeded the daily limit (${check.projectedUnits}/${check.limit}).`,
  };
  return limitSuspension({ ...check, now, metrics: [warning], reason: dailyLimitMessage(check) });
};

/** Whether a D.8 response source may suspend the app on a burst block; SPA fallbacks and 404 scans never do. */
export const suspendsOnBurst = (source: string): boolean => {
  const kind = source.split(":", 1)[0] ?? "";
  return kind !== "static_fallback" && kind !== "not_found";
};

const resumeMillis = (state: AppLimitState): number | undefined =>
  state.resumeAfter === undefined ? undefined : Date.parse(state.resumeAfter);

/** True while a suspension holds: it has no `resumeAfter`, or `resumeAfter` is still after `now`. */
export const isSuspensionActive = (state: AppLimitState | null | undefined, now: Instant): boolean => {
  if (state === null || state === undefined) return false;
  const resume = resumeMillis(state);
  return resume === undefined || resume > epochMillis(now);
};

/**
 * The state to store when `incoming` meets the stored one; no component's suspension is cut short by another's.
 * An operator suspension is never replaced by a limit one; between limit suspensions the later end wins.
 */
export const combineSuspensions = (
  existing: AppLimitState | null | undefined,
  incoming: AppLimitState,
  now: Instant,
): AppLimitState => {
  if (existing === null || existing === undefined || !isSuspensionActive(existing, now)) return incoming;
  if (incoming.kind === "operator") return incoming;
  if (existing.kind === "operator") return existing;
  const existingEnd = resumeMillis(existing) ?? Number.POSITIVE_INFINITY;
  const incomingEnd = resumeMillis(incoming) ?? Number.POSITIVE_INFINITY;
  return incomingEnd > existingEnd ? incoming : existing;
};

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const text = (value: unknown): string => (typeof value === "string" ? value : "");

const parseWarning = (value: unknown): UsageLimitWarning[] => {
  if (!isRecord(value) || typeof value["metric"] !== "string") return [];
  const status = value["status"] === "exceeded" || value["status"] === "ok" ? value["status"] : "warning";
  const number = (field: string): number => {
    const candidate = value[field];
    return typeof candidate === "number" && Number.isFinite(candidate) ? candidate : 0;
  };
  return [
    {
      metric: value["metric"],
      status,
      used: number("used"),
      limit: number("limit"),
      remaining: number("remaining"),
      message: text(value["message"]),
    },
  ];
};

/**
 * A stored state as this package understands it, or `undefined` when it suspends nothing: not an object,
 * `status` other than `suspended`, or an unreadable `resumeAfter`. A state without `kind` is a limit
 * suspension; a limit suspension without `resumeAfter` ends at the UTC midnight after its `updatedAt`.
 */
export const parseSuspensionState = (stored: unknown): AppLimitState | undefined => {
  if (!isRecord(stored) || stored["status"] !== "suspended") return undefined;
  const kind: SuspensionKind = stored["kind"] === "operator" ? "operator" : "limit";
  const updatedAt = text(stored["updatedAt"]);
  let resumeAfter: string | undefined;
  if (stored["resumeAfter"] !== undefined && stored["resumeAfter"] !== null) {
    const millis = typeof stored["resumeAfter"] === "string" ? Date.parse(stored["resumeAfter"]) : Number.NaN;
    if (!Number.isFinite(millis)) return undefined;
    resumeAfter = isoString(millis);
  } else if (kind === "limit" && Number.isFinite(Date.parse(updatedAt))) {
    resumeAfter = nextUtcMidnight(Date.parse(updatedAt)).toISOString();
  }
  const metrics = Array.isArray(stored["metrics"]) ? stored["metrics"].flatMap(parseWarning) : [];
  return {
    version: 1,
    status: "suspended",
    kind,
    environment: text(stored["environment"]),
    orgSlug: text(stored["orgSlug"]),
    repoSlug: text(stored["repoSlug"]),
    reason: text(stored["reason"]),
    metrics,
    updatedAt,
    ...(resumeAfter === undefined ? {} : { resumeAfter }),
  };
};

/** The user-facing text of a suspension: its reason, else the first metric over its limit, else a generic line. */
export const suspensionMessage = (state: AppLimitState): string => {
  if (state.reason.length > 0) return state.reason;
  const firstMetric = state.metrics[0]?.metric;
  return firstMetric === undefined
    ? "W7S free-tier limit exceeded."
    : `W7S free-tier limit exceeded for ${firstMetric}.`;
};

/** `retry-after` seconds for a suspension: until `resumeAfter` (at least 1), else until the next UTC midnight. */
export const suspensionRetryAfterSeconds = (state: AppLimitState, now: Instant): number => {
  const resume = resumeMillis(state);
  return resume === undefined || !Number.isFinite(resume)
    ? secondsUntilNextUtcMidnight(now)
    : secondsUntil(now, resume);
};

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);

/** The page a browser sees for a suspended app. */
export const suspensionHtmlPage = (state: AppLimitState): string => {
  const message = escapeHtml(suspensionMessage(state));
  const resume = escapeHtml(state.resumeAfter ?? "the next UTC day");
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>W7S limit reached</title>",
    "</head>",
    "<body>",
    "<main>",
    "<h1>W7S limit reached</h1>",
    `<p>${message}</p>`,
    `<p>This app can resume after ${resume}.</p>`,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
};

/** True when an `accept` header asks for HTML (the suspension then answers with a page). */
export const acceptsHtml = (accept: string | null | undefined): boolean =>
  (accept ?? "").toLowerCase().includes("text/html");

/** The 429 a suspended app answers with: an HTML page for browsers, else the JSON error with the state. */
export const suspensionRejection = (
  state: AppLimitState,
  request: { readonly now: Instant; readonly accept?: string | null },
): LimitRejection<{ readonly appLimitState: AppLimitState }> => {
  const retryAfterSeconds = suspensionRetryAfterSeconds(state, request.now);
  if (acceptsHtml(request.accept)) {
    return {
      status: 429,
      retryAfterSeconds,
      format: "html",
      contentType: "text/html; charset=utf-8",
      body: suspensionHtmlPage(state),
    };
  }
  return jsonRejection(suspensionMessage(state), { appLimitState: state }, retryAfterSeconds);
};
