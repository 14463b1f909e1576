/**
 * DeploymentStore on Postgres (`DATABASE_URL`), for several servers sharing one control plane. drizzle
 * builds the statements, postgres.js runs them; a switch is one transaction holding an advisory lock on
 * the app, so two servers deploying the same app at once cannot both win.
 */
import {
  BindingTokenEntry,
  CustomDomainMapping,
  DeploymentStore,
  EventSubscriptionMapping,
  QueueMapping,
  type StoredDeployment,
  type StoreError,
} from "@w7s/core";
import { and, asc, desc, eq, gt, inArray, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Effect, Layer } from "effect";
import type postgres from "postgres";
import { decodeAppCursor, decodeIdCursor } from "./cursor.js";
import {
  pgBindingTokens,
  pgCurrentDeployments,
  pgDeployments,
  pgDomainRoutes,
  pgEventSubscriptions,
  pgQueues,
  pgSchedules,
} from "./pgSchema.js";
import { openPostgresPool } from "./postgresPool.js";
import {
  currentPage,
  type DeploymentRow,
  decodeStored,
  expectCurrent,
  idsPastRetention,
  makeRecordCache,
  makeScheduleCache,
  retainedPage,
  storeFailure,
  switchRows,
} from "./storeRecords.js";

export interface PostgresDeploymentStoreOptions {
  readonly databaseUrl: string;
  /** The Postgres schema holding our tables (created when missing); `public` by default. */
  readonly schema?: string;
}

type Sql = postgres.Sql | postgres.TransactionSql;
interface Built {
  toSQL(): { sql: string; params: unknown[] };
}

