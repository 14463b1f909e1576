/** DeploymentStore on the embedded SQLite database (DECISIONS 6: the switch is one transaction). */
import {
  BindingTokenEntry,
  type Cached,
  CustomDomainMapping,
  DeploymentStore,
  EventSubscriptionMapping,
  NotCached,
  QueueMapping,
  type StoredDeployment,
  StoreError,
} from "@w7s/core";
import { and, asc, desc, eq, gt, inArray, or } from "drizzle-orm";
import { Context, Effect, Layer, Schema } from "effect";
import { CachedDeployments } from "./cachedDeployments.js";
import { decodeAppCursor, decodeIdCursor } from "./cursor.js";
import { postgresDeploymentStoreLayer } from "./postgresDeploymentStore.js";
import {
  bindingTokens,
  currentDeployments,
  deployments,
  domainRoutes,
  eventSubscriptions,
  queues,
  schedules,
} from "./schema.js";
import { acquireEmbeddedDatabase, type EmbeddedDatabase } from "./sqlite.js";
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

/** Where deployments are kept: `<dataDir>/w7s.db`, or Postgres when `databaseUrl` is set. */
export interface DeploymentStoreOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  /** Postgres schema for our tables (default `public`). */
  readonly databaseSchema?: string | undefined;
}

const POINTER_TTL_MS = 1_000;

const attempt = <A>(operation: string, body: () => A): Effect.Effect<A, StoreError> =>
  Effect.try({ try: body, catch: storeFailure(operation) });

