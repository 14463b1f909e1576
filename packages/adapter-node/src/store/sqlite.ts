/**
 * The embedded database: one SQLite file under the data directory, opened with Node's built-in
 * `node:sqlite`. Statements are built by drizzle-orm from the typed schema and executed synchronously,
 * so a multi-statement change runs as one uninterrupted `BEGIN IMMEDIATE` transaction.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { drizzle } from "drizzle-orm/sqlite-proxy";
import { SCHEMA_STATEMENTS } from "./schema.js";

/** A statement drizzle built. */
export interface BuiltQuery {
  toSQL(): { sql: string; params: unknown[] };
}

/** A synchronous handle on the embedded database. */
export interface EmbeddedDatabase {
  /** drizzle, used only to build statements (`.toSQL()`); execution goes through `all` and `run`. */
  readonly builder: ReturnType<typeof drizzle>;
  readonly all: <Row>(query: BuiltQuery) => Row[];
  /** Runs SQL text built once (hot paths); statements are prepared once per distinct text. */
  readonly query: <Row>(sql: string, params: readonly SQLInputValue[]) => Row[];
  readonly run: (query: BuiltQuery) => void;
  /** Runs SQL text without parameters (DDL of the tables a Layer owns, applied at its start). */
  readonly exec: (sql: string) => void;
  /** Runs `body` inside `BEGIN IMMEDIATE` … `COMMIT`, rolling back when it throws. */
  readonly transaction: <A>(body: () => A) => A;
  readonly close: () => void;
}

/**
 * `insert into <table> (<columns>) values (?, …)` plus `suffix`: the text of a statement a hot path prepares
 * once (through `query`) and runs per row, instead of building a multi-row insert for every batch.
 */
export const rowInsertText = (table: string, columns: ReadonlyArray<string>, suffix = ""): string =>
  `insert into ${table} (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})${suffix === "" ? "" : ` ${suffix}`}`;

const openDatabases = new Map<string, { database: EmbeddedDatabase; users: number }>();

const open = (file: string): EmbeddedDatabase => {
  const sqlite = new DatabaseSync(file);
  sqlite.exec("pragma journal_mode = wal; pragma busy_timeout = 5000; pragma synchronous = normal;");
  for (const statement of SCHEMA_STATEMENTS) sqlite.exec(statement);
  const builder = drizzle(async () => ({ rows: [] }));
  const statements = new Map<string, ReturnType<DatabaseSync["prepare"]>>();
  const statementFor = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = sqlite.prepare(sql);
      if (statements.size < 500) statements.set(sql, statement);
    }
    return statement;
  };
  const prepared = (query: BuiltQuery) => {
    const { sql, params } = query.toSQL();
    return { statement: statementFor(sql), params: params as SQLInputValue[] };
  };
  return {
    builder,
    all: <Row>(query: BuiltQuery) => {
      const { statement, params } = prepared(query);
      return statement.all(...params) as Row[];
    },
    query: <Row>(sql: string, params: readonly SQLInputValue[]) => statementFor(sql).all(...params) as Row[],
    run: (query) => {
      const { statement, params } = prepared(query);
      statement.run(...params);
    },
    exec: (sql) => sqlite.exec(sql),
    transaction: (body) => {
      sqlite.exec("begin immediate");
      try {
        const result = body();
        sqlite.exec("commit");
        return result;
      } catch (error) {
        sqlite.exec("rollback");
        throw error;
      }
    },
    close: () => sqlite.close(),
  };
};

/**
 * Opens (or shares) `<dataDir>/w7s.db`; several Layers of one process use one connection, closed when the
 * last of them releases it.
 */
export const acquireEmbeddedDatabase = (
  dataDir: string,
): { database: EmbeddedDatabase; release: () => void } => {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "w7s.db");
  let entry = openDatabases.get(file);
  if (entry === undefined) {
    entry = { database: open(file), users: 0 };
    openDatabases.set(file, entry);
  }
  entry.users += 1;
  const shared = entry;
  let released = false;
  return {
    database: shared.database,
    release: () => {
      if (released) return;
      released = true;
      shared.users -= 1;
      if (shared.users === 0) {
        openDatabases.delete(file);
        shared.database.close();
      }
    },
  };
};