const makeStore = (client: postgres.Sql): DeploymentStore["Service"] => {
  const q = drizzle.mock();
  const run = <Row>(sql: Sql, query: Built): Promise<Row[]> => {
    const { sql: text, params } = query.toSQL();
    return sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]) as unknown as Promise<Row[]>;
  };
  const attempt = <A>(operation: string, body: () => Promise<A>) =>
    Effect.tryPromise({ try: body, catch: storeFailure(operation) });
  const { stored } = makeRecordCache();
  const decodeSchedules = makeScheduleCache();

  const appIs = (
    table:
      | typeof pgCurrentDeployments
      | typeof pgSchedules
      | typeof pgQueues
      | typeof pgEventSubscriptions
      | typeof pgDeployments
      | typeof pgDomainRoutes,
    app: StoredDeployment["record"] | { environment: string; orgSlug: string; repoSlug: string },
  ): SQL =>
    and(
      eq(table.environment, app.environment),
      eq(table.org_slug, app.orgSlug),
      eq(table.repo_slug, app.repoSlug),
    )!;

  return {
    current: (app) =>
      attempt("DeploymentStore.current", () =>
        run<{ deployment_id: string; record: string }>(
          client,
          q
            .select({ deployment_id: pgDeployments.deployment_id, record: pgDeployments.record })
            .from(pgCurrentDeployments)
            .innerJoin(pgDeployments, eq(pgDeployments.deployment_id, pgCurrentDeployments.deployment_id))
            .where(appIs(pgCurrentDeployments, app)),
        ),
      ).pipe(
        Effect.flatMap((rows) =>
          rows[0] === undefined ? Effect.succeedNone : Effect.asSome(stored(rows[0])),
        ),
      ),

    listCurrent: (page) =>
      Effect.gen(function* () {
        const limit = Math.max(1, Math.min(page.limit, 1000));
        const cursor = yield* decodeAppCursor("DeploymentStore.listCurrent", page.cursor);
        const c = pgCurrentDeployments;
        const rows = yield* attempt("DeploymentStore.listCurrent", () =>
          run<{
            environment: string;
            org_slug: string;
            repo_slug: string;
            deployment_id: string;
            record: string;
          }>(
            client,
            q
              .select({
                environment: c.environment,
                org_slug: c.org_slug,
                repo_slug: c.repo_slug,
                deployment_id: pgDeployments.deployment_id,
                record: pgDeployments.record,
              })
              .from(c)
              .innerJoin(pgDeployments, eq(pgDeployments.deployment_id, c.deployment_id))
              .where(
                cursor === null
                  ? undefined
                  : or(
                      gt(c.environment, cursor[0]),
                      and(eq(c.environment, cursor[0]), gt(c.org_slug, cursor[1])),
                      and(
                        eq(c.environment, cursor[0]),
                        eq(c.org_slug, cursor[1]),
                        gt(c.repo_slug, cursor[2]),
                      ),
                    ),
              )
              .orderBy(asc(c.environment), asc(c.org_slug), asc(c.repo_slug))
              .limit(limit + 1),
          ),
        );
        return yield* currentPage(rows, limit, stored);
      }),

    switchDeployment: (change) =>
      attempt("DeploymentStore.switchDeployment", () =>
        client.begin(async (tx) => {
          const { app } = change;
          await tx`select pg_advisory_xact_lock(hashtext(${`${app.environment}/${app.orgSlug}/${app.repoSlug}`}))`;
          const current = await run<{ deployment_id: string }>(
            tx,
            q
              .select({ deployment_id: pgCurrentDeployments.deployment_id })
              .from(pgCurrentDeployments)
              .where(appIs(pgCurrentDeployments, app)),
          );
          expectCurrent(current[0]?.deployment_id, change);
          const rows = switchRows(change, Date.now());
          // A rollback switches to a record the store already holds: it is kept as it was first stored.
          await run(tx, q.insert(pgDeployments).values(rows.deployment).onConflictDoNothing());
          await run(
            tx,
            q
              .insert(pgCurrentDeployments)
              .values(rows.pointer)
              .onConflictDoUpdate({
                target: [
                  pgCurrentDeployments.environment,
                  pgCurrentDeployments.org_slug,
                  pgCurrentDeployments.repo_slug,
                ],
                set: { deployment_id: change.deploymentId },
              }),
          );
          for (const token of rows.tokens) {
            await run(
              tx,
              q
                .insert(pgBindingTokens)
                .values(token)
                .onConflictDoUpdate({
                  target: [pgBindingTokens.kind, pgBindingTokens.token_hash],
                  set: { entry: token.entry },
                }),
            );
          }
          await run(tx, q.delete(pgSchedules).where(appIs(pgSchedules, app)));
          for (const schedule of rows.schedules) {
            await run(
              tx,
              q
                .insert(pgSchedules)
                .values(schedule)
                .onConflictDoUpdate({ target: pgSchedules.id, set: { mapping: schedule.mapping } }),
            );
          }
          await run(tx, q.delete(pgQueues).where(appIs(pgQueues, app)));
          for (const queue of rows.queues) {
            await run(
              tx,
              q
                .insert(pgQueues)
                .values(queue)
                .onConflictDoUpdate({ target: pgQueues.queue_name, set: { mapping: queue.mapping } }),
            );
          }
          await run(tx, q.delete(pgEventSubscriptions).where(appIs(pgEventSubscriptions, app)));
          for (const subscription of rows.subscriptions)
            await run(tx, q.insert(pgEventSubscriptions).values(subscription));
          for (const route of rows.releases) {
            await run(
              tx,
              q
                .delete(pgDomainRoutes)
                .where(
                  and(
                    eq(pgDomainRoutes.hostname, route.hostname),
                    eq(pgDomainRoutes.path_prefix, route.path_prefix),
                    eq(pgDomainRoutes.environment, app.environment),
                    eq(pgDomainRoutes.org_slug, app.orgSlug),
                    eq(pgDomainRoutes.repo_slug, app.repoSlug),
                  ),
                ),
            );
          }
          for (const claim of rows.claims) {
            await run(
              tx,
              q
                .insert(pgDomainRoutes)
                .values(claim)
                .onConflictDoUpdate({
                  target: [pgDomainRoutes.hostname, pgDomainRoutes.path_prefix],
                  set: claim,
                }),
            );
          }
          const past = idsPastRetention(
            await run<{ deployment_id: string }>(
              tx,
              q
                .select({ deployment_id: pgDeployments.deployment_id })
                .from(pgDeployments)
                .where(appIs(pgDeployments, app))
                .orderBy(desc(pgDeployments.created_at), desc(pgDeployments.deployment_id)),
            ),
            change,
          );
          if (past.length > 0)
            await run(tx, q.delete(pgDeployments).where(inArray(pgDeployments.deployment_id, past)));
        }),
      ).pipe(Effect.asVoid),

    history: (app, limit) =>
      attempt("DeploymentStore.history", () =>
        run<DeploymentRow>(
          client,
          q
            .select({ deployment_id: pgDeployments.deployment_id, record: pgDeployments.record })
            .from(pgDeployments)
            .where(appIs(pgDeployments, app))
            .orderBy(desc(pgDeployments.created_at), desc(pgDeployments.deployment_id))
            .limit(Math.max(1, Math.min(limit, 1000))),
        ),
      ).pipe(Effect.flatMap((rows) => Effect.forEach(rows, stored))),

    listRetained: (page) =>
      Effect.gen(function* () {
        const limit = Math.max(1, Math.min(page.limit, 1000));
        const after = yield* decodeIdCursor("DeploymentStore.listRetained", page.cursor);
        const rows = yield* attempt("DeploymentStore.listRetained", () =>
          run<DeploymentRow>(
            client,
            q
              .select({ deployment_id: pgDeployments.deployment_id, record: pgDeployments.record })
              .from(pgDeployments)
              .where(after === null ? undefined : gt(pgDeployments.deployment_id, after))
              .orderBy(asc(pgDeployments.deployment_id))
              .limit(limit + 1),
          ),
        );
        return yield* retainedPage(rows, limit, stored);
      }),

    repoDeployments: (repo) =>
      attempt("DeploymentStore.repoDeployments", () =>
        run<DeploymentRow>(
          client,
          q
            .select({ deployment_id: pgDeployments.deployment_id, record: pgDeployments.record })
            .from(pgCurrentDeployments)
            .innerJoin(pgDeployments, eq(pgDeployments.deployment_id, pgCurrentDeployments.deployment_id))
            .where(
              and(
                eq(pgCurrentDeployments.org_slug, repo.orgSlug),
                eq(pgCurrentDeployments.repo_slug, repo.repoSlug),
              ),
            )
            .orderBy(asc(pgCurrentDeployments.environment)),
        ),
      ).pipe(Effect.flatMap((rows) => Effect.forEach(rows, stored))),

    ownerHasDeployments: ({ environment, orgSlug }) =>
      attempt("DeploymentStore.ownerHasDeployments", () =>
        run<{ deployment_id: string }>(
          client,
          q
            .select({ deployment_id: pgCurrentDeployments.deployment_id })
            .from(pgCurrentDeployments)
            .where(
              and(
                eq(pgCurrentDeployments.environment, environment),
                eq(pgCurrentDeployments.org_slug, orgSlug),
              ),
            )
            .limit(1),
        ),
      ).pipe(Effect.map((rows) => rows.length > 0)),

    findToken: (kind, tokenHash) =>
      attempt("DeploymentStore.findToken", () =>
        run<{ entry: string }>(
          client,
          q
            .select({ entry: pgBindingTokens.entry })
            .from(pgBindingTokens)
            .where(and(eq(pgBindingTokens.kind, kind), eq(pgBindingTokens.token_hash, tokenHash))),
        ),
      ).pipe(
        Effect.flatMap((rows) =>
          rows[0] === undefined
            ? Effect.succeedNone
            : Effect.asSome(decodeStored(BindingTokenEntry, "DeploymentStore.findToken", rows[0].entry)),
        ),
      ),

    listSchedules: () =>
      attempt("DeploymentStore.listSchedules", () =>
        run<{ mapping: string }>(
          client,
          q.select({ mapping: pgSchedules.mapping }).from(pgSchedules).orderBy(asc(pgSchedules.id)),
        ),
      ).pipe(Effect.flatMap(decodeSchedules)),

    findQueue: (queueName) =>
      attempt("DeploymentStore.findQueue", () =>
        run<{ mapping: string }>(
          client,
          q.select({ mapping: pgQueues.mapping }).from(pgQueues).where(eq(pgQueues.queue_name, queueName)),
        ),
      ).pipe(
        Effect.flatMap((rows) =>
          rows[0] === undefined
            ? Effect.succeedNone
            : Effect.asSome(decodeStored(QueueMapping, "DeploymentStore.findQueue", rows[0].mapping)),
        ),
      ),

    listSubscriptions: ({ environment, subject }) =>
      attempt("DeploymentStore.listSubscriptions", () =>
        run<{ mapping: string }>(
          client,
          q
            .select({ mapping: pgEventSubscriptions.mapping })
            .from(pgEventSubscriptions)
            .where(
              and(
                eq(pgEventSubscriptions.environment, environment),
                eq(pgEventSubscriptions.subject, subject),
              ),
            )
            .orderBy(
              asc(pgEventSubscriptions.org_slug),
              asc(pgEventSubscriptions.repo_slug),
              asc(pgEventSubscriptions.queue),
            ),
        ),
      ).pipe(
        Effect.flatMap((rows) =>
          Effect.forEach(rows, (row) =>
            decodeStored(EventSubscriptionMapping, "DeploymentStore.listSubscriptions", row.mapping),
          ),
        ),
      ),

    domainRoutes: (hostname) =>
      attempt("DeploymentStore.domainRoutes", () =>
        run<{ mapping: string }>(
          client,
          q
            .select({ mapping: pgDomainRoutes.mapping })
            .from(pgDomainRoutes)
            .where(eq(pgDomainRoutes.hostname, hostname)),
        ),
      ).pipe(
        Effect.flatMap((rows) =>
          Effect.forEach(rows, (row) =>
            decodeStored(CustomDomainMapping, "DeploymentStore.domainRoutes", row.mapping),
          ),
        ),
      ),

    appDomainRoutes: (app) =>
      attempt("DeploymentStore.appDomainRoutes", () =>
        run<{ mapping: string }>(
          client,
          q
            .select({ mapping: pgDomainRoutes.mapping })
            .from(pgDomainRoutes)
            .where(appIs(pgDomainRoutes, app))
            .orderBy(asc(pgDomainRoutes.hostname), asc(pgDomainRoutes.path_prefix)),
        ),
      ).pipe(
        Effect.flatMap((rows) =>
          Effect.forEach(rows, (row) =>
            decodeStored(CustomDomainMapping, "DeploymentStore.appDomainRoutes", row.mapping),
          ),
        ),
      ),
  };
};

/** Opens a pool, creates the schema and tables when missing, and closes the pool with the Layer's scope. */
export const postgresDeploymentStoreLayer = (
  options: PostgresDeploymentStoreOptions,
): Layer.Layer<DeploymentStore, StoreError> =>
  Layer.effect(
    DeploymentStore,
    Effect.acquireRelease(
      Effect.tryPromise({
        try: () => openPostgresPool({ databaseUrl: options.databaseUrl, schema: options.schema }),
        catch: storeFailure("DeploymentStore.open"),
      }),
      (client) => Effect.promise(() => client.end({ timeout: 5 })),
    ).pipe(Effect.map(makeStore)),
  );
