/**
 * SQL migrations of an app database (C, E.1): the new files run in one transaction with their
 * `_w7s_migrations` rows, so a failing file leaves the database exactly as it was.
 */
import type { SqlMigration } from "@w7s/core";
import { openResourceDatabase } from "../bindings/sqliteFiles.js";

export class MigrationFailure extends Error {
  readonly migration: string;
  constructor(migration: string, message: string) {
    super(message);
    this.migration = migration;
  }
}

const MIGRATIONS_TABLE =
  "create table if not exists _w7s_migrations (name text primary key, applied_at text not null)";

/** Applies the migrations `file` has not recorded yet, in order; answers their names. */
export const applySqlMigrations = (
  file: string,
  migrations: ReadonlyArray<SqlMigration>,
  now: () => Date = () => new Date(),
): string[] => {
  const database = openResourceDatabase(file, () => undefined);
  try {
    return database.transaction(() => {
      database.sqlite.exec(MIGRATIONS_TABLE);
      const recorded = new Set(
        (database.sqlite.prepare("select name from _w7s_migrations").all() as Array<{ name: string }>).map(
          (row) => row.name,
        ),
      );
      const applied: string[] = [];
      const record = database.sqlite.prepare("insert into _w7s_migrations (name, applied_at) values (?, ?)");
      for (const migration of migrations) {
        if (recorded.has(migration.name)) continue;
        try {
          database.sqlite.exec(migration.sql);
        } catch (error) {
          throw new MigrationFailure(migration.name, error instanceof Error ? error.message : String(error));
        }
        if (!database.sqlite.isTransaction) {
          throw new MigrationFailure(
            migration.name,
            "the migration ended the transaction it runs in (remove BEGIN/COMMIT statements)",
          );
        }
        record.run(migration.name, now().toISOString());
        applied.push(migration.name);
      }
      return applied;
    });
  } finally {
    database.sqlite.close();
  }
};
