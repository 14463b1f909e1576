/**
 * What both UsageStore dialects share: the rows one increment adds to, the rollup document rebuilt from
 * its rows, which stored suspension answers, the burst decision, and the translation of driver failures
 * into `StoreError` reasons. Each dialect only builds and runs its statements.
 */
import {
  type AppRef,
  type BurstCounter,
  StoreError,
  type StoreErrorReason,
  SuspensionState,
  type UsageIncrement,
  type UsageMetricTotals,
  type UsageRollup,
  type UsageRollupKey,
  UsageSource,
} from "@w7s/core";
import { Effect, Option, Schema } from "effect";

/** The three rollups every event is added to (F.2). */
export type UsageScope = UsageRollupKey["scope"];

/** Stands for "every org" / "every repo" in owner and global rollups (F.2). */
const ALL = "*";

/** The key columns of one rollup. */
export interface RollupColumns {
  readonly date: string;
  readonly scope: UsageScope;
  readonly environment: string;
  readonly org_slug: string;
  readonly repo_slug: string;
}

/** One metric row of one rollup, in both dialects' column names. */
export interface MetricRow extends RollupColumns {
  readonly metric: string;
  readonly repository: string;
  readonly count: number;
  readonly units: number;
  readonly success: number;
  readonly error: number;
  readonly last_at: string;
  readonly source: string | null;
  readonly updated_at: string;
}

/** A metric row as a rollup read returns it, without the key columns the read already names. */
export type RollupMetricRow = Omit<MetricRow, keyof RollupColumns>;

/** The columns a rollup is found by. */
export const rollupColumns = (key: UsageRollupKey): RollupColumns => ({
  date: key.date,
  scope: key.scope,
  environment: key.environment,
  org_slug: key.scope === "global" ? ALL : key.orgSlug,
  repo_slug: key.scope === "repo" ? key.repoSlug : ALL,
});

/**
 * The repo, owner and global rows one event adds to, always in that order: every writer locks shared
 * rows (owner, then global) in the same order, so concurrent upserts on Postgres cannot deadlock.
 */
export const incrementRows = (event: UsageIncrement, updatedAt: string): MetricRow[] => {
  const totals = {
    metric: event.metric,
    count: event.count,
    units: event.units,
    success: event.outcome === "error" ? 0 : event.count,
    error: event.outcome === "error" ? event.count : 0,
    last_at: event.at,
    source: event.source ?? null,
    updated_at: updatedAt,
  };
  const day = { date: event.date, environment: event.environment };
  return [
    {
      ...day,
      scope: "repo",
      org_slug: event.orgSlug,
      repo_slug: event.repoSlug,
      repository: event.repository,
      ...totals,
    },
    {
      ...day,
      scope: "owner",
      org_slug: event.orgSlug,
      repo_slug: ALL,
      repository: `${event.orgSlug}/*`,
      ...totals,
    },
    { ...day, scope: "global", org_slug: ALL, repo_slug: ALL, repository: "*/*", ...totals },
  ];
};

const isUsageSource = Schema.is(UsageSource);

/** The F.2 rollup document of `key` from its metric rows (none: no rollup). */
export const rollupFromRows = (
  key: UsageRollupKey,
  rows: ReadonlyArray<RollupMetricRow>,
): Effect.Effect<Option.Option<UsageRollup>, StoreError> => {
  if (rows.length === 0) return Effect.succeedNone;
  const columns = rollupColumns(key);
  const metrics: Record<string, UsageMetricTotals> = {};
  let latest = rows[0]!;
  for (const row of [...rows].sort((left, right) => (left.metric < right.metric ? -1 : 1))) {
    if (row.source !== null && !isUsageSource(row.source)) {
      return Effect.fail(
        new StoreError({
          reason: "Corrupt",
          operation: "UsageStore.rollup",
          description: `metric ${row.metric} has unknown source ${row.source}`,
        }),
      );
    }
    metrics[row.metric] = {
      count: row.count,
      units: row.units,
      success: row.success,
      error: row.error,
      lastAt: row.last_at,
      ...(row.source === null ? {} : { source: row.source }),
    };
    if (row.updated_at > latest.updated_at) latest = row;
  }
  return Effect.succeedSome({
    version: 1,
    date: key.date,
    orgSlug: columns.org_slug,
    repoSlug: columns.repo_slug,
    environment: key.environment,
    repository: latest.repository,
    metrics,
    updatedAt: latest.updated_at,
  });
};

