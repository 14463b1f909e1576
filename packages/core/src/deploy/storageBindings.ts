/**
 * E.1 step 2 and C: the storage a native backend declares (KV, object storage, SQL databases, Postgres
 * bindings, stateful objects) provisioned through the `Provisioner`, bound on the backend's `env` in upload
 * order, and described in the deployment record; plus the database migrations a deploy applies.
 */
import { managedResourceName } from "@w7s/env-naming";
import type { DbBinding, Manifest } from "@w7s/manifest";
import { Effect } from "effect";
import { BadRequest, Internal, ServiceUnavailable } from "../errors/httpErrors.js";
import type { RuntimeBinding } from "../ports/BackendRuntime.js";
import type { ProvisionError } from "../ports/PortErrors.js";
import { Provisioner, type SqlMigration } from "../ports/Provisioner.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type { DeploymentBindings } from "../ports/records/DeploymentRecord.js";

/** One provisioned database and the archive folder of its migrations. */
export interface ProvisionedDatabase {
  readonly binding: string;
  readonly databaseId: string;
  readonly migrations: string | undefined;
}

/** What provisioning produced for one deploy. */
export interface ProvisionedStorage {
  /** The managed storage bindings, in E.1 upload order (kv, r2, d1, hyperdrive, Durable Objects). */
  readonly bindings: ReadonlyArray<RuntimeBinding>;
  /** The record's `bindings` entries for storage (vars and secrets are added by the caller). */
  readonly record: Omit<typeof DeploymentBindings.Type, "vars" | "secrets">;
  readonly databases: ReadonlyArray<ProvisionedDatabase>;
  /** Distinct stateful-object class names, sorted (B.8). */
  readonly durableObjectClasses: ReadonlyArray<string>;
}

/** Texts of storage failures a user can act on. */
export const storageMessages = {
  migrationFailed: (binding: string, file: string, error: string) =>
    `D1 migration ${file} for ${binding} failed: ${error}`,
  provisionFailed: (kind: string, binding: string, detail: string) =>
    `Could not provision ${kind} storage for ${binding}: ${detail}`,
} as const;

const provisionFailure =
  (kind: string, binding: string) =>
  (error: ProvisionError): Internal | ServiceUnavailable => {
    const message = storageMessages.provisionFailed(kind, binding, error.description ?? error.reason);
    return error.reason === "Unavailable" ? new ServiceUnavailable({ message }) : new Internal({ message });
  };

/** Creates or reuses every declared KV namespace, bucket and database; binds hyperdrive and stateful objects. */
export const provisionStorage = (manifest: Manifest, app: AppRef) =>
  Effect.gen(function* () {
    const provisioner = yield* Provisioner;
    const scope = { environment: app.environment, owner: app.orgSlug, repo: app.repoSlug };
    const ensure = (kind: "kv" | "r2" | "d1", binding: string, explicitName: string | undefined) =>
      provisioner
        .ensureResource({
          app,
          kind,
          binding,
          name: explicitName ?? managedResourceName({ ...scope, kind, binding }),
        })
        .pipe(Effect.mapError(provisionFailure(kind, binding)));

    const { bindings: declared } = manifest;
    const kv = yield* Effect.forEach(declared.kv, (entry) =>
      Effect.map(ensure("kv", entry.binding, entry.name), (resource) => ({ entry, resource })),
    );
    const fs = yield* Effect.forEach(declared.fs, (entry) =>
      Effect.map(ensure("r2", entry.binding, entry.bucket), (resource) => ({ entry, resource })),
    );
    const db = yield* Effect.forEach(declared.db, (entry) =>
      Effect.map(ensure("d1", entry.binding, entry.name), (resource) => ({ entry, resource })),
    );

    const bindings: RuntimeBinding[] = [
      ...kv.map(({ entry, resource }) => ({
        type: "kv_namespace" as const,
        name: entry.binding,
        namespaceId: resource.id,
      })),
      ...fs.map(({ entry, resource }) => ({
        type: "r2_bucket" as const,
        name: entry.binding,
        bucketName: resource.id,
      })),
      ...db.map(({ entry, resource }) => ({
        type: "d1" as const,
        name: entry.binding,
        databaseId: resource.id,
      })),
      ...declared.hyperdrive.map((entry) => ({
        type: "hyperdrive" as const,
        name: entry.binding,
        id: entry.id,
      })),
      ...declared.durableObjects.map((entry) => ({
        type: "durable_object_namespace" as const,
        name: entry.binding,
        className: entry.className,
      })),
    ];

    const record: ProvisionedStorage["record"] = {
      ...(kv.length > 0
        ? {
            kv: kv.map(({ entry, resource }) => ({
              binding: entry.binding,
              name: resource.name,
              namespaceId: resource.id,
            })),
          }
        : {}),
      ...(fs.length > 0
        ? { r2: fs.map(({ entry, resource }) => ({ binding: entry.binding, bucketName: resource.name })) }
        : {}),
      ...(db.length > 0
        ? {
            d1: db.map(({ entry, resource }) => ({
              binding: entry.binding,
              name: resource.name,
              databaseId: resource.id,
            })),
          }
        : {}),
      ...(declared.durableObjects.length > 0
        ? {
            durableObjects: declared.durableObjects.map(({ binding, className }) => ({ binding, className })),
          }
        : {}),
      ...(declared.hyperdrive.length > 0
        ? { hyperdrive: declared.hyperdrive.map(({ binding, id }) => ({ binding, id })) }
        : {}),
    };

    return {
      bindings,
      record,
      databases: db.map(({ entry, resource }) => ({
        binding: entry.binding,
        databaseId: resource.id,
        migrations: entry.migrations,
      })),
      durableObjectClasses: [...new Set(declared.durableObjects.map((entry) => entry.className))].sort(),
    } satisfies ProvisionedStorage;
  });

const decoder = new TextDecoder();

/**
 * C: the `.sql` files (any letter case) under a database's migrations folder, sorted by full archive path,
 * blank ones left out (they are neither run nor recorded).
 */
export const migrationFiles = (
  files: ReadonlyMap<string, Uint8Array>,
  directory: DbBinding["migrations"],
): SqlMigration[] => {
  if (directory === undefined) return [];
  const prefix = `${directory}/`;
  return [...files.keys()]
    .filter((path) => path.startsWith(prefix) && path.toLowerCase().endsWith(".sql"))
    .sort()
    .map((path) => ({ name: path, sql: decoder.decode(files.get(path)) }))
    .filter((migration) => migration.sql.trim() !== "");
};

/**
 * Applies each database's new migrations; a failing file fails the deploy with a 400 naming the file and
 * the SQL error, and that database is left as it was. Answers how many files each database applied.
 */
export const applyMigrations = (
  databases: ReadonlyArray<ProvisionedDatabase>,
  files: ReadonlyMap<string, Uint8Array>,
) =>
  Effect.gen(function* () {
    const provisioner = yield* Provisioner;
    const applied = new Map<string, number>();
    for (const database of databases) {
      const migrations = migrationFiles(files, database.migrations);
      if (migrations.length === 0) continue;
      const names = yield* provisioner.applyMigrations(database.databaseId, migrations).pipe(
        Effect.mapError((error) =>
          error.reason === "MigrationFailed"
            ? new BadRequest({
                message: storageMessages.migrationFailed(
                  database.binding,
                  error.migration ?? "(unknown file)",
                  error.description ?? "the statement failed",
                ),
                details: { binding: database.binding, migration: error.migration ?? null },
              })
            : provisionFailure("d1", database.binding)(error),
        ),
      );
      applied.set(database.binding, names.length);
    }
    return applied;
  });
