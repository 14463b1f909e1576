/**
 * Schedules (E.5): the per-minute dispatch of every due schedule of every live deployment. Each schedule and
 * minute is claimed through the `SchedulerLock` first, so however many servers or ticks run one minute, each
 * due schedule is POSTed once; a failed delivery is recorded in the app's logs and not retried (DECISIONS 14).
 */
import { sanitizeScriptPart } from "@w7s/env-naming";
import { type CronSchedule, parseCron } from "@w7s/manifest";
import { Effect, Result } from "effect";
import { dueSchedules, minuteFields } from "../cron/cronMatches.js";
import type { PlatformConfig } from "../platformConfig.js";
import { BackendRuntime } from "../ports/BackendRuntime.js";
import { DeploymentStore } from "../ports/DeploymentStore.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type { ScheduleMapping } from "../ports/records/DeploymentIndexes.js";
import { SchedulerLock } from "../ports/SchedulerLock.js";
import { checkBlockedUsageLimit, tooManyRequests } from "../usage/usageLimits.js";
import { recordPlatformLog } from "./appLog.js";
import { currentDeployment, identityHeaders, internalUrl } from "./caller.js";
import { recordServiceEvent } from "./serviceEvents.js";

/** How long a minute's claim is kept (the reference's 3600 s). */
export const SCHEDULE_LOCK_TTL_SECONDS = 3_600;
const MINUTE_MS = 60_000;
/** Deliveries of one minute run this many at a time. */
const DELIVERY_CONCURRENCY = 16;

export const scheduleMessages = {
  noBackend: (id: string) => `W7S schedule target deployment was not found for ${id}.`,
  consumerFailed: (status: number) => `W7S schedule consumer failed with HTTP ${status}.`,
  dispatchFailed: (detail: string) => `W7S schedule delivery failed: ${detail}`,
} as const;

/** `schedule_lock:v1:<id>:<sanitizeScriptPart(minute ISO)>`. */
export const scheduleLockKey = (scheduleId: string, minuteIso: string): string =>
  `schedule_lock:v1:${scheduleId}:${sanitizeScriptPart(minuteIso)}`;

// Parsed expressions by text: thousands of schedules share a few dozen distinct expressions.
const parsed = new Map<string, CronSchedule | null>();
const parseCached = (cron: string): CronSchedule | null => {
  let schedule = parsed.get(cron);
  if (schedule === undefined) {
    const result = parseCron(cron);
    schedule = Result.isSuccess(result) ? result.success : null;
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(cron, schedule);
  }
  return schedule;
};

/** The schedules due at the UTC minute containing `at`, out of `mappings` (pure; the benchmark's unit). */
export const dueMappings = (
  mappings: ReadonlyArray<ScheduleMapping>,
  at: number,
): ReadonlyArray<ScheduleMapping> => {
  const fields = minuteFields(new Date(at));
  const candidates: Array<CronSchedule & { mapping: ScheduleMapping }> = [];
  for (const mapping of mappings) {
    const schedule = parseCached(mapping.cron);
    if (schedule !== null) candidates.push({ ...schedule, mapping });
  }
  return dueSchedules(candidates, fields).map((due) => due.mapping);
};

/** What one delivery did. */
export type ScheduleDelivery =
  | { readonly id: string; readonly outcome: "delivered"; readonly status: number }
  | { readonly id: string; readonly outcome: "claimed-elsewhere" }
  | { readonly id: string; readonly outcome: "failed"; readonly status?: number; readonly error: string }
  | { readonly id: string; readonly outcome: "limited"; readonly error: string };

/** One minute's run: which schedules were due and what became of each. */
export interface ScheduledMinuteReport {
  readonly scheduledTime: string;
  readonly evaluated: number;
  readonly deliveries: ReadonlyArray<ScheduleDelivery>;
}

