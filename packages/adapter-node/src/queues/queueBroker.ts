/**
 * QueueBroker on Node: sends become rows of the durable queue in the control-plane database (SQLite by
 * default, Postgres with `databaseUrl`), written in groups so that a burst of concurrent sends costs one
 * commit; `NodeQueues` hands the same store to the server's delivery loop.
 */
import { randomUUID } from "node:crypto";
import { DeliveryError, QueueBroker, type StoreError } from "@w7s/core";
import { Clock, Context, Effect, Layer } from "effect";
import { openPostgresPool } from "../store/postgresPool.js";
import { acquireEmbeddedDatabase } from "../store/sqlite.js";
import { usageFailure } from "../usage/usageRecords.js";
import { makePostgresQueueStore } from "./postgresQueueStore.js";
import { type DurableQueueStore, makeSqliteQueueStore, type QueuedMessage } from "./queueStore.js";
import { PG_QUEUE_SCHEMA_STATEMENTS, QUEUE_SCHEMA_STATEMENTS } from "./schema.js";

/** The durable queue behind the broker and a signal the delivery loop listens to. */
export class NodeQueues extends Context.Service<
  NodeQueues,
  {
    readonly store: DurableQueueStore;
    /** Called after every committed group of sends (the delivery loop wakes up). */
    readonly onSent: (listener: () => void) => () => void;
    /** Tells the listeners that messages were committed. */
    readonly notifySent: () => void;
  }
>()("@w7s/adapter-node/NodeQueues") {}

export interface QueueBrokerOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
}

const deliveryFailure = (operation: string) => (cause: unknown) =>
  new DeliveryError({
    reason: "Unavailable",
    operation,
    description: cause instanceof Error ? cause.message : String(cause),
    cause,
  });

/** Opens the queue's database (creating its tables); closed with the Layer's scope. */
export const openQueueStore = (options: QueueBrokerOptions): Promise<DurableQueueStore> =>
  options.databaseUrl !== undefined && options.databaseUrl !== ""
    ? openPostgresPool({ databaseUrl: options.databaseUrl, schema: options.databaseSchema, max: 6 }).then(
        async (sql) => {
          try {
            await sql.begin(async (tx) => {
              await tx`select pg_advisory_xact_lock(hashtext('w7s-queue-schema'))`;
              for (const statement of PG_QUEUE_SCHEMA_STATEMENTS) await tx.unsafe(statement);
            });
          } catch (error) {
            await sql.end({ timeout: 1 });
            throw error;
          }
          return makePostgresQueueStore(sql, () => sql.end({ timeout: 5 }));
        },
      )
    : Promise.resolve().then(() => {
        const handle = acquireEmbeddedDatabase(options.dataDir);
        try {
          handle.database.transaction(() => {
            for (const statement of QUEUE_SCHEMA_STATEMENTS) handle.database.exec(statement);
          });
        } catch (error) {
          handle.release();
          throw error;
        }
        return makeSqliteQueueStore(handle.database, handle.release);
      });

/** Groups sends made in the same turn of the event loop into one insert. */
const makeSendGroups = (store: DurableQueueStore, sent: () => void) => {
  let group: Array<{ message: QueuedMessage; done: (error?: unknown) => void }> = [];
  const flush = () => {
    const taken = group;
    group = [];
    store.send(taken.map((entry) => entry.message)).then(
      () => {
        for (const entry of taken) entry.done();
        sent();
      },
      (error: unknown) => {
        for (const entry of taken) entry.done(error);
      },
    );
  };
  return (message: QueuedMessage) =>
    new Promise<void>((resolve, reject) => {
      group.push({ message, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (group.length === 1) setImmediate(flush);
    });
};

/** `NodeQueues` and the `QueueBroker` over it. */
export const queueBrokerLayer = (
  options: QueueBrokerOptions,
): Layer.Layer<QueueBroker | NodeQueues, StoreError> => {
  const queues = Layer.effect(
    NodeQueues,
    Effect.gen(function* () {
      const store = yield* Effect.acquireRelease(
        Effect.tryPromise({ try: () => openQueueStore(options), catch: usageFailure("QueueBroker.open") }),
        (opened) => Effect.promise(() => opened.close()),
      );
      const listeners = new Set<() => void>();
      return NodeQueues.of({
        store,
        onSent: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        notifySent: () => {
          for (const listener of listeners) listener();
        },
      });
    }),
  );
  const broker = Layer.effect(
    QueueBroker,
    Effect.gen(function* () {
      const queues = yield* NodeQueues;
      const send = makeSendGroups(queues.store, queues.notifySent);
      return QueueBroker.of({
        send: (queueName, envelope, sendOptions) =>
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis;
            yield* Effect.tryPromise({
              try: () =>
                send({
                  id: randomUUID(),
                  queueName,
                  body: JSON.stringify(envelope),
                  enqueuedAt: now,
                  visibleAt: now + (sendOptions?.delaySeconds ?? 0) * 1000,
                }),
              catch: deliveryFailure("QueueBroker.send"),
            });
          }),
        deadLetters: (queueName, page) =>
          Effect.tryPromise({
            try: () => queues.store.deadLetters(queueName, page.limit, page.cursor),
            catch: deliveryFailure("QueueBroker.deadLetters"),
          }),
      });
    }),
  );
  return Layer.provideMerge(broker, queues);
};
