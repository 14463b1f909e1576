/**
 * Open SQLite files of app resources, at most `capacity` at a time (least recently used closed first),
 * each with its statements prepared once. Several servers may open one file: WAL mode and a busy timeout
 * make them wait for each other instead of failing.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";

export interface ResourceDatabase {
  readonly sqlite: DatabaseSync;
  /** The prepared statement for `sql`, prepared on first use. */
  readonly statement: (sql: string) => StatementSync;
  /** Runs `body` in `BEGIN IMMEDIATE` ... `COMMIT`, rolling back when it throws. */
  readonly transaction: <A>(body: () => A) => A;
}

export interface ResourceDatabases {
  /** Opens (or reuses) `file`; `setup` runs once per opening, to create tables. */
  readonly open: (file: string, setup: (sqlite: DatabaseSync) => void) => ResourceDatabase;
  readonly close: () => void;
}

/**
 * Opens (creating it and its folder if needed) one resource file with the settings every opener of it shares:
 * the server's KV and SQL gateways, deploy-time migrations and other servers on the same data directory.
 */
export const openSqliteFile = (file: string): DatabaseSync => {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const sqlite = new DatabaseSync(file);
  sqlite.exec("pragma journal_mode = wal; pragma busy_timeout = 5000; pragma synchronous = normal;");
  return sqlite;
};

export const openResourceDatabase = (
  file: string,
  setup: (sqlite: DatabaseSync) => void,
): ResourceDatabase => {
  const sqlite = openSqliteFile(file);
  setup(sqlite);
  const statements = new Map<string, StatementSync>();
  return {
    sqlite,
    statement: (sql) => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    transaction: (body) => {
      sqlite.exec("begin immediate");
      try {
        const result = body();
        sqlite.exec("commit");
        return result;
      } catch (error) {
        if (sqlite.isTransaction) sqlite.exec("rollback");
        throw error;
      }
    },
  };
};

export const makeResourceDatabases = (capacity = 64): ResourceDatabases => {
  const open = new Map<string, ResourceDatabase>();
  return {
    open: (file, setup) => {
      const cached = open.get(file);
      if (cached !== undefined) {
        open.delete(file);
        open.set(file, cached);
        return cached;
      }
      const database = openResourceDatabase(file, setup);
      open.set(file, database);
      if (open.size > capacity) {
        const [oldestFile, oldest] = open.entries().next().value!;
        open.delete(oldestFile);
        oldest.sqlite.close();
      }
      return database;
    },
    close: () => {
      for (const database of open.values()) database.sqlite.close();
      open.clear();
    },
  };
};
