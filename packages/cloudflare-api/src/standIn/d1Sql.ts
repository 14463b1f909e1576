/**
 * The stand-in's D1: one in-memory SQLite (`node:sqlite`) per database id, so that migrations sent through
 * `d1.query` really run and an SQL error comes back the way D1 reports it. A query may hold several
 * statements; they run in one savepoint (all or nothing), each answering one result.
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";

export interface D1StatementResult {
  readonly results: ReadonlyArray<Record<string, unknown>>;
  readonly success: true;
  readonly meta: {
    readonly changed_db: boolean;
    readonly changes: number;
    readonly duration: number;
    readonly last_row_id: number;
    readonly rows_read: number;
    readonly rows_written: number;
    readonly size_after: number;
  };
}

/**
 * Split SQL text into statements at top-level `;`, keeping quoted text, comments and the `BEGIN ... END`
 * body of a `CREATE TRIGGER` intact.
 */
export const splitStatements = (sql: string): string[] => {
  const statements: string[] = [];
  let current = "";
  let depth = 0;
  let index = 0;
  const flush = () => {
    const text = current.trim();
    if (text !== "") statements.push(text);
    current = "";
    depth = 0;
  };
  while (index < sql.length) {
    const char = sql[index]!;
    const next = sql[index + 1];
    if (char === "-" && next === "-") {
      const end = sql.indexOf("\n", index);
      const stop = end === -1 ? sql.length : end;
      current += sql.slice(index, stop);
      index = stop;
      continue;
    }
    if (char === "/" && next === "*") {
      const end = sql.indexOf("*/", index + 2);
      const stop = end === -1 ? sql.length : end + 2;
      current += sql.slice(index, stop);
      index = stop;
      continue;
    }
    if (char === "'" || char === '"' || char === "`" || char === "[") {
      const close = char === "[" ? "]" : char;
      let stop = index + 1;
      while (stop < sql.length) {
        if (sql[stop] === close) {
          if (close !== "]" && sql[stop + 1] === close) stop += 2;
          else break;
        } else stop += 1;
      }
      current += sql.slice(index, stop + 1);
      index = stop + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(char)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(index))![0];
      const upper = word.toUpperCase();
      if (upper === "BEGIN" && /\bTRIGGER\b/i.test(current)) depth += 1;
      else if (upper === "END" && depth > 0) depth -= 1;
      current += word;
      index += word.length;
      continue;
    }
    if (char === ";" && depth === 0) {
      flush();
      index += 1;
      continue;
    }
    current += char;
    index += 1;
  }
  flush();
  return statements;
};

/** The SQLite databases of one stand-in, by D1 database id. */
export class StandInD1 {
  readonly #databases = new Map<string, DatabaseSync>();

  database(id: string): DatabaseSync {
    let database = this.#databases.get(id);
    if (database === undefined) {
      database = new DatabaseSync(":memory:");
      this.#databases.set(id, database);
    }
    return database;
  }

  /** Run `sql`; a failure throws the SQLite error (its message is what D1 reports). */
  query(id: string, sql: string, params: ReadonlyArray<SQLInputValue>): D1StatementResult[] {
    const database = this.database(id);
    const statements = splitStatements(sql);
    if (statements.length > 1 && params.length > 0) {
      throw new Error("A query with parameters must consist of a single statement");
    }
    database.exec("SAVEPOINT d1_query");
    try {
      const answers = statements.map((statement): D1StatementResult => {
        const started = performance.now();
        const rows = database.prepare(statement).all(...params) as Record<string, unknown>[];
        const counters = database
          .prepare("SELECT changes() AS changes, last_insert_rowid() AS last_row_id")
          .get() as { changes: number; last_row_id: number };
        const pages = database.prepare("PRAGMA page_count").get() as { page_count: number };
        const changed = !/^\s*(SELECT|PRAGMA|EXPLAIN|WITH)\b/i.test(statement);
        const writes = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(statement) ? counters.changes : 0;
        return {
          results: rows.map((row) => ({ ...row })),
          success: true,
          meta: {
            changed_db: changed,
            changes: writes,
            duration: performance.now() - started,
            last_row_id: counters.last_row_id,
            rows_read: rows.length,
            rows_written: writes,
            size_after: pages.page_count * 4096,
          },
        };
      });
      database.exec("RELEASE d1_query");
      return answers;
    } catch (error) {
      database.exec("ROLLBACK TO d1_query");
      database.exec("RELEASE d1_query");
      throw error;
    }
  }

  drop(id: string): void {
    this.#databases.get(id)?.close();
    this.#databases.delete(id);
  }

  close(): void {
    for (const database of this.#databases.values()) database.close();
    this.#databases.clear();
  }
}