const deliverOne = (mapping: ScheduleMapping, scheduledTime: string, config: PlatformConfig) =>
  Effect.gen(function* () {
    const lock = yield* SchedulerLock;
    const claimed = yield* lock
      .tryAcquire(scheduleLockKey(mapping.id, scheduledTime), SCHEDULE_LOCK_TTL_SECONDS)
      .pipe(Effect.orElseSucceed(() => false));
    if (!claimed) return { id: mapping.id, outcome: "claimed-elsewhere" } as const;
    const app: AppRef = {
      environment: mapping.environment,
      orgSlug: mapping.orgSlug,
      repoSlug: mapping.repoSlug,
    };
    const deployment = yield* currentDeployment(app).pipe(Effect.orElseSucceed(() => undefined));
    const scriptName = deployment?.record.targets.worker?.scriptName ?? "";
    const request = { method: "POST", path: mapping.path };
    if (deployment?.record.targets.worker === undefined) {
      const error = scheduleMessages.noBackend(mapping.id);
      yield* recordPlatformLog({ app, scriptName, level: "error", text: error, request });
      return { id: mapping.id, outcome: "failed", error } as const;
    }
    const blocked = yield* checkBlockedUsageLimit({ metric: "schedule.delivery", app }, config);
    if (blocked !== undefined) {
      const error = tooManyRequests(blocked.rejection).message;
      yield* recordPlatformLog({
        app,
        scriptName,
        level: "warn",
        text: error,
        request: { ...request, status: 429 },
      });
      return { id: mapping.id, outcome: "limited", error } as const;
    }
    const outgoing = new Request(internalUrl(app.orgSlug, mapping.path), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-w7s-schedule": "1",
        "x-w7s-schedule-cron": mapping.cron,
        "x-w7s-schedule-time": scheduledTime,
        ...identityHeaders(app, mapping.path),
      },
      body: JSON.stringify({
        schedule: mapping.cron,
        scheduledTime,
        repository: `${app.orgSlug}/${app.repoSlug}`,
        environment: app.environment,
      }),
    });
    const deliveryEvent = {
      metric: "schedule.delivery",
      app,
      source: "w7s",
      target: `${mapping.cron} ${mapping.path}`,
    } as const;
    const runtime = yield* BackendRuntime;
    const answered = yield* Effect.result(runtime.dispatch(deployment.deploymentId, outgoing));
    if (answered._tag === "Failure") {
      const error = scheduleMessages.dispatchFailed(answered.failure.description ?? answered.failure.reason);
      yield* recordServiceEvent({ ...deliveryEvent, outcome: "error" });
      yield* recordPlatformLog({ app, scriptName, level: "error", text: error, request });
      return { id: mapping.id, outcome: "failed", error } as const;
    }
    const response = answered.success;
    yield* Effect.promise(() => response.arrayBuffer().catch(() => undefined));
    const ok = response.status >= 200 && response.status < 300;
    yield* recordServiceEvent({
      ...deliveryEvent,
      outcome: ok ? "success" : "error",
      status: response.status,
    });
    if (ok) return { id: mapping.id, outcome: "delivered", status: response.status } as const;
    const error = scheduleMessages.consumerFailed(response.status);
    yield* recordPlatformLog({
      app,
      scriptName,
      level: "error",
      text: error,
      request: { ...request, status: response.status },
    });
    return { id: mapping.id, outcome: "failed", status: response.status, error } as const;
  });

/**
 * Dispatches every schedule due at the UTC minute containing `at` (ms). Safe to run for the same minute any
 * number of times, from any number of servers: only the first claim of a schedule's minute delivers.
 */
export const dispatchScheduledMinute = (at: number, config: PlatformConfig) =>
  Effect.gen(function* () {
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    const scheduledTime = new Date(minute).toISOString();
    const store = yield* DeploymentStore;
    const mappings = yield* store.listSchedules();
    const due = dueMappings(mappings, minute);
    const deliveries = yield* Effect.forEach(due, (mapping) => deliverOne(mapping, scheduledTime, config), {
      concurrency: DELIVERY_CONCURRENCY,
    });
    return { scheduledTime, evaluated: mappings.length, deliveries } satisfies ScheduledMinuteReport;
  });
