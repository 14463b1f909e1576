/**
 * Provisioner through the Cloudflare REST API: a KV namespace, R2 bucket or D1 database per app and
 * binding, created once and remembered in the control-plane object's resource index; D1 migrations applied
 * with the database's query endpoint. Queues and stateful objects need no account resource: managed queues
 * ride the platform's one Cloudflare Queue, and a stateful object's namespace is created by its script's
 * upload migrations.
 */
import {
  type ManagedResource,
  newManagedResource,
  ProvisionError,
  Provisioner,
  type ResourceRequest,
} from "@w7s/core";
import { Effect, Layer } from "effect";
import { type ApiFailure, describeApiFailure, type ResourceApi } from "../api.js";
import type { ControlPlaneStub } from "../state/controlPlaneClient.js";

const MIGRATIONS_TABLE =
  "create table if not exists _w7s_migrations (name text primary key, applied_at text not null)";

const unavailable = (operation: string) => (cause: unknown) =>
  new ProvisionError({
    reason: "Unavailable",
    operation,
    description: isApiFailure(cause)
      ? describeApiFailure(cause)
      : cause instanceof Error
        ? cause.message
        : String(cause),
    cause,
  });

const isApiFailure = (value: unknown): value is ApiFailure =>
  typeof value === "object" && value !== null && "call" in value && "status" in value && "errors" in value;

const hex = async (text: string): Promise<string> =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))))
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join("");

/**
 * The account-wide name of an app's resource: the requested name, shortened to what every resource kind
 * accepts, plus a hash of the app and binding, so that no name one app declares can reach another's data.
 */
export const accountResourceName = async (request: ResourceRequest): Promise<string> => {
  const { environment, orgSlug, repoSlug } = request.app;
  const digest = await hex(`${environment}\n${orgSlug}\n${repoSlug}\n${request.kind}\n${request.binding}`);
  const readable = request.name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 32);
  return `w7s-${readable === "" ? request.kind : readable}-${digest.slice(0, 12)}`.replace(/-+/g, "-");
};

/** Creates the account resource and answers its id (`ManagedResource.id`; a bucket's name on R2). */
const createResource = (api: ResourceApi, request: ResourceRequest, name: string) => {
  switch (request.kind) {
    case "kv":
      return Effect.map(api.kv.ensureNamespace(name), (namespace) => namespace.id);
    case "r2":
      return Effect.map(api.r2.ensureBucket(name), (bucket) => bucket.name);
    case "d1":
      return Effect.map(api.d1.ensureDatabase(name), (database) => database.uuid);
    default:
      return Effect.succeed(request.name);
  }
};

/** The Provisioner on `api`, remembering resources in the control-plane object. */
export const makeCloudflareProvisioner = (
  api: ResourceApi,
  control: ControlPlaneStub,
): Provisioner["Service"] => ({
  ensureResource: (request) =>
    Effect.gen(function* () {
      const existing = yield* Effect.tryPromise({
        try: () => control.resourceFind(request.app, request.kind, request.binding),
        catch: unavailable("Provisioner.ensureResource"),
      });
      if (existing !== null) return existing as ManagedResource;
      const name = yield* Effect.promise(() => accountResourceName(request));
      const id = yield* createResource(api, request, name).pipe(
        Effect.mapError(unavailable("Provisioner.ensureResource")),
      );
      // The name the app asked for stays `name`; the account resource is `id` (a bucket's id is its account-wide name).
      const resource = newManagedResource(request, id, new Date().toISOString());
      // Two deploys creating the same resource at once: the first insert wins, both use it.
      return (yield* Effect.tryPromise({
        try: () => control.resourceInsert(resource),
        catch: unavailable("Provisioner.ensureResource"),
      })) as ManagedResource;
    }),
  applyMigrations: (databaseId, migrations) =>
    Effect.gen(function* () {
      const query = (sql: string, params?: ReadonlyArray<string>) =>
        api.d1
          .query(databaseId, sql, params)
          .pipe(Effect.mapError(unavailable("Provisioner.applyMigrations")));
      yield* query(MIGRATIONS_TABLE);
      const recorded = yield* query("select name from _w7s_migrations");
      const names = new Set(
        (recorded[0]?.results ?? []).map((row) => String((row as { name: unknown }).name)),
      );
      const pending = migrations.filter((migration) => !names.has(migration.name));
      if (pending.length === 0) return [];
      // One query call runs its statements as one D1 batch: every pending file and its record, or none.
      const now = new Date().toISOString();
      const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
      const batchOf = (files: ReadonlyArray<{ readonly name: string; readonly sql: string }>) =>
        files
          .map(
            (migration) =>
              `${migration.sql.trim().replace(/;?\s*$/, ";")}\ninsert into _w7s_migrations (name, applied_at) values (${quote(migration.name)}, ${quote(now)});`,
          )
          .join("\n");
      const applied = yield* api.d1.query(databaseId, batchOf(pending)).pipe(
        Effect.as(true),
        Effect.catch((failure) => Effect.succeed(failure)),
      );
      if (applied === true) return pending.map((migration) => migration.name);
      // The batch failed and changed nothing. Which file failed: replay growing prefixes that end in a
      // statement sure to fail, so that every replay is rolled back too; the first prefix that fails before
      // the sentinel ends in the culprit.
      const sentinel = "select * from _w7s_rollback_sentinel_table_that_never_exists";
      let culprit = pending[pending.length - 1]!;
      let description = isApiFailure(applied) ? describeApiFailure(applied) : String(applied);
      for (let count = 1; count <= pending.length; count += 1) {
        const replay = yield* api.d1
          .query(databaseId, `${batchOf(pending.slice(0, count))}\n${sentinel};`)
          .pipe(
            Effect.flip,
            Effect.orElseSucceed(() => undefined),
          );
        const text =
          replay === undefined ? "" : isApiFailure(replay) ? describeApiFailure(replay) : String(replay);
        if (!text.includes("_w7s_rollback_sentinel_table_that_never_exists")) {
          culprit = pending[count - 1]!;
          if (text !== "") description = text;
          break;
        }
      }
      return yield* Effect.fail(
        new ProvisionError({
          reason: "MigrationFailed",
          operation: "Provisioner.applyMigrations",
          migration: culprit.name,
          description,
        }),
      );
    }),
});

/** The Provisioner Layer. */
export const cloudflareProvisionerLayer = (
  api: ResourceApi,
  control: ControlPlaneStub,
): Layer.Layer<Provisioner> => Layer.succeed(Provisioner, makeCloudflareProvisioner(api, control));