/** How many rollups the metric rows `rows` belong to. */
export const rollupCount = (rows: ReadonlyArray<RollupColumns>): number =>
  new Set(rows.map((row) => [row.date, row.scope, row.environment, row.org_slug, row.repo_slug].join("\n")))
    .size;

/** The key columns of an app's suspensions. */
export const appColumns = (app: AppRef) => ({
  environment: app.environment,
  org_slug: app.orgSlug,
  repo_slug: app.repoSlug,
});

/** The row that stores `state`; one per app and party, so a party's new suspension replaces its old one. */
export const suspensionRow = (state: SuspensionState) => ({
  ...appColumns(state),
  suspended_by: state.suspendedBy,
  state: JSON.stringify(state),
});

/**
 * The suspension an app answers with when both parties suspended it: the operator's, since it has no end
 * and outlasts any limit suspension; once the operator lifts it, the limit suspension (if any) shows again.
 */
export const effectiveSuspension = (
  rows: ReadonlyArray<{ readonly suspended_by: string; readonly state: string }>,
): Effect.Effect<Option.Option<SuspensionState>, StoreError> => {
  const row = rows.find((candidate) => candidate.suspended_by === "operator") ?? rows[0];
  if (row === undefined) return Effect.succeedNone;
  return Effect.try({
    try: () => Option.some(Schema.decodeUnknownSync(SuspensionState)(JSON.parse(row.state))),
    catch: (cause) =>
      new StoreError({
        reason: "Corrupt",
        operation: "UsageStore.suspension",
        description: "stored suspension is invalid",
        cause,
      }),
  });
};

/** True when every counter, at its value before (`used`), has room for `requested` (F.6). */
export const burstFits = (
  counters: ReadonlyArray<BurstCounter>,
  used: ReadonlyArray<number>,
  requested: number,
): boolean => counters.every((counter, index) => (used[index] ?? 0) + requested <= counter.limit);

/** Expired burst counters are deleted at most this often per store (readers ignore them meanwhile). */
export const BURST_CLEANUP_INTERVAL_MS = 60_000;

/** `requested` is a positive number of units (F.6 floors it to at least 1); anything else is the caller's bug. */
export const checkRequested = (requested: number): Effect.Effect<void> =>
  Number.isFinite(requested) && requested > 0
    ? Effect.void
    : Effect.die(new RangeError(`UsageStore.reserveBurst: requested must be positive, got ${requested}`));

const sqliteReason = (errcode: number): StoreErrorReason => {
  switch (errcode & 0xff) {
    case 11: // SQLITE_CORRUPT
    case 26: // SQLITE_NOTADB
      return "Corrupt";
    case 19: // SQLITE_CONSTRAINT
      return "Conflict";
    default: // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, ...
      return "Unavailable";
  }
};

const postgresReason = (sqlState: string): StoreErrorReason => {
  if (sqlState.startsWith("23")) return "Conflict"; // integrity constraint violation
  if (sqlState === "XX001" || sqlState === "XX002") return "Corrupt"; // data_corrupted, index_corrupted
  return "Unavailable"; // connection, deadlock, serialization, resources, shutdown, ...
};

/** The reason a driver failure stands for: node:sqlite result codes, Postgres SQLSTATEs, else `Unavailable`. */
export const driverFailureReason = (cause: unknown): StoreErrorReason => {
  if (typeof cause !== "object" || cause === null) return "Unavailable";
  const { code, errcode, name } = cause as { code?: unknown; errcode?: unknown; name?: unknown };
  if (code === "ERR_SQLITE_ERROR" && typeof errcode === "number") return sqliteReason(errcode);
  if (name === "PostgresError" && typeof code === "string") return postgresReason(code);
  return "Unavailable";
};

/** A driver failure as a `StoreError` naming the operation; the raw error stays only as `cause`. */
export const usageFailure =
  (operation: string) =>
  (cause: unknown): StoreError =>
    cause instanceof StoreError
      ? cause
      : new StoreError({
          reason: driverFailureReason(cause),
          operation,
          description: cause instanceof Error ? cause.message : String(cause),
          cause,
        });
