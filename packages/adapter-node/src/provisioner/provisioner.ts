/**
 * Provisioner on Node: resources are remembered in the control-plane database (SQLite or Postgres) and
 * their data lives in files under the data directory (see `bindings/layout.ts`); a database's migrations
 * run on its SQLite file.
 */
import { randomUUID } from "node:crypto";
import { newManagedResource, ProvisionError, Provisioner } from "@w7s/core";
import { Effect, Layer } from "effect";
import { databaseFile } from "../bindings/layout.js";
import { openPostgresPool } from "../store/postgresPool.js";
import { acquireEmbeddedDatabase } from "../store/sqlite.js";
import { applySqlMigrations, MigrationFailure } from "./migrations.js";
import { embeddedResourceIndex, postgresResourceIndex, type ResourceIndex } from "./resourceIndex.js";

export interface ProvisionerOptions {
  readonly dataDir: string;
  /** Postgres for the resource index; unset, `<dataDir>/w7s.db`. */
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
}

const unavailable = (operation: string) => (cause: unknown) =>
  new ProvisionError({
    reason: "Unavailable",
    operation,
    description: cause instanceof Error ? cause.message : String(cause),
    cause,
  });

export const makeProvisioner = (dataDir: string, index: ResourceIndex): Provisioner["Service"] => ({
  ensureResource: (request) =>
    Effect.tryPromise({
      try: async () => {
        const key = { app: request.app, kind: request.kind, binding: request.binding };
        const existing = await index.find(key);
        if (existing !== undefined) return existing;
        const resource = newManagedResource(
          request,
          randomUUID().replaceAll("-", ""),
          new Date().toISOString(),
        );
        return await index.insert(resource);
      },
      catch: unavailable("Provisioner.ensureResource"),
    }),
  applyMigrations: (databaseId, migrations) =>
    Effect.try({
      try: () => applySqlMigrations(databaseFile(dataDir, databaseId), migrations),
      catch: (cause) =>
        cause instanceof MigrationFailure
          ? new ProvisionError({
              reason: "MigrationFailed",
              operation: "Provisioner.applyMigrations",
              migration: cause.migration,
              description: cause.message,
            })
          : unavailable("Provisioner.applyMigrations")(cause),
    }),
});

/** The Provisioner; its database connection closes with the Layer's scope. */
export const provisionerLayer = (options: ProvisionerOptions): Layer.Layer<Provisioner, ProvisionError> =>
  Layer.effect(
    Provisioner,
    options.databaseUrl !== undefined && options.databaseUrl !== ""
      ? Effect.acquireRelease(
          Effect.tryPromise({
            try: () =>
              openPostgresPool({ databaseUrl: options.databaseUrl!, schema: options.databaseSchema, max: 2 }),
            catch: unavailable("Provisioner.open"),
          }),
          (client) => Effect.promise(() => client.end({ timeout: 5 })),
        ).pipe(Effect.map((client) => makeProvisioner(options.dataDir, postgresResourceIndex(client))))
      : Effect.acquireRelease(
          Effect.try({
            try: () => acquireEmbeddedDatabase(options.dataDir),
            catch: unavailable("Provisioner.open"),
          }),
          (handle) => Effect.sync(handle.release),
        ).pipe(
          Effect.map((handle) => makeProvisioner(options.dataDir, embeddedResourceIndex(handle.database))),
        ),
  );
