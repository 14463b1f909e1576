/**
 * The control-plane database a Layer keeps its own tables in: the embedded SQLite file under the data
 * directory, or Postgres when a URL is configured. The Layer's DDL is applied when it opens (idempotent,
 * under the schema lock on Postgres), and the connection is released with the Layer's scope.
 */
import { StoreError } from "@w7s/core";
import { Effect, type Scope } from "effect";
import type postgres from "postgres";
import { openPostgresPool } from "./postgresPool.js";
import { acquireEmbeddedDatabase, type EmbeddedDatabase } from "./sqlite.js";

/** Where the control plane lives (the same options every store Layer takes). */
export interface ControlPlaneOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly databaseSchema?: string | undefined;
}

/** An open connection of either dialect. */
export type ControlPlaneDatabase =
  | { readonly dialect: "sqlite"; readonly db: EmbeddedDatabase }
  | { readonly dialect: "postgres"; readonly client: postgres.Sql };

/** A statement drizzle built, run on Postgres with its parameters. */
export const runPostgres = async <Row>(
  client: postgres.Sql | postgres.TransactionSql,
  query: { toSQL(): { sql: string; params: unknown[] } },
): Promise<Row[]> => {
  const { sql, params } = query.toSQL();
  return (await client.unsafe(sql, params as postgres.ParameterOrJSON<never>[])) as unknown as Row[];
};

/** Opens the control-plane database with `ddl` applied; fails with `StoreError` `Unavailable` naming `operation`. */
export const openControlPlaneDatabase = (
  options: ControlPlaneOptions,
  ddl: { readonly sqlite: readonly string[]; readonly postgres: readonly string[] },
  operation: string,
  poolSize = 2,
): Effect.Effect<ControlPlaneDatabase, StoreError, Scope.Scope> => {
  const failure = (cause: unknown) =>
    new StoreError({
      reason: "Unavailable",
      operation,
      description: cause instanceof Error ? cause.message : String(cause),
      cause,
    });
  if (options.databaseUrl !== undefined && options.databaseUrl !== "") {
    const url = options.databaseUrl;
    return Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const client = await openPostgresPool({
            databaseUrl: url,
            schema: options.databaseSchema,
            max: poolSize,
          });
          try {
            await client.begin(async (tx) => {
              await tx`select pg_advisory_xact_lock(hashtext('w7s-schema'))`;
              for (const statement of ddl.postgres) await tx.unsafe(statement);
            });
          } catch (error) {
            await client.end({ timeout: 1 });
            throw error;
          }
          return { dialect: "postgres" as const, client };
        },
        catch: failure,
      }),
      (opened) => Effect.promise(() => opened.client.end({ timeout: 5 })),
    );
  }
  return Effect.acquireRelease(
    Effect.try({
      try: () => {
        const handle = acquireEmbeddedDatabase(options.dataDir);
        try {
          handle.database.transaction(() => {
            for (const statement of ddl.sqlite) handle.database.exec(statement);
          });
        } catch (error) {
          handle.release();
          throw error;
        }
        return handle;
      },
      catch: failure,
    }),
    (handle) => Effect.sync(handle.release),
  ).pipe(Effect.map((handle) => ({ dialect: "sqlite" as const, db: handle.database })));
};
