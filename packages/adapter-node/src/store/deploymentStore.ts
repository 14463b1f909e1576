/** DeploymentStore on the embedded SQLite database (DECISIONS 6: the switch is one transaction). */
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
import { and, asc, eq, gt, or } from "drizzle-orm";
import { Effect, Layer, Schema } from "effect";
import { decodeAppCursor, encodeAppCursor } from "./cursor.js";
import { postgresDeploymentStoreLayer } from "./postgresDeploymentStore.js";
import { bindingTokens, currentDeployments, deployments, domainRoutes, queues, schedules } from "./schema.js";
import { acquireEmbeddedDatabase, type EmbeddedDatabase } from "./sqlite.js";

/** Where deployments are kept: `<dataDir>/w7s.db`, or Postgres when `databaseUrl` is set. */
export interface DeploymentStoreOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  /** Postgres schema for our tables (default `public`). */
  readonly databaseSchema?: string | undefined;
}

class SwitchConflict extends Error {}

const POINTER_TTL_MS = 1_000;

const decode =
  <S extends Schema.Top>(schema: S, operation: string) =>
  (json: string): Effect.Effect<S["Type"], StoreError> =>
    Effect.try({
      try: () => Schema.decodeUnknownSync(schema as never)(JSON.parse(json)) as S["Type"],
      catch: (cause) =>
        new StoreError({ reason: "Corrupt", operation, description: "stored record is invalid", cause }),
    });

const attempt = <A>(operation: string, body: () => A): Effect.Effect<A, StoreError> =>
  Effect.try({
    try: body,
    catch: (cause) =>
      cause instanceof SwitchConflict
        ? new StoreError({ reason: "Conflict", operation, description: cause.message })
        : new StoreError({
            reason: "Unavailable",
            operation,
            description: cause instanceof Error ? cause.message : String(cause),
            cause,
          }),
  });

