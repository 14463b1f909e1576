/** Port: create or reuse an app's storage resources and apply its SQL migrations. */
import { Context, type Effect } from "effect";
import type { ProvisionError } from "./PortErrors.js";
import type { AppRef } from "./records/AppRef.js";
import type { ManagedResource, ManagedResourceKind } from "./records/ManagedResource.js";

/** A resource the manifest declares: `name` is the managed or explicit name (E.1). */
export interface ResourceRequest {
  readonly app: AppRef;
  readonly kind: ManagedResourceKind;
  readonly binding: string;
  readonly name: string;
}

/** The record of a resource just created for `request`, known by `id` in the adapter's storage. */
export const newManagedResource = (request: ResourceRequest, id: string, now: string): ManagedResource => ({
  version: 1,
  kind: request.kind,
  orgSlug: request.app.orgSlug,
  repoSlug: request.app.repoSlug,
  environment: request.app.environment,
  binding: request.binding,
  name: request.name,
  id,
  createdAt: now,
  updatedAt: now,
});

/** One migration file: `name` is its full archive path, the key it is recorded under. */
export interface SqlMigration {
  readonly name: string;
  readonly sql: string;
}

/**
 * Resources are created once per (environment, owner, repo, kind, binding) and remembered; a later deploy
 * gets the same resource whatever `name` it asks for. A resource belongs to its app alone: no name an app
 * declares reaches another app's data.
 */
export class Provisioner extends Context.Service<
  Provisioner,
  {
    /** Returns the remembered resource, or creates and remembers it. */
    readonly ensureResource: (request: ResourceRequest) => Effect.Effect<ManagedResource, ProvisionError>;
    /**
     * Applies, in the given order, the migrations not yet recorded in the database's `_w7s_migrations`
     * table, recording each: all of them or none (`MigrationFailed` names the file and the SQL error and
     * leaves the database as it was). Answers the names it applied.
     */
    readonly applyMigrations: (
      databaseId: string,
      migrations: ReadonlyArray<SqlMigration>,
    ) => Effect.Effect<ReadonlyArray<string>, ProvisionError>;
  }
>()("@w7s/core/Provisioner") {}
