/**
 * What both DeploymentStore dialects share: the failure mapping, record decoding and caching, the page
 * shape of `listCurrent`, and the rows a switch writes. Each dialect only builds and runs its statements.
 */
import {
  DeploymentRecord,
  type DeploymentSwitch,
  ScheduleMapping,
  type StoredDeployment,
  StoreError,
} from "@w7s/core";
import { Effect, Schema } from "effect";
import { encodeAppCursor, encodeIdCursor } from "./cursor.js";

/** Thrown inside a switch transaction when `replaces` is not the current deployment; rolls it back. */
export class SwitchConflict extends Error {}

/** Fails the running switch transaction unless `current` is what the change expects to replace. */
export const expectCurrent = (current: string | undefined, change: DeploymentSwitch): void => {
  if ((current ?? null) !== change.replaces) {
    throw new SwitchConflict(`current deployment is ${current ?? "none"}, not ${change.replaces ?? "none"}`);
  }
};

/** A driver failure as a `StoreError`: a lost switch race is `Conflict`, anything else `Unavailable`. */
export const storeFailure =
  (operation: string) =>
  (cause: unknown): StoreError =>
    cause instanceof SwitchConflict
      ? new StoreError({ reason: "Conflict", operation, description: cause.message })
      : new StoreError({
          reason: "Unavailable",
          operation,
          description: cause instanceof Error ? cause.message : String(cause),
          cause,
        });

/** A stored JSON record, checked against its schema; one that no longer decodes is `Corrupt`. */
export const decodeStored = <S extends Schema.Top>(
  schema: S,
  operation: string,
  json: string,
): Effect.Effect<S["Type"], StoreError> =>
  Effect.try({
    try: () => Schema.decodeUnknownSync(schema as never)(JSON.parse(json)) as S["Type"],
    catch: (cause) =>
      new StoreError({ reason: "Corrupt", operation, description: "stored record is invalid", cause }),
  });

/**
 * Decoded schedule mappings by their stored text. The per-minute tick lists every schedule and mappings
 * rarely change, so only new or changed rows are decoded; the cache holds exactly the last listing's rows.
 */
export const makeScheduleCache = () => {
  let decoded = new Map<string, ScheduleMapping>();
  const decode = Schema.decodeUnknownSync(ScheduleMapping);
  return (rows: ReadonlyArray<{ readonly mapping: string }>): Effect.Effect<ScheduleMapping[], StoreError> =>
    Effect.try({
      try: () => {
        const next = new Map<string, ScheduleMapping>();
        const mappings = rows.map((row) => {
          const mapping = decoded.get(row.mapping) ?? decode(JSON.parse(row.mapping));
          next.set(row.mapping, mapping);
          return mapping;
        });
        decoded = next;
        return mappings;
      },
      catch: (cause) =>
        new StoreError({
          reason: "Corrupt",
          operation: "DeploymentStore.listSchedules",
          description: "stored record is invalid",
          cause,
        }),
    });
};

/** A row of the deployments table joined to its id. */
export interface DeploymentRow {
  readonly deployment_id: string;
  readonly record: string;
}

/** Records never change once written (they are keyed by deployment id), so decoded ones are kept. */
export const makeRecordCache = (capacity = 2000) => {
  const records = new Map<string, StoredDeployment>();
  return {
    /** The decoded deployment with this id, when it was read before. */
    cached: (deploymentId: string): StoredDeployment | undefined => records.get(deploymentId),
    /** The decoded deployment of a row, from the cache when it was read before. */
    stored: (row: DeploymentRow): Effect.Effect<StoredDeployment, StoreError> => {
      const cached = records.get(row.deployment_id);
      if (cached !== undefined) return Effect.succeed(cached);
      return decodeStored(DeploymentRecord, "DeploymentStore.current", row.record).pipe(
        Effect.map((record): StoredDeployment => ({ deploymentId: row.deployment_id, record })),
        Effect.tap((deployment) =>
          Effect.sync(() => {
            records.set(deployment.deploymentId, deployment);
            if (records.size > capacity) records.delete(records.keys().next().value!);
          }),
        ),
      );
    },
  };
};

/** A `listCurrent` page from up to `limit + 1` rows in key order. */
export const currentPage = (
  rows: ReadonlyArray<DeploymentRow & { environment: string; org_slug: string; repo_slug: string }>,
  limit: number,
  stored: (row: DeploymentRow) => Effect.Effect<StoredDeployment, StoreError>,
) =>
  Effect.forEach(rows.slice(0, limit), stored).pipe(
    Effect.map((items) => {
      const last = rows[limit - 1];
      return {
        items,
        cursor:
          rows.length > limit && last !== undefined
            ? encodeAppCursor([last.environment, last.org_slug, last.repo_slug])
            : null,
      };
    }),
  );

/** Every row a switch writes, in both dialects' column names. */
export const switchRows = (change: DeploymentSwitch, now: number) => {
  const owned = {
    environment: change.app.environment,
    org_slug: change.app.orgSlug,
    repo_slug: change.app.repoSlug,
  };
  return {
    owned,
    deployment: {
      deployment_id: change.deploymentId,
      ...owned,
      record: JSON.stringify(change.record),
      created_at: now,
    },
    pointer: { ...owned, deployment_id: change.deploymentId },
    tokens: change.tokens.map((token) => ({
      kind: token.kind,
      token_hash: token.tokenHash,
      entry: JSON.stringify(token),
    })),
    schedules: change.schedules.map((schedule) => ({
      id: schedule.id,
      ...owned,
      mapping: JSON.stringify(schedule),
    })),
    queues: change.queues.map((queue) => ({
      queue_name: queue.queueName,
      ...owned,
      mapping: JSON.stringify(queue),
    })),
    subscriptions: change.subscriptions.map((subscription) => ({
      environment: subscription.environment,
      subject: subscription.subject,
      org_slug: subscription.orgSlug,
      repo_slug: subscription.repoSlug,
      queue: subscription.queue,
      mapping: JSON.stringify(subscription),
    })),
    releases: change.releaseDomains.map((route) => ({
      hostname: route.hostname,
      path_prefix: route.pathPrefix,
    })),
    claims: change.claimDomains.map((claim) => ({
      hostname: claim.hostname,
      path_prefix: claim.pathPrefix ?? "/",
      ...owned,
      mapping: JSON.stringify(claim),
    })),
  };
};

/** A `listRetained` page from up to `limit + 1` rows in deployment id order. */
export const retainedPage = (
  rows: ReadonlyArray<DeploymentRow>,
  limit: number,
  stored: (row: DeploymentRow) => Effect.Effect<StoredDeployment, StoreError>,
) =>
  Effect.forEach(rows.slice(0, limit), stored).pipe(
    Effect.map((items) => {
      const last = rows[limit - 1];
      return {
        items,
        cursor: rows.length > limit && last !== undefined ? encodeIdCursor(last.deployment_id) : null,
      };
    }),
  );

/**
 * The records a switch with `retain` removes: the app's ids (newest first) past the first `retain`, never
 * the one being made live.
 */
export const idsPastRetention = (
  newestFirst: ReadonlyArray<{ readonly deployment_id: string }>,
  change: DeploymentSwitch,
): string[] => {
  if (change.retain === undefined) return [];
  const keep = Math.max(1, Math.floor(change.retain));
  return newestFirst
    .slice(keep)
    .map((row) => row.deployment_id)
    .filter((id) => id !== change.deploymentId);
};