const makeStore = (db: EmbeddedDatabase): DeploymentStore["Service"] => {
  const q = db.builder;
  const decodeRecord = decode(DeploymentRecord, "DeploymentStore.current");
  // Records never change once written (they are keyed by deployment id), so decoded ones are kept.
  const records = new Map<string, StoredDeployment>();
  const remember = (deployment: StoredDeployment) => {
    records.set(deployment.deploymentId, deployment);
    if (records.size > 2000) records.delete(records.keys().next().value!);
  };
  const currentPointerSql = q
    .select({ deployment_id: currentDeployments.deployment_id })
    .from(currentDeployments)
    .where(
      and(
        eq(currentDeployments.environment, ""),
        eq(currentDeployments.org_slug, ""),
        eq(currentDeployments.repo_slug, ""),
      ),
    )
    .toSQL().sql;
  const recordSql = q
    .select({ deployment_id: deployments.deployment_id, record: deployments.record })
    .from(deployments)
    .where(eq(deployments.deployment_id, ""))
    .toSQL().sql;
  // Every request looks up one to four pointers (A.5/A.6 candidates), so they are kept briefly (D.9 allows
  // 5 s); a switch made by this process drops its entry at once, so its own deploys are seen at once.
  const pointers = new Map<string, { readonly deploymentId: string | undefined; readonly expires: number }>();
  const pointerKey = (app: { environment: string; orgSlug: string; repoSlug: string }) =>
    `${app.environment}/${app.orgSlug}/${app.repoSlug}`;
  const currentPointer = (app: { environment: string; orgSlug: string; repoSlug: string }) => {
    const key = pointerKey(app);
    const cached = pointers.get(key);
    if (cached !== undefined && cached.expires > Date.now()) return Effect.succeed(cached.deploymentId);
    return attempt("DeploymentStore.current", () => {
      const rows = db.query<{ deployment_id: string }>(currentPointerSql, [
        app.environment,
        app.orgSlug,
        app.repoSlug,
      ]);
      const deploymentId = rows[0]?.deployment_id;
      pointers.set(key, { deploymentId, expires: Date.now() + POINTER_TTL_MS });
      if (pointers.size > 10_000) pointers.delete(pointers.keys().next().value!);
      return deploymentId;
    });
  };

  const stored = (row: { deployment_id: string; record: string }) =>
    decodeRecord(row.record).pipe(
      Effect.map((record): StoredDeployment => ({ deploymentId: row.deployment_id, record })),
    );

  const service: DeploymentStore["Service"] = {
    current: (app) =>
      currentPointer(app).pipe(
        Effect.flatMap((deploymentId) => {
          if (deploymentId === undefined) return Effect.succeedNone;
          const cached = records.get(deploymentId);
          if (cached !== undefined) return Effect.succeedSome(cached);
          return attempt("DeploymentStore.current", () =>
            db.query<{ deployment_id: string; record: string }>(recordSql, [deploymentId]),
          ).pipe(
            Effect.flatMap((found) =>
              found[0] === undefined
                ? Effect.fail(
                    new StoreError({
                      reason: "Corrupt",
                      operation: "DeploymentStore.current",
                      description: `record ${deploymentId} is missing`,
                    }),
                  )
                : stored(found[0]),
            ),
            Effect.tap((deployment) => Effect.sync(() => remember(deployment))),
            Effect.asSome,
          );
        }),
      ),

    listCurrent: (page) =>
      Effect.gen(function* () {
        const limit = Math.max(1, Math.min(page.limit, 1000));
        const cursor = yield* decodeAppCursor("DeploymentStore.listCurrent", page.cursor);
        const rows = yield* attempt("DeploymentStore.listCurrent", () =>
          db.all<{
            environment: string;
            org_slug: string;
            repo_slug: string;
            deployment_id: string;
            record: string;
          }>(
            q
              .select({
                environment: currentDeployments.environment,
                org_slug: currentDeployments.org_slug,
                repo_slug: currentDeployments.repo_slug,
                deployment_id: deployments.deployment_id,
                record: deployments.record,
              })
              .from(currentDeployments)
              .innerJoin(deployments, eq(deployments.deployment_id, currentDeployments.deployment_id))
              .where(
                cursor === null
                  ? undefined
                  : or(
                      gt(currentDeployments.environment, cursor[0]),
                      and(
                        eq(currentDeployments.environment, cursor[0]),
                        gt(currentDeployments.org_slug, cursor[1]),
                      ),
                      and(
                        eq(currentDeployments.environment, cursor[0]),
                        eq(currentDeployments.org_slug, cursor[1]),
                        gt(currentDeployments.repo_slug, cursor[2]),
                      ),
                    ),
              )
              .orderBy(
                asc(currentDeployments.environment),
                asc(currentDeployments.org_slug),
                asc(currentDeployments.repo_slug),
              )
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
        db.transaction(() => {
          const { app } = change;
          const appWhere = (table: typeof currentDeployments | typeof schedules | typeof queues) =>
            and(
              eq(table.environment, app.environment),
              eq(table.org_slug, app.orgSlug),
              eq(table.repo_slug, app.repoSlug),
            );
          const current = db.all<{ deployment_id: string }>(
            q
              .select({ deployment_id: currentDeployments.deployment_id })
              .from(currentDeployments)
              .where(appWhere(currentDeployments)),
          )[0];
          if ((current?.deployment_id ?? null) !== change.replaces) {
            throw new SwitchConflict(
              `current deployment is ${current?.deployment_id ?? "none"}, not ${change.replaces ?? "none"}`,
            );
          }
          db.run(
            q.insert(deployments).values({
              deployment_id: change.deploymentId,
              environment: app.environment,
              org_slug: app.orgSlug,
              repo_slug: app.repoSlug,
              record: JSON.stringify(change.record),
              created_at: Date.now(),
            }),
          );
          db.run(
            q
              .insert(currentDeployments)
              .values({
                environment: app.environment,
                org_slug: app.orgSlug,
                repo_slug: app.repoSlug,
                deployment_id: change.deploymentId,
              })
              .onConflictDoUpdate({
                target: [
                  currentDeployments.environment,
                  currentDeployments.org_slug,
                  currentDeployments.repo_slug,
                ],
                set: { deployment_id: change.deploymentId },
              }),
          );
          for (const token of change.tokens) {
            db.run(
              q
                .insert(bindingTokens)
                .values({ kind: token.kind, token_hash: token.tokenHash, entry: JSON.stringify(token) })
                .onConflictDoUpdate({
                  target: [bindingTokens.kind, bindingTokens.token_hash],
                  set: { entry: JSON.stringify(token) },
                }),
            );
          }
          db.run(q.delete(schedules).where(appWhere(schedules)));
          for (const schedule of change.schedules) {
            db.run(
              q
                .insert(schedules)
                .values({
                  id: schedule.id,
                  environment: app.environment,
                  org_slug: app.orgSlug,
                  repo_slug: app.repoSlug,
                  mapping: JSON.stringify(schedule),
                })
                .onConflictDoUpdate({ target: schedules.id, set: { mapping: JSON.stringify(schedule) } }),
            );
          }
          db.run(q.delete(queues).where(appWhere(queues)));
          for (const queue of change.queues) {
            db.run(
              q
                .insert(queues)
                .values({
                  queue_name: queue.queueName,
                  environment: app.environment,
                  org_slug: app.orgSlug,
                  repo_slug: app.repoSlug,
                  mapping: JSON.stringify(queue),
                })
                .onConflictDoUpdate({ target: queues.queue_name, set: { mapping: JSON.stringify(queue) } }),
            );
          }
          for (const route of change.releaseDomains) {
            db.run(
              q
                .delete(domainRoutes)
                .where(
                  and(
                    eq(domainRoutes.hostname, route.hostname),
                    eq(domainRoutes.path_prefix, route.pathPrefix),
                    eq(domainRoutes.environment, app.environment),
                    eq(domainRoutes.org_slug, app.orgSlug),
                    eq(domainRoutes.repo_slug, app.repoSlug),
                  ),
                ),
            );
          }
          for (const claim of change.claimDomains) {
            const values = {
              hostname: claim.hostname,
              path_prefix: claim.pathPrefix ?? "/",
              environment: app.environment,
              org_slug: app.orgSlug,
              repo_slug: app.repoSlug,
              mapping: JSON.stringify(claim),
            };
            db.run(
              q
                .insert(domainRoutes)
                .values(values)
                .onConflictDoUpdate({
                  target: [domainRoutes.hostname, domainRoutes.path_prefix],
                  set: values,
                }),
            );
          }
        }),
      ),

    findToken: (kind, tokenHash) =>
      attempt("DeploymentStore.findToken", () =>
        db.all<{ entry: string }>(
          q
            .select({ entry: bindingTokens.entry })
            .from(bindingTokens)
            .where(and(eq(bindingTokens.kind, kind), eq(bindingTokens.token_hash, tokenHash))),
        ),
      ).pipe(
        Effect.flatMap((rows) =>
          rows[0] === undefined
            ? Effect.succeedNone
            : Effect.asSome(decode(BindingTokenEntry, "DeploymentStore.findToken")(rows[0].entry)),
        ),
      ),

    listSchedules: () =>
      attempt("DeploymentStore.listSchedules", () =>
        db.all<{ mapping: string }>(
          q.select({ mapping: schedules.mapping }).from(schedules).orderBy(asc(schedules.id)),
        ),
      ).pipe(
        Effect.flatMap((rows) =>
          Effect.forEach(rows, (row) =>
            decode(ScheduleMapping, "DeploymentStore.listSchedules")(row.mapping),
          ),
        ),
      ),

    findQueue: (queueName) =>
      attempt("DeploymentStore.findQueue", () =>
        db.all<{ mapping: string }>(
          q.select({ mapping: queues.mapping }).from(queues).where(eq(queues.queue_name, queueName)),
        ),
      ).pipe(
        Effect.flatMap((rows) =>
          rows[0] === undefined
            ? Effect.succeedNone
            : Effect.asSome(decode(QueueMapping, "DeploymentStore.findQueue")(rows[0].mapping)),
        ),
      ),

    domainRoutes: (hostname) =>
      attempt("DeploymentStore.domainRoutes", () =>
        db.all<{ mapping: string }>(
          q
            .select({ mapping: domainRoutes.mapping })
            .from(domainRoutes)
            .where(eq(domainRoutes.hostname, hostname)),
        ),
      ).pipe(
        Effect.flatMap((rows) =>
          Effect.forEach(rows, (row) =>
            decode(CustomDomainMapping, "DeploymentStore.domainRoutes")(row.mapping),
          ),
        ),
      ),
  };
  return {
    ...service,
    switchDeployment: (change) =>
      Effect.ensuring(
        service.switchDeployment(change),
        Effect.sync(() => pointers.delete(pointerKey(change.app))),
      ),
  };
};

/** DeploymentStore in Postgres when `databaseUrl` is set, else in `<dataDir>/w7s.db`. */
export const deploymentStoreLayer = (
  options: DeploymentStoreOptions,
): Layer.Layer<DeploymentStore, StoreError> =>
  options.databaseUrl !== undefined && options.databaseUrl !== ""
    ? postgresDeploymentStoreLayer({
        databaseUrl: options.databaseUrl,
        ...(options.databaseSchema === undefined ? {} : { schema: options.databaseSchema }),
      })
    : embeddedDeploymentStoreLayer(options);

/** DeploymentStore in `<dataDir>/w7s.db`; the connection closes with the Layer's scope. */
export const embeddedDeploymentStoreLayer = (
  options: DeploymentStoreOptions,
): Layer.Layer<DeploymentStore, StoreError> =>
  Layer.effect(
    DeploymentStore,
    Effect.acquireRelease(
      attempt("DeploymentStore.open", () => acquireEmbeddedDatabase(options.dataDir)),
      (handle) => Effect.sync(handle.release),
    ).pipe(Effect.map((handle) => makeStore(handle.database))),
  );
