/** Opens a postgres.js pool on our schema, creating the schema and every control-plane table when missing. */
import postgres from "postgres";
import { PG_SCHEMA_STATEMENTS } from "./pgSchema.js";

export interface PostgresPoolOptions {
  readonly databaseUrl: string;
  /** The Postgres schema holding our tables (created when missing); `public` by default. */
  readonly schema?: string | undefined;
  readonly max?: number;
}

export const openPostgresPool = async (options: PostgresPoolOptions): Promise<postgres.Sql> => {
  const schema = options.schema ?? "public";
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const client = postgres(options.databaseUrl, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { search_path: schema, application_name: "w7s" },
  });
  try {
    // Servers (and Layers) starting together must not race on the DDL.
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
};
