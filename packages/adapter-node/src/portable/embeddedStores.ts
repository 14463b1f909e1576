/**
 * The control-plane stores over any synchronous SQLite handle: the same tables and statements the Node
 * server runs on `node:sqlite`, so another runtime with SQLite of its own (a Durable Object's storage) gets
 * the same semantics by supplying an `EmbeddedDatabase`, not by rewriting the stores.
 */
import {
  AnalyticsSink,
  DeploymentStore,
  LogStore,
  NotificationStore,
  SchedulerLock,
  type StoreError,
  UsagePolicyStore,
  UsageStore,
} from "@w7s/core";
import { Clock, Context, Effect, Layer, type Scope } from "effect";
import {
  makeStore as makeNotificationStore,
  embeddedRows as notificationRows,
} from "../notifications/notificationStore.js";
import { NOTIFICATION_DDL } from "../notifications/schema.js";
import { makeSink } from "../observability/analyticsSink.js";
import { embeddedRows as logRows, makeLogStore } from "../observability/logStore.js";
import { OBSERVABILITY_DDL } from "../observability/schema.js";
import { embeddedResourceIndex, type ResourceIndex } from "../provisioner/resourceIndex.js";
import { type DurableQueueStore, makeSqliteQueueStore } from "../queues/queueStore.js";
import { QUEUE_SCHEMA_STATEMENTS } from "../queues/schema.js";
import { LOCK_SCHEMA_STATEMENTS, sqliteLocks } from "../scheduler/schedulerLock.js";
import { makeStore as makeDeploymentStore } from "../store/deploymentStore.js";
import { SCHEMA_STATEMENTS } from "../store/schema.js";
import type { EmbeddedDatabase } from "../store/sqlite.js";
import { USAGE_SCHEMA_STATEMENTS } from "../usage/schema.js";
import { makePolicyStore, embeddedRows as policyRows } from "../usage/usagePolicyStore.js";
import { makeStore as makeUsageStore } from "../usage/usageStore.js";
import { WORKFLOW_SCHEMA_STATEMENTS } from "../workflows/schema.js";
import { makeSqliteWorkflowStore, type WorkflowStore } from "../workflows/workflowStore.js";

export type { ResourceIndex, ResourceKey } from "../provisioner/resourceIndex.js";
export type { DurableQueueStore, LeasedBatch, LeasedMessage, QueuedMessage } from "../queues/queueStore.js";
export type { BuiltQuery, EmbeddedDatabase } from "../store/sqlite.js";
export type { LeasedInstance, WorkflowStore } from "../workflows/workflowStore.js";

/** Every table the embedded stores use, idempotent (`create ... if not exists`). */
export const EMBEDDED_SCHEMA_STATEMENTS: readonly string[] = [
  ...SCHEMA_STATEMENTS,
  ...USAGE_SCHEMA_STATEMENTS,
  ...LOCK_SCHEMA_STATEMENTS,
  ...NOTIFICATION_DDL.sqlite,
  ...OBSERVABILITY_DDL.sqlite,
  ...QUEUE_SCHEMA_STATEMENTS,
  ...WORKFLOW_SCHEMA_STATEMENTS,
];

/** The stores a Layer cannot express as a port (the queue and workflow rows, the resource index). */
export interface EmbeddedRowStores {
  readonly queues: DurableQueueStore;
  readonly workflows: WorkflowStore;
  readonly resources: ResourceIndex;
}

/** Creates the tables, then answers the row stores beside the port services. */
export const embeddedRowStores = (db: EmbeddedDatabase): EmbeddedRowStores => {
  db.transaction(() => {
    for (const statement of EMBEDDED_SCHEMA_STATEMENTS) db.exec(statement);
  });
  return {
    queues: makeSqliteQueueStore(db, () => undefined),
    workflows: makeSqliteWorkflowStore(db, () => undefined),
    resources: embeddedResourceIndex(db),
  };
};

/** The SQL-backed ports on `db` (its tables must exist: call `embeddedRowStores` first). */
export type EmbeddedStoreServices =
  | DeploymentStore
  | UsageStore
  | UsagePolicyStore
  | SchedulerLock
  | NotificationStore
  | LogStore
  | AnalyticsSink;

/** DeploymentStore, UsageStore, UsagePolicyStore, SchedulerLock, NotificationStore, LogStore, AnalyticsSink on `db`. */
export const embeddedStoresLayer = (db: EmbeddedDatabase): Layer.Layer<EmbeddedStoreServices, StoreError> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const database = { dialect: "sqlite" as const, db };
      const locks = sqliteLocks(db, () => undefined);
      const sink: AnalyticsSink["Service"] = yield* makeSink(database, {
        dataDir: "",
        flushIntervalMs: 250,
      }) as Effect.Effect<AnalyticsSink["Service"], never, Scope.Scope>;
      return Context.make(DeploymentStore, makeDeploymentStore(db).store).pipe(
        Context.add(UsageStore, makeUsageStore(db)),
        Context.add(UsagePolicyStore, makePolicyStore(policyRows(db))),
        Context.add(
          SchedulerLock,
          SchedulerLock.of({
            tryAcquire: (key, ttlSeconds) =>
              Effect.flatMap(Clock.currentTimeMillis, (now) =>
                Effect.promise(() => locks.tryAcquire(key, ttlSeconds * 1000, now)),
              ),
          }),
        ),
        Context.add(NotificationStore, makeNotificationStore(notificationRows(database))),
        Context.add(LogStore, makeLogStore(logRows(database))),
        Context.add(AnalyticsSink, sink),
      );
    }),
  );
