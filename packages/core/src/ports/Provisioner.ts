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

/** One migration file: `name` is its full archive path, the key it is recorded under. */
export interface SqlMigration {
  readonly name: string;
  readonly sql: string;
}

/** Resources are created once per (environment, owner, repo, kind, binding) and remembered. */
export class Provisioner extends Context.Service<
  Provisioner,
  {
    /** Returns the remembered resource, or creates and remembers it (queues also get the platform as consumer). */
    readonly ensureResource: (request: ResourceRequest) => Effect.Effect<ManagedResource, ProvisionError>;
    /** Names of the migrations already recorded in a database's `_w7s_migrations` table. */
    readonly appliedMigrations: (databaseId: string) => Effect.Effect<ReadonlyArray<string>, ProvisionError>;
    /** Runs one migration and records it, both or neither; `MigrationFailed` when a statement fails. */
    readonly applyMigration: (
      databaseId: string,
      migration: SqlMigration,
    ) => Effect.Effect<void, ProvisionError>;
  }
>()("@w7s/core/Provisioner") {}
