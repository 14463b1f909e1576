/**
 * Platform-written entries in an app's logs (DECISIONS 14: a failed scheduled delivery is recorded there
 * with its status). They go to the `LogStore` when the adapter provides one; until then they are logged
 * through Effect's logger with the app named, so nothing is silently lost.
 */
import { Effect, Option } from "effect";
import { Ids } from "../ports/Ids.js";
import { LogStore } from "../ports/LogStore.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type { LogRecord } from "../ports/records/LogRecord.js";

/** How long platform entries are kept (`W7S_LOG_RETENTION_SECONDS` default, G.2). */
export const PLATFORM_LOG_RETENTION_SECONDS = 604_800;

/** One entry the platform writes about an app (not produced by its code). */
export interface PlatformLogEntry {
  readonly app: AppRef;
  readonly scriptName: string;
  readonly level: "warn" | "error";
  readonly text: string;
  readonly request?: { readonly method: string; readonly path: string; readonly status?: number };
}

/** Records `entry` in the app's logs; a log store that fails never fails the caller. */
export const recordPlatformLog = (entry: PlatformLogEntry) =>
  Effect.gen(function* () {
    const ids = yield* Ids;
    const now = new Date(yield* Effect.clockWith((clock) => clock.currentTimeMillis)).toISOString();
    const record: LogRecord = {
      version: 1,
      id: (yield* ids.randomUuid()).replaceAll("-", ""),
      kind: "outcome",
      timestamp: now,
      observedAt: now,
      environment: entry.app.environment,
      orgSlug: entry.app.orgSlug,
      repoSlug: entry.app.repoSlug,
      repository: `${entry.app.orgSlug}/${entry.app.repoSlug}`,
      scriptName: entry.scriptName,
      outcome: entry.level === "error" ? "error" : "ok",
      level: entry.level,
      text: entry.text,
      ...(entry.request === undefined ? {} : { request: entry.request }),
    };
    const store = yield* Effect.serviceOption(LogStore);
    if (Option.isSome(store)) {
      yield* store.value.append([record], PLATFORM_LOG_RETENTION_SECONDS).pipe(Effect.ignore);
      return;
    }
    const log = entry.level === "error" ? Effect.logError : Effect.logWarning;
    yield* log(entry.text).pipe(
      Effect.annotateLogs({ app: record.repository, environment: record.environment, kind: "platform" }),
    );
  });