export const makeStore = (
  db: EmbeddedDatabase,
): { store: DeploymentStore["Service"]; cached: CachedDeployments["Service"] } => {
  const q = db.builder;
  const { stored, cached } = makeRecordCache();
  const decodeSchedules = makeScheduleCache();
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
  /** The pointer, from the cache while it is fresh; throws what the database throws. */
  const pointerOf = (app: { environment: string; orgSlug: string; repoSlug: string }) => {
    const key = pointerKey(app);
    const cachedPointer = pointers.get(key);
    if (cachedPointer !== undefined && cachedPointer.expires > Date.now()) return cachedPointer.deploymentId;
    const rows = db.query<{ deployment_id: string }>(currentPointerSql, [
      app.environment,
      app.orgSlug,
      app.repoSlug,
    ]);
    const deploymentId = rows[0]?.deployment_id;
    pointers.set(key, { deploymentId, expires: Date.now() + POINTER_TTL_MS });
    if (pointers.size > 10_000) pointers.delete(pointers.keys().next().value!);
    return deploymentId;
  };
  const currentPointer = (app: { environment: string; orgSlug: string; repoSlug: string }) =>
    attempt("DeploymentStore.current", () => pointerOf(app));

  // Custom-domain routes are read on every request to a custom host; kept as briefly as pointers, and
  // dropped at once for every host a switch of this process claims or releases.
  const hostRoutes = new Map<
    string,
    { readonly routes: readonly CustomDomainMapping[]; readonly expires: number }
  >();
  const domainRoutesSql = q
    .select({ mapping: domainRoutes.mapping })
    .from(domainRoutes)
    .where(eq(domainRoutes.hostname, ""))
    .toSQL().sql;
  /** The routes of a host, from the cache while fresh; throws what the database or decoding throws. */
  const routesOf = (hostname: string): readonly CustomDomainMapping[] => {
    const cachedRoutes = hostRoutes.get(hostname);
    if (cachedRoutes !== undefined && cachedRoutes.expires > Date.now()) return cachedRoutes.routes;
    const rows = db.query<{ mapping: string }>(domainRoutesSql, [hostname]);
    const routes = rows.map((row) => {
      try {
        return Schema.decodeUnknownSync(CustomDomainMapping)(JSON.parse(row.mapping));
      } catch (cause) {
        throw new StoreError({
          reason: "Corrupt",
          operation: "DeploymentStore.domainRoutes",
          description: "stored record is invalid",
          cause,
        });
      }
    });
    hostRoutes.set(hostname, { routes, expires: Date.now() + POINTER_TTL_MS });
    if (hostRoutes.size > 10_000) hostRoutes.delete(hostRoutes.keys().next().value!);
    return routes;
  };
  const domainRoutesCached = (hostname: string): Cached<readonly CustomDomainMapping[]> => {
    try {
      return routesOf(hostname);
    } catch {
      return NotCached;
    }
  };

  // The database is synchronous, so only a record not decoded yet needs the port (it caches what it decodes).
  const currentCached = (app: {
    environment: string;
    orgSlug: string;
    repoSlug: string;
  }): Cached<StoredDeployment | undefined> => {
    let deploymentId: string | undefined;
    try {
      deploymentId = pointerOf(app);
    } catch {
      return NotCached;
    }
    if (deploymentId === undefined) return undefined;
    return cached(deploymentId) ?? NotCached;
  };

  const service: DeploymentStore["Service"] = {
    current: (app) =>
      currentPointer(app).pipe(
        Effect.flatMap((deploymentId) => {
          if (deploymentId === undefined) return Effect.succeedNone;
          return attempt("DeploymentStore.current", () =>
            db.query<DeploymentRow>(recordSql, [deploymentId]),
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
        return yield* currentPage(rows, limit, stored);
      }),

    switchDeployment: (change) =>
      attempt("DeploymentStore.switchDeployment", () =>
        db.transaction(() => {
          const { app } = change;
          const appWhere = (
            table:
              | typeof currentDeployments
              | typeof schedules
              | typeof queues
              | typeof eventSubscriptions
              | typeof deployments,
          ) =>
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
          expectCurrent(current?.deployment_id, change);
          const rows = switchRows(change, Date.now());
          // A rollback switches to a record the store already holds: it is kept as it was first stored.
          db.run(q.insert(deployments).values(rows.deployment).onConflictDoNothing());
          db.run(
            q
              .insert(currentDeployments)
              .values(rows.pointer)
              .onConflictDoUpdate({
                target: [
                  currentDeployments.environment,
                  currentDeployments.org_slug,
                  currentDeployments.repo_slug,
                ],
                set: { deployment_id: change.deploymentId },
              }),
          );
          for (const token of rows.tokens) {
            db.run(
              q
                .insert(bindingTokens)
                .values(token)
                .onConflictDoUpdate({
                  target: [bindingTokens.kind, bindingTokens.token_hash],
                  set: { entry: token.entry },
                }),
            );
          }
          db.run(q.delete(schedules).where(appWhere(schedules)));
          for (const schedule of rows.schedules) {
            db.run(
              q
                .insert(schedules)
                .values(schedule)
                .onConflictDoUpdate({ target: schedules.id, set: { mapping: schedule.mapping } }),
            );
          }
          db.run(q.delete(queues).where(appWhere(queues)));
          for (const queue of rows.queues) {
            db.run(
              q
                .insert(queues)
                .values(queue)
                .onConflictDoUpdate({ target: queues.queue_name, set: { mapping: queue.mapping } }),
            );
          }
          db.run(q.delete(eventSubscriptions).where(appWhere(eventSubscriptions)));
          for (const subscription of rows.subscriptions)
            db.run(q.insert(eventSubscriptions).values(subscription));
          for (const route of rows.releases) {
            db.run(
              q
                .delete(domainRoutes)
                .where(
                  and(
                    eq(domainRoutes.hostname, route.hostname),
                    eq(domainRoutes.path_prefix, route.path_prefix),
                    eq(domainRoutes.environment, app.environment),
                    eq(domainRoutes.org_slug, app.orgSlug),
                    eq(domainRoutes.repo_slug, app.repoSlug),
                  ),
                ),
            );
          }
          for (const claim of rows.claims) {
            db.run(
              q
                .insert(domainRoutes)
                .values(claim)
                .onConflictDoUpdate({
                  target: [domainRoutes.hostname, domainRoutes.path_prefix],
                  set: claim,
                }),
            );
          }
          const past = idsPastRetention(
            db.all<{ deployment_id: string }>(
              q
                .select({ deployment_id: deployments.deployment_id })
                .from(deployments)
                .where(appWhere(deployments))
                .orderBy(desc(deployments.created_at), desc(deployments.deployment_id)),
            ),
            change,
          );
          if (past.length > 0) db.run(q.delete(deployments).where(inArray(deployments.deployment_id, past)));
        }),
      ),

    history: (app, limit) =>
      attempt("DeploymentStore.history", () =>
        db.all<DeploymentRow>(
          q
            .select({ deployment_id: deployments.deployment_id, record: deployments.record })
            .from(deployments)
            .where(
              and(
                eq(deployments.environment, app.environment),
                eq(deployments.org_slug, app.orgSlug),
                eq(deployments.repo_slug, app.repoSlug),
              ),
            )
            .orderBy(desc(deployments.created_at), desc(deployments.deployment_id))
            .limit(Math.max(1, Math.min(limit, 1000))),
        ),
      ).pipe(Effect.flatMap((rows) => Effect.forEach(rows, stored))),

    listRetained: (page) =>
      Effect.gen(function* () {
        const limit = Math.max(1, Math.min(page.limit, 1000));
        const after = yield* decodeIdCursor("DeploymentStore.listRetained", page.cursor);
        const rows = yield* attempt("DeploymentStore.listRetained", () =>
          db.all<DeploymentRow>(
            q
              .select({ deployment_id: deployments.deployment_id, record: deployments.record })
              .from(deployments)
              .where(after === null ? undefined : gt(deployments.deployment_id, after))
              .orderBy(asc(deployments.deployment_id))
              .limit(limit + 1),
          ),
        );
        return yield* retainedPage(rows, limit, stored);
      }),

    repoDeployments: (repo) =>
      attempt("DeploymentStore.repoDeployments", () =>
        db.all<DeploymentRow>(
          q
            .select({ deployment_id: deployments.deployment_id, record: deployments.record })
            .from(currentDeployments)
            .innerJoin(deployments, eq(deployments.deployment_id, currentDeployments.deployment_id))
            .where(
              and(
                eq(currentDeployments.org_slug, repo.orgSlug),
                eq(currentDeployments.repo_slug, repo.repoSlug),
              ),
            )
            .orderBy(asc(currentDeployments.environment)),
        ),
      ).pipe(Effect.flatMap((rows) => Effect.forEach(rows, stored))),

    ownerHasDeployments: ({ environment, orgSlug }) =>
      attempt("DeploymentStore.ownerHasDeployments", () =>
        db.all<{ deployment_id: string }>(
          q
            .select({ deployment_id: currentDeployments.deployment_id })
            .from(currentDeployments)
            .where(
              and(eq(currentDeployments.environment, environment), eq(currentDeployments.org_slug, orgSlug)),
            )
            .limit(1),
        ),
      ).pipe(Effect.map((rows) => rows.length > 0)),

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
            : Effect.asSome(decodeStored(BindingTokenEntry, "DeploymentStore.findToken", rows[0].entry)),
        ),
      ),

    listSchedules: () =>
      attempt("DeploymentStore.listSchedules", () =>
        db.all<{ mapping: string }>(
          q.select({ mapping: schedules.mapping }).from(schedules).orderBy(asc(schedules.id)),
        ),
      ).pipe(Effect.flatMap(decodeSchedules)),

    findQueue: (queueName) =>
      attempt("DeploymentStore.findQueue", () =>
        db.all<{ mapping: string }>(
          q.select({ mapping: queues.mapping }).from(queues).where(eq(queues.queue_name, queueName)),
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
        db.all<{ mapping: string }>(
          q
            .select({ mapping: eventSubscriptions.mapping })
            .from(eventSubscriptions)
            .where(
              and(eq(eventSubscriptions.environment, environment), eq(eventSubscriptions.subject, subject)),
            )
            .orderBy(
              asc(eventSubscriptions.org_slug),
              asc(eventSubscriptions.repo_slug),
              asc(eventSubscriptions.queue),
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
      Effect.try({
        try: () => routesOf(hostname),
        catch: (cause) =>
          cause instanceof StoreError ? cause : storeFailure("DeploymentStore.domainRoutes")(cause),
      }),

    appDomainRoutes: (app) =>
      attempt("DeploymentStore.appDomainRoutes", () =>
        db.all<{ mapping: string }>(
          q
            .select({ mapping: domainRoutes.mapping })
            .from(domainRoutes)
            .where(
              and(
                eq(domainRoutes.environment, app.environment),
                eq(domainRoutes.org_slug, app.orgSlug),
                eq(domainRoutes.repo_slug, app.repoSlug),
              ),
            )
            .orderBy(asc(domainRoutes.hostname), asc(domainRoutes.path_prefix)),
        ),
      ).pipe(
        Effect.flatMap((rows) =>
          Effect.forEach(rows, (row) =>
            decodeStored(CustomDomainMapping, "DeploymentStore.appDomainRoutes", row.mapping),
          ),
        ),
      ),
  };
  return {
    store: {
      ...service,
      switchDeployment: (change) =>
        Effect.ensuring(
          service.switchDeployment(change),
          Effect.sync(() => {
            pointers.delete(pointerKey(change.app));
            for (const route of [...change.claimDomains, ...change.releaseDomains]) {
              hostRoutes.delete(route.hostname);
            }
          }),
        ),
    },
    cached: { current: currentCached, domainRoutes: domainRoutesCached },
  };
};

/** DeploymentStore in Postgres when `databaseUrl` is set, else in `<dataDir>/w7s.db`. */
export const deploymentStoreLayer = (
  options: DeploymentStoreOptions,
): Layer.Layer<DeploymentStore | CachedDeployments, StoreError> =>
  options.databaseUrl !== undefined && options.databaseUrl !== ""
    ? Layer.merge(
        postgresDeploymentStoreLayer({
          databaseUrl: options.databaseUrl,
          ...(options.databaseSchema === undefined ? {} : { schema: options.databaseSchema }),
        }),
        // Postgres pointers are read on every request (other servers switch them), so none is ever at hand.
        Layer.succeed(CachedDeployments, { current: () => NotCached, domainRoutes: () => NotCached }),
      )
    : embeddedDeploymentStoreLayer(options);

/** DeploymentStore (and its CachedDeployments) in `<dataDir>/w7s.db`; the connection closes with the Layer's scope. */
export const embeddedDeploymentStoreLayer = (
  options: DeploymentStoreOptions,
): Layer.Layer<DeploymentStore | CachedDeployments, StoreError> =>
  Layer.effectContext(
    Effect.acquireRelease(
      attempt("DeploymentStore.open", () => acquireEmbeddedDatabase(options.dataDir)),
      (handle) => Effect.sync(handle.release),
    ).pipe(
      Effect.map((handle) => {
        const { store, cached } = makeStore(handle.database);
        return Context.make(DeploymentStore, store).pipe(Context.add(CachedDeployments, cached));
      }),
    ),
  );
