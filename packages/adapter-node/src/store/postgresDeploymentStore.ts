/**
 * DeploymentStore on Postgres (`DATABASE_URL`), for several servers sharing one control plane. drizzle
 * builds the statements, postgres.js runs them; a switch is one transaction holding an advisory lock on
 * the app, so two servers deploying the same app at once cannot both win.
 */
import {
  BindingTokenEntry,
  CustomDomainMapping,
  DeploymentRecord,
  DeploymentStore,
  QueueMapping,
  ScheduleMapping,
  type StoredDeployment,
  StoreError,
} from "@w7s/core";
import { and, asc, eq, gt, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Effect, Layer, Schema } from "effect";
import postgres from "postgres";
import { decodeAppCursor, encodeAppCursor } from "./cursor.js";
import {
  PG_SCHEMA_STATEMENTS,
  pgBindingTokens,
  pgCurrentDeployments,
  pgDeployments,
  pgDomainRoutes,
  pgQueues,
  pgSchedules,
} from "./pgSchema.js";

export interface PostgresDeploymentStoreOptions {
  readonly databaseUrl: string;
  /** The Postgres schema holding our tables (created when missing); `public` by default. */
  readonly schema?: string;
}

type Sql = postgres.Sql | postgres.TransactionSql;
interface Built {
  toSQL(): { sql: string; params: unknown[] };
}

class SwitchConflict extends Error {}

const failure = (operation: string) => (cause: unknown) =>
  cause instanceof SwitchConflict
    ? new StoreError({ reason: "Conflict", operation, description: cause.message })
    : new StoreError({
        reason: "Unavailable",
        operation,
        description: cause instanceof Error ? cause.message : String(cause),
        cause,
      });

const decode = <S extends Schema.Top>(schema: S, operation: string, json: string) =>
  Effect.try({
    try: () => Schema.decodeUnknownSync(schema as never)(JSON.parse(json)) as S["Type"],
    catch: (cause) =>
      new StoreError({ reason: "Corrupt", operation, description: "stored record is invalid", cause }),
  });

