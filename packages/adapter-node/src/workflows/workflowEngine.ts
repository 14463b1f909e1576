/**
 * WorkflowEngine on Node: instances are rows of the control-plane database (SQLite by default, Postgres with
 * `databaseUrl`); `NodeWorkflows` hands the same store to the server's workflow runner.
 */
import { DeliveryError, type StoreError, WorkflowEngine } from "@w7s/core";
import { Clock, Context, Effect, Layer, Option } from "effect";
import { openPostgresPool } from "../store/postgresPool.js";
import { acquireEmbeddedDatabase } from "../store/sqlite.js";
import { usageFailure } from "../usage/usageRecords.js";
import { makePostgresWorkflowStore } from "./postgresWorkflowStore.js";
import { PG_WORKFLOW_SCHEMA_STATEMENTS, WORKFLOW_SCHEMA_STATEMENTS } from "./schema.js";
import { InstanceExists, makeSqliteWorkflowStore, type WorkflowStore } from "./workflowStore.js";

/** The instance store behind the engine, and a signal the runner listens to. */
export class NodeWorkflows extends Context.Service<
  NodeWorkflows,
  {
    readonly store: WorkflowStore;
    readonly onCreated: (listener: () => void) => () => void;
    readonly notifyCreated: () => void;
  }
>()("@w7s/adapter-node/NodeWorkflows") {}

export interface WorkflowEngineOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
}

/** Opens the instance store's database (creating its table); close it with `store.close()`. */
export const openWorkflowStore = (options: WorkflowEngineOptions): Promise<WorkflowStore> =>
  options.databaseUrl !== undefined && options.databaseUrl !== ""
    ? openPostgresPool({ databaseUrl: options.databaseUrl, schema: options.databaseSchema, max: 3 }).then(
        async (sql) => {
          try {
            await sql.begin(async (tx) => {
              await tx`select pg_advisory_xact_lock(hashtext('w7s-workflow-schema'))`;
              for (const statement of PG_WORKFLOW_SCHEMA_STATEMENTS) await tx.unsafe(statement);
            });
          } catch (error) {
            await sql.end({ timeout: 1 });
            throw error;
          }
          return makePostgresWorkflowStore(sql, () => sql.end({ timeout: 5 }));
        },
      )
    : Promise.resolve().then(() => {
        const handle = acquireEmbeddedDatabase(options.dataDir);
        try {
          handle.database.transaction(() => {
            for (const statement of WORKFLOW_SCHEMA_STATEMENTS) handle.database.exec(statement);
          });
        } catch (error) {
          handle.release();
          throw error;
        }
        return makeSqliteWorkflowStore(handle.database, handle.release);
      });

const engineFailure = (operation: string) => (cause: unknown) =>
  new DeliveryError({
    reason: cause instanceof InstanceExists ? "Conflict" : "Unavailable",
    operation,
    description: cause instanceof Error ? cause.message : String(cause),
    cause,
  });

/** `NodeWorkflows` and the `WorkflowEngine` over it. */
export const workflowEngineLayer = (
  options: WorkflowEngineOptions,
): Layer.Layer<WorkflowEngine | NodeWorkflows, StoreError> => {
  const workflows = Layer.effect(
    NodeWorkflows,
    Effect.gen(function* () {
      const store = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: () => openWorkflowStore(options),
          catch: usageFailure("WorkflowEngine.open"),
        }),
        (opened) => Effect.promise(() => opened.close()),
      );
      const listeners = new Set<() => void>();
      return NodeWorkflows.of({
        store,
        onCreated: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        notifyCreated: () => {
          for (const listener of listeners) listener();
        },
      });
    }),
  );
  const engine = Layer.effect(
    WorkflowEngine,
    Effect.gen(function* () {
      const { store, notifyCreated } = yield* NodeWorkflows;
      return WorkflowEngine.of({
        create: (id, instance, activeLimit) =>
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis;
            const result = yield* Effect.tryPromise({
              try: () => store.create(id, instance, activeLimit, now),
              catch: engineFailure("WorkflowEngine.create"),
            });
            if (!result.created) return { _tag: "ActiveLimit" as const, active: result.active };
            notifyCreated();
            return { _tag: "Created" as const, status: { status: "queued" as const } };
          }),
        get: (id) =>
          Effect.tryPromise({ try: () => store.get(id), catch: engineFailure("WorkflowEngine.get") }).pipe(
            Effect.map(Option.fromUndefinedOr),
          ),
        countActive: (app) =>
          Effect.tryPromise({
            try: () => store.countActive(app),
            catch: engineFailure("WorkflowEngine.countActive"),
          }),
      });
    }),
  );
  return Layer.provideMerge(engine, workflows);
};
