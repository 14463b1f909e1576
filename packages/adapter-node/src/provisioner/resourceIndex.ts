/**
 * Where provisioned resources are remembered: one row per (environment, owner, repo, kind, binding) in the
 * control-plane database, on SQLite or Postgres. Rows are only ever inserted; when two deploys create the
 * same resource at once, the first insert wins and both use it.
 */
import { type AppRef, ManagedResource, type ManagedResourceKind } from "@w7s/core";
import { and, eq, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Schema } from "effect";
import type postgres from "postgres";
import { pgManagedResources } from "../store/pgSchema.js";
import { managedResources } from "../store/schema.js";
import type { EmbeddedDatabase } from "../store/sqlite.js";

export interface ResourceKey {
  readonly app: AppRef;
  readonly kind: ManagedResourceKind;
  readonly binding: string;
}

export interface ResourceIndex {
  readonly find: (key: ResourceKey) => Promise<ManagedResource | undefined>;
  /** Inserts `resource` unless its key exists; answers the resource stored under the key either way. */
  readonly insert: (resource: ManagedResource) => Promise<ManagedResource>;
}

const decode = (json: string): ManagedResource => Schema.decodeUnknownSync(ManagedResource)(JSON.parse(json));

const keyOf = (resource: ManagedResource): ResourceKey => ({
  app: { environment: resource.environment, orgSlug: resource.orgSlug, repoSlug: resource.repoSlug },
  kind: resource.kind,
  binding: resource.binding,
});

export const embeddedResourceIndex = (db: EmbeddedDatabase): ResourceIndex => {
  const q = db.builder;
  const where = (key: ResourceKey): SQL =>
    and(
      eq(managedResources.environment, key.app.environment),
      eq(managedResources.org_slug, key.app.orgSlug),
      eq(managedResources.repo_slug, key.app.repoSlug),
      eq(managedResources.kind, key.kind),
      eq(managedResources.binding, key.binding),
    )!;
  const find = (key: ResourceKey) => {
    const rows = db.all<{ resource: string }>(
      q.select({ resource: managedResources.resource }).from(managedResources).where(where(key)),
    );
    return rows[0] === undefined ? undefined : decode(rows[0].resource);
  };
  return {
    find: async (key) => find(key),
    insert: async (resource) => {
      db.run(
        q
          .insert(managedResources)
          .values({
            environment: resource.environment,
            org_slug: resource.orgSlug,
            repo_slug: resource.repoSlug,
            kind: resource.kind,
            binding: resource.binding,
            resource: JSON.stringify(resource),
          })
          .onConflictDoNothing(),
      );
      return find(keyOf(resource)) ?? resource;
    },
  };
};

export const postgresResourceIndex = (client: postgres.Sql): ResourceIndex => {
  const q = drizzle.mock();
  const run = async (query: { toSQL(): { sql: string; params: unknown[] } }) => {
    const { sql, params } = query.toSQL();
    return (await client.unsafe(sql, params as postgres.ParameterOrJSON<never>[])) as unknown as Array<{
      resource: string;
    }>;
  };
  const where = (key: ResourceKey): SQL =>
    and(
      eq(pgManagedResources.environment, key.app.environment),
      eq(pgManagedResources.org_slug, key.app.orgSlug),
      eq(pgManagedResources.repo_slug, key.app.repoSlug),
      eq(pgManagedResources.kind, key.kind),
      eq(pgManagedResources.binding, key.binding),
    )!;
  const find = async (key: ResourceKey) => {
    const rows = await run(
      q.select({ resource: pgManagedResources.resource }).from(pgManagedResources).where(where(key)),
    );
    return rows[0] === undefined ? undefined : decode(rows[0].resource);
  };
  return {
    find,
    insert: async (resource) => {
      await run(
        q
          .insert(pgManagedResources)
          .values({
            environment: resource.environment,
            org_slug: resource.orgSlug,
            repo_slug: resource.repoSlug,
            kind: resource.kind,
            binding: resource.binding,
            resource: JSON.stringify(resource),
          })
          .onConflictDoNothing(),
      );
      return (await find(keyOf(resource))) ?? resource;
    },
  };
};