const makeStore = (client: postgres.Sql): DeploymentStore["Service"] => {
  const q = drizzle.mock();
  const run = <Row>(sql: Sql, query: Built): Promise<Row[]> => {
    const { sql: text, params } = query.toSQL();
    return sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]) as unknown as Promise<Row[]>;
  };
  const attempt = <A>(operation: string, body: () => Promise<A>) =>
    Effect.tryPromise({ try: body, catch: failure(operation) });
  const records = new Map<string, StoredDeployment>();

  const appIs = (
    table: typeof pgCurrentDeployments | typeof pgSchedules | typeof pgQueues,
    app: StoredDeployment["record"] | { environment: string; orgSlug: string; repoSlug: string },
  ): SQL =>
    and(
      eq(table.environment, app.environment),
      eq(table.org_slug, app.orgSlug),
      eq(table.repo_slug, app.repoSlug),
    )!;

  const stored = (row: { deployment_id: string; record: string }) =>
    decode(DeploymentRecord, "DeploymentStore.current", row.record).pipe(
      Effect.map((record): StoredDeployment => ({ deploymentId: row.deployment_id, record })),
    );

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
        Effect.flatMap((rows) => {
          const row = rows[0];
          if (row === undefined) return Effect.succeedNone;
          const cached = records.get(row.deployment_id);
          if (cached !== undefined) return Effect.succeedSome(cached);
          return stored(row).pipe(
            Effect.tap((deployment) =>
              Effect.sync(() => {
                records.set(deployment.deploymentId, deployment);
                if (records.size > 2000) records.delete(records.keys().next().value!);
              }),
            ),
            Effect.asSome,
          );
        }),
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
        const items = yield* Effect.forEach(rows.slice(0, limit), stored);
        const last = rows[limit - 1];
        const nextCursor =
          rows.length > limit && last !== undefined
            ? encodeAppCursor([last.environment, last.org_slug, last.repo_slug])
            : null;
        return { items, cursor: nextCursor };
      }),

    switchDeployment: (change) =>
      attempt("DeploymentStore.switchDeployment", () =>
        client.begin(async (tx) => {
          const { app } = change;
          await tx`select pg_advisory_xact_lock(hashtext(${`${app.environment}/${app.orgSlug}/${app.repoSlug}`}))`;
          const current = (
            await run<{ deployment_id: string }>(
              tx,
              q
                .select({ deployment_id: pgCurrentDeployments.deployment_id })
                .from(pgCurrentDeployments)
                .where(appIs(pgCurrentDeployments, app)),
            )
          )[0];
          if ((current?.deployment_id ?? null) !== change.replaces) {
            throw new SwitchConflict(
              `current deployment is ${current?.deployment_id ?? "none"}, not ${change.replaces ?? "none"}`,
            );
          }
          const owned = { environment: app.environment, org_slug: app.orgSlug, repo_slug: app.repoSlug };
          await run(
            tx,
            q.insert(pgDeployments).values({
              deployment_id: change.deploymentId,
              ...owned,
              record: JSON.stringify(change.record),
              created_at: Date.now(),
            }),
          );
          await run(
            tx,
            q
              .insert(pgCurrentDeployments)
              .values({ ...owned, deployment_id: change.deploymentId })
              .onConflictDoUpdate({
                target: [
                  pgCurrentDeployments.environment,
                  pgCurrentDeployments.org_slug,
                  pgCurrentDeployments.repo_slug,
                ],
                set: { deployment_id: change.deploymentId },
              }),
          );
          for (const token of change.tokens) {
            const entry = JSON.stringify(token);
            await run(
              tx,
              q
                .insert(pgBindingTokens)
                .values({ kind: token.kind, token_hash: token.tokenHash, entry })
                .onConflictDoUpdate({
                  target: [pgBindingTokens.kind, pgBindingTokens.token_hash],
                  set: { entry },
                }),
            );
          }
          await run(tx, q.delete(pgSchedules).where(appIs(pgSchedules, app)));
          for (const schedule of change.schedules) {
            const mapping = JSON.stringify(schedule);
            await run(
              tx,
              q
                .insert(pgSchedules)
                .values({ id: schedule.id, ...owned, mapping })
                .onConflictDoUpdate({ target: pgSchedules.id, set: { mapping } }),
            );
          }
          await run(tx, q.delete(pgQueues).where(appIs(pgQueues, app)));
          for (const queue of change.queues) {
            const mapping = JSON.stringify(queue);
            await run(
              tx,
              q
                .insert(pgQueues)
                .values({ queue_name: queue.queueName, ...owned, mapping })
                .onConflictDoUpdate({ target: pgQueues.queue_name, set: { mapping } }),
            );
          }
          for (const route of change.releaseDomains) {
            await run(
              tx,
              q
                .delete(pgDomainRoutes)
                .where(
                  and(
                    eq(pgDomainRoutes.hostname, route.hostname),
                    eq(pgDomainRoutes.path_prefix, route.pathPrefix),
                    eq(pgDomainRoutes.environment, app.environment),
                    eq(pgDomainRoutes.org_slug, app.orgSlug),
                    eq(pgDomainRoutes.repo_slug, app.repoSlug),
                  ),
                ),
            );
          }
          for (const claim of change.claimDomains) {
            const values = {
              hostname: claim.hostname,
              path_prefix: claim.pathPrefix ?? "/",
              ...owned,
              mapping: JSON.stringify(claim),
            };
            await run(
              tx,
              q
                .insert(pgDomainRoutes)
                .values(values)
                .onConflictDoUpdate({
                  target: [pgDomainRoutes.hostname, pgDomainRoutes.path_prefix],
                  set: values,
                }),
            );
          }
        }),
      ).pipe(Effect.asVoid),

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
            : Effect.asSome(decode(BindingTokenEntry, "DeploymentStore.findToken", rows[0].entry)),
        ),
      ),

    listSchedules: () =>
      attempt("DeploymentStore.listSchedules", () =>
        run<{ mapping: string }>(
          client,
          q.select({ mapping: pgSchedules.mapping }).from(pgSchedules).orderBy(asc(pgSchedules.id)),
        ),
      ).pipe(
        Effect.flatMap((rows) =>
          Effect.forEach(rows, (row) =>
            decode(ScheduleMapping, "DeploymentStore.listSchedules", row.mapping),
          ),
        ),
      ),

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
            : Effect.asSome(decode(QueueMapping, "DeploymentStore.findQueue", rows[0].mapping)),
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
            decode(CustomDomainMapping, "DeploymentStore.domainRoutes", row.mapping),
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
        try: async () => {
          const schema = options.schema ?? "public";
          if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
          const client = postgres(options.databaseUrl, {
            max: 10,
            onnotice: () => {},
            connection: { search_path: schema, application_name: "w7s" },
          });
          try {
            // Servers starting together must not race on the DDL.
            await client.begin(async (tx) => {
              await tx`select pg_advisory_xact_lock(hashtext('w7s-schema'))`;
              await tx.unsafe(`create schema if not exists "${schema}"`);
              for (const statement of PG_SCHEMA_STATEMENTS) await tx.unsafe(statement);
            });
          } catch (error) {
            await client.end({ timeout: 1 });
            throw error;
          }
          return client;
        },
        catch: failure("DeploymentStore.open"),
      }),
      (client) => Effect.promise(() => client.end({ timeout: 5 })),
    ).pipe(Effect.map(makeStore)),
  );
