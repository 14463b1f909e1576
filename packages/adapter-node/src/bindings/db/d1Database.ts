/**
 * One SQL database served the way D1 serves it, on its SQLite file: a call (one statement, a batch or an
 * exec) runs in one transaction and answers D1's JSON, with D1's refusals, limits and error texts. It runs
 * inside a SQL process (see sqlExecutorProcess.ts), never on the server's main thread, so it may block.
 */
import { Buffer } from "node:buffer";
import { constants, type DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { openSqliteFile } from "../sqliteFiles.js";
import { type SqlStatement, splitSql } from "./sqlText.js";

/** What one statement did, for usage (F.1): a statement that changed the database is a write. */
export interface StatementUsage {
  readonly write: boolean;
  readonly rowsRead: number;
  readonly rowsWritten: number;
}

export interface D1Answer {
  /** The JSON the binding reads: an array with one result per query, or `{success: false, error}`. */
  readonly body: string;
  /** One entry per statement run; empty when the call failed (it was rolled back). */
  readonly usage: ReadonlyArray<StatementUsage>;
  /** Set when the call failed: whether the statement that failed would have written. */
  readonly failedWrite?: boolean;
}

export interface D1Database {
  /** Runs the queries of a `/query` or `/execute` body; rows come as `{columns, rows}` or as objects. */
  readonly call: (body: string, rowsAndColumns: boolean) => D1Answer;
  /** The whole database file, as `dump()` answers it. */
  readonly dump: () => Uint8Array;
  readonly close: () => void;
}

/** Texts of D1's own refusals (the binding prefixes them with `D1_ERROR: `). */
export const d1Messages = {
  noStatements: "No SQL statements detected.",
  wrongParameterCount: "Wrong number of parameter bindings for SQL query.",
  parametersBeforeLast:
    "When executing multiple SQL statements in a single call, only the last statement can have parameters.",
  transaction:
    "To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements. The JavaScript API is safer because it will automatically roll back on exceptions, and because it interacts correctly with Durable Objects' automatic atomic write coalescing.",
  badBody: "The request body must be JSON: a query {sql, params} or an array of them.",
  unsupportedValue: (value: unknown) => `Type '${typeof value}' not supported for value '${String(value)}'`,
  resultTooLarge: (limit: number) =>
    `Query result exceeds ${limit / 1024 / 1024} MiB; select fewer rows or columns: SQLITE_TOOBIG`,
  dumpTooLarge: (size: number) =>
    `The database has ${size} bytes; dump() answers databases up to ${MAX_DUMP_BYTES / 1024 / 1024} MiB.`,
} as const;

/** The limits a Durable Object's SQLite runs with, which D1 inherits (lengths in bytes). */
export const D1_SQLITE_LIMITS = {
  length: 2_200_000,
  sqlLength: 100_000,
  column: 100,
  exprDepth: 100,
  compoundSelect: 5,
  vdbeOp: 25_000,
  functionArg: 127,
  attach: 0,
  likePatternLength: 50,
  variableNumber: 100,
  triggerDepth: 10,
} as const;

/** The rows a call may answer, as JSON text (a blob's bytes take about 4 characters each). */
export const MAX_RESULT_BYTES = 64 * 1024 * 1024;

/** `dump()` copies the whole file through memory, so it is refused for larger databases. */
export const MAX_DUMP_BYTES = 256 * 1024 * 1024;

/** A refusal of ours; its message is the whole error text. */
class D1Refusal extends Error {}

const SQLITE_CODE_NAMES = [
  "OK",
  "ERROR",
  "INTERNAL",
  "PERM",
  "ABORT",
  "BUSY",
  "LOCKED",
  "NOMEM",
  "READONLY",
  "INTERRUPT",
  "IOERR",
  "CORRUPT",
  "NOTFOUND",
  "FULL",
  "CANTOPEN",
  "PROTOCOL",
  "EMPTY",
  "SCHEMA",
  "TOOBIG",
  "CONSTRAINT",
  "MISMATCH",
  "MISUSE",
  "NOLFS",
  "AUTH",
  "FORMAT",
  "RANGE",
  "NOTADB",
  "NOTICE",
  "WARNING",
];

/** SQLite's message followed by its primary result code, as D1 words SQLite errors. */
const sqliteMessage = (error: unknown): string => {
  const failure = error as { code?: unknown; errcode?: unknown; message?: unknown };
  if (failure?.code === "ERR_SQLITE_ERROR" && typeof failure.errcode === "number") {
    return `${String(failure.message)}: SQLITE_${SQLITE_CODE_NAMES[failure.errcode & 0xff] ?? "ERROR"}`;
  }
  return error instanceof Error ? error.message : String(error);
};

// Authorizer action codes, grouped by what they do.
const WRITE_ACTIONS: ReadonlySet<number> = new Set([
  constants.SQLITE_INSERT,
  constants.SQLITE_UPDATE,
  constants.SQLITE_DELETE,
]);
const SCHEMA_ACTIONS: ReadonlySet<number> = new Set([
  constants.SQLITE_CREATE_INDEX,
  constants.SQLITE_CREATE_TABLE,
  constants.SQLITE_CREATE_TRIGGER,
  constants.SQLITE_CREATE_VIEW,
  constants.SQLITE_DROP_INDEX,
  constants.SQLITE_DROP_TABLE,
  constants.SQLITE_DROP_TRIGGER,
  constants.SQLITE_DROP_VIEW,
  constants.SQLITE_ALTER_TABLE,
  constants.SQLITE_REINDEX,
  constants.SQLITE_ANALYZE,
  constants.SQLITE_CREATE_VTABLE,
  constants.SQLITE_DROP_VTABLE,
]);
const TEMP_ACTIONS: ReadonlySet<number> = new Set([
  constants.SQLITE_CREATE_TEMP_INDEX,
  constants.SQLITE_CREATE_TEMP_TABLE,
  constants.SQLITE_CREATE_TEMP_TRIGGER,
  constants.SQLITE_CREATE_TEMP_VIEW,
  constants.SQLITE_DROP_TEMP_INDEX,
  constants.SQLITE_DROP_TEMP_TABLE,
  constants.SQLITE_DROP_TEMP_TRIGGER,
  constants.SQLITE_DROP_TEMP_VIEW,
]);
/** Actions whose second argument is an object name too (index or trigger, then its table). */
const TWO_NAME_ACTIONS: ReadonlySet<number> = new Set([
  constants.SQLITE_CREATE_INDEX,
  constants.SQLITE_DROP_INDEX,
  constants.SQLITE_CREATE_TRIGGER,
  constants.SQLITE_DROP_TRIGGER,
]);

/** Pragmas a Durable Object allows (every other one is refused), by the argument each takes. */
const SETTING_PRAGMAS: ReadonlySet<string> = new Set([
  "case_sensitive_like",
  "foreign_keys",
  "defer_foreign_keys",
  "ignore_check_constraints",
  "legacy_alter_table",
  "recursive_triggers",
  "reverse_unordered_selects",
]);
const NAMED_PRAGMAS: ReadonlySet<string> = new Set([
  "foreign_key_list",
  "index_info",
  "index_list",
  "index_xinfo",
  "table_info",
  "table_xinfo",
]);
const BOOLEAN = /^(["']?)(true|false|yes|no|on|off|1|0)\1$/i;
const NUMBER = /^-?\d+$/;
/** Restores what a setting pragma may have changed, so a setting lasts one call whichever process runs the next. */
const RESET_SETTINGS =
  "pragma foreign_keys = on; pragma defer_foreign_keys = off; pragma case_sensitive_like = off; pragma ignore_check_constraints = off; pragma legacy_alter_table = off; pragma recursive_triggers = off; pragma reverse_unordered_selects = off;";

/** Virtual table modules D1 supports. */
const VIRTUAL_TABLE_MODULES: ReadonlySet<string> = new Set(["fts5", "fts5vocab"]);
/** Functions that reach outside the database (a file, or memory through a pointer). */
const REFUSED_FUNCTIONS: ReadonlySet<string> = new Set(["load_extension", "fts3_tokenizer"]);

/** Names D1 keeps for itself. */
const isReserved = (name: string | null): boolean => name?.toLowerCase().startsWith("_cf_") ?? false;

/** What SQLite's authorizer reported while preparing a statement. */
interface Classification {
  writes: boolean;
  schema: boolean;
  settings: boolean;
}

interface Prepared extends Classification {
  readonly statement: StatementSync;
}

interface Query {
  readonly statements: ReadonlyArray<SqlStatement>;
  /** The arguments of the last statement, as node:sqlite takes them. */
  readonly args: ReadonlyArray<unknown>;
}

interface Meta {
  duration: number;
  changes: number;
  lastRowId: number;
  changed: boolean;
  sizeAfter: number;
  rowsRead: number;
  rowsWritten: number;
}

const isByte = (value: unknown): boolean =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 && value < 256;

/** A JSON parameter as SQLite takes it: whole numbers as integers (as SQL literals would be), bytes as a blob. */
const toSqlite = (value: unknown): SQLInputValue => {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (Array.isArray(value) && value.every(isByte)) return Uint8Array.from(value as number[]);
  throw new D1Refusal(d1Messages.unsupportedValue(value));
};

/** `[1,2,255]` for a blob, written digit by digit (about ten times faster than `Uint8Array.join`). */
const blobJson = (bytes: Uint8Array): string => {
  const out = Buffer.allocUnsafe(bytes.length * 4 + 2);
  let at = 0;
  out[at++] = 0x5b;
  for (let index = 0; index < bytes.length; index += 1) {
    if (index > 0) out[at++] = 0x2c;
    let byte = bytes[index]!;
    if (byte >= 100) {
      out[at++] = 48 + ((byte / 100) | 0);
      byte %= 100;
      out[at++] = 48 + ((byte / 10) | 0);
    } else if (byte >= 10) {
      out[at++] = 48 + ((byte / 10) | 0);
    }
    out[at++] = 48 + (byte % 10);
  }
  out[at++] = 0x5d;
  return out.toString("latin1", 0, at);
};

/**
 * A cell as JSON text: integers as numbers (the nearest one beyond 2^53), blobs as arrays of bytes. Rows are
 * written as text at once, so a blob never becomes an array of JavaScript numbers (8 bytes per byte).
 */
const cellJson = (cell: unknown): string => {
  switch (typeof cell) {
    case "string":
      return JSON.stringify(cell);
    case "bigint":
      return String(Number(cell));
    case "number":
      return Number.isFinite(cell) ? String(cell) : "null";
    default:
      return cell instanceof Uint8Array ? blobJson(cell) : "null";
  }
};

/** One row as a JSON array, or as an object keyed by column (a repeated name keeps its last value). */
const rowJson = (row: ReadonlyArray<unknown>, keys: ReadonlyArray<string> | undefined): string => {
  const cells = row.map(cellJson);
  if (keys === undefined) return `[${cells.join(",")}]`;
  return `{${cells.map((cell, index) => `${keys[index]}:${cell}`).join(",")}}`;
};

/** node:sqlite binds named parameters from one object and the others by position, in index order. */
const argumentsFor = (statement: SqlStatement, values: ReadonlyArray<SQLInputValue>): unknown[] => {
  if (statement.parameterNames.size === 0) return [...values];
  const named: Record<string, SQLInputValue> = {};
  const positional: SQLInputValue[] = [];
  values.forEach((value, index) => {
    const name = statement.parameterNames.get(index + 1);
    if (name === undefined) positional.push(value);
    else named[name] = value;
  });
  return [named, ...positional];
};

/** The queries of a body, checked before anything runs. */
const planOf = (body: string): Query[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new D1Refusal(d1Messages.badBody);
  }
  const queries = Array.isArray(parsed) ? parsed : [parsed];
  const plan: Query[] = [];
  for (const query of queries) {
    const fields = query as { sql?: unknown; params?: unknown } | null;
    if (typeof fields !== "object" || fields === null || typeof fields.sql !== "string")
      throw new D1Refusal(d1Messages.badBody);
    const params = fields.params ?? [];
    if (!Array.isArray(params)) throw new D1Refusal(d1Messages.badBody);
    const statements = splitSql(fields.sql);
    const last = statements.at(-1);
    if (last === undefined) continue;
    if (statements.slice(0, -1).some((statement) => statement.parameterCount > 0))
      throw new D1Refusal(d1Messages.parametersBeforeLast);
    if (last.parameterCount !== params.length) throw new D1Refusal(d1Messages.wrongParameterCount);
    plan.push({ statements, args: argumentsFor(last, params.map(toSqlite)) });
  }
  if (plan.length === 0) throw new D1Refusal(d1Messages.noStatements);
  return plan;
};

const STATEMENT_CACHE = 128;

export const openD1Database = (file: string): D1Database => {
  const sqlite: DatabaseSync = openSqliteFile(file);
  for (const [name, value] of Object.entries(D1_SQLITE_LIMITS))
    (sqlite.limits as unknown as Record<string, number>)[name] = value;
  sqlite.enableDefensive(true);

  // The server's own statements are trusted; everything an app sends goes through the authorizer.
  let trusted = true;
  let classifying: Classification | undefined;
  let refusedTransaction = false;
  const internal = <A>(body: () => A): A => {
    trusted = true;
    try {
      return body();
    } finally {
      trusted = false;
    }
  };

  const counters = sqlite.prepare("select total_changes(), last_insert_rowid()");
  const pageCount = sqlite.prepare("pragma page_count");
  const schemaVersion = sqlite.prepare("pragma schema_version");
  for (const statement of [counters, pageCount, schemaVersion]) {
    statement.setReturnArrays(true);
    statement.setReadBigInts(false);
  }
  const pageSize = Number((sqlite.prepare("pragma page_size").get() as { page_size: number }).page_size);
  const sizeNow = () => internal(() => Number((pageCount.get() as unknown as [number])[0]) * pageSize);
  const schemaNow = () => internal(() => (schemaVersion.get() as unknown as [number])[0]);
  const countersNow = () => internal(() => counters.get() as unknown as [number, number]);

  sqlite.setAuthorizer((action, first, second, database) => {
    if (trusted) return constants.SQLITE_OK;
    if (classifying !== undefined) {
      if (WRITE_ACTIONS.has(action)) classifying.writes = true;
      if (SCHEMA_ACTIONS.has(action)) {
        classifying.writes = true;
        classifying.schema = true;
      }
    }
    const deny = constants.SQLITE_DENY;
    // Only the database itself: no attached files, and the temporary one only to read its schema.
    if (
      database !== null &&
      database !== "main" &&
      !(database === "temp" && action === constants.SQLITE_READ)
    )
      return deny;
    switch (action) {
      case constants.SQLITE_TRANSACTION:
      case constants.SQLITE_SAVEPOINT:
        refusedTransaction = true;
        return deny;
      case constants.SQLITE_ATTACH:
      case constants.SQLITE_DETACH:
      case constants.SQLITE_COPY:
        return deny;
      case constants.SQLITE_FUNCTION:
        return REFUSED_FUNCTIONS.has(second?.toLowerCase() ?? "") ? deny : constants.SQLITE_OK;
      case constants.SQLITE_CREATE_VTABLE:
      case constants.SQLITE_DROP_VTABLE:
        return VIRTUAL_TABLE_MODULES.has(second?.toLowerCase() ?? "") && !isReserved(first)
          ? constants.SQLITE_OK
          : deny;
      case constants.SQLITE_ALTER_TABLE:
        return isReserved(second) ? deny : constants.SQLITE_OK;
      case constants.SQLITE_PRAGMA: {
        const pragma = first?.toLowerCase() ?? "";
        if (SETTING_PRAGMAS.has(pragma)) {
          if (second === null) return constants.SQLITE_OK;
          if (!BOOLEAN.test(second)) return deny;
          if (classifying !== undefined) classifying.settings = true;
          return constants.SQLITE_OK;
        }
        if (NAMED_PRAGMAS.has(pragma))
          return second !== null && !isReserved(second) ? constants.SQLITE_OK : deny;
        if (pragma === "table_list") return constants.SQLITE_OK;
        if (pragma === "data_version") return second === null ? constants.SQLITE_OK : deny;
        if (pragma === "foreign_key_check") return isReserved(second) ? deny : constants.SQLITE_OK;
        if (pragma === "quick_check") return isReserved(second) ? deny : constants.SQLITE_OK;
        if (pragma === "optimize") return second === null || NUMBER.test(second) ? constants.SQLITE_OK : deny;
        return deny;
      }
      default:
        if (TEMP_ACTIONS.has(action)) return deny;
        if (isReserved(first) || (TWO_NAME_ACTIONS.has(action) && isReserved(second))) return deny;
        return constants.SQLITE_OK;
    }
  });
  trusted = false;

  const cache = new Map<string, Prepared>();
  let lastClassification: Classification = { writes: false, schema: false, settings: false };
  let settingsChanged = false;

  const preparedFor = (text: string): Prepared => {
    const cached = cache.get(text);
    if (cached !== undefined) {
      cache.delete(text);
      cache.set(text, cached);
      lastClassification = cached;
      return cached;
    }
    const classification: Classification = { writes: false, schema: false, settings: false };
    lastClassification = classification;
    classifying = classification;
    let statement: StatementSync;
    try {
      statement = sqlite.prepare(text);
    } finally {
      classifying = undefined;
    }
    statement.setReturnArrays(true);
    statement.setReadBigInts(true);
    const prepared: Prepared = { statement, ...classification };
    cache.set(text, prepared);
    if (cache.size > STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
    return prepared;
  };

  let resultBytes = 0;

  /** Runs one statement; its rows are rendered only when they are answered (`render`). */
  const runStatement = (
    text: string,
    args: ReadonlyArray<unknown>,
    render: "rows" | "objects" | undefined,
  ) => {
    const prepared = preparedFor(text);
    if (prepared.settings) settingsChanged = true;
    const [changesBefore] = countersNow();
    const schemaBefore = prepared.schema ? schemaNow() : 0;
    const sizeBefore = prepared.schema ? sizeNow() : 0;
    const started = performance.now();
    const columns = prepared.statement.columns().map((column) => column.name);
    const rows: string[] = [];
    let rowCount = 0;
    if (columns.length === 0) {
      prepared.statement.run(...(args as SQLInputValue[]));
    } else {
      const keys = render === "objects" ? columns.map((column) => JSON.stringify(column)) : undefined;
      for (const row of prepared.statement.iterate(...(args as SQLInputValue[])) as Iterable<unknown[]>) {
        rowCount += 1;
        if (render === undefined) continue;
        const json = rowJson(row, keys);
        resultBytes += json.length + 1;
        if (resultBytes > MAX_RESULT_BYTES) throw new D1Refusal(d1Messages.resultTooLarge(MAX_RESULT_BYTES));
        rows.push(json);
      }
    }
    const duration = performance.now() - started;
    const [changesAfter, lastRowId] = countersNow();
    const changes = changesAfter - changesBefore;
    const sizeAfter = sizeNow();
    const changed =
      changes > 0 || (prepared.schema && (schemaNow() !== schemaBefore || sizeAfter !== sizeBefore));
    const meta: Meta = {
      duration,
      changes,
      lastRowId: changes > 0 ? lastRowId : 0,
      changed,
      sizeAfter,
      // node:sqlite has no per-statement row counters: a statement reads at least the rows it returns
      // and the rows it changes, and writes the rows it changes (triggers and cascades included).
      rowsRead: Math.max(rowCount, changes),
      rowsWritten: changes,
    };
    return { columns, rows, meta };
  };

  const runQuery = (query: Query, rowsAndColumns: boolean, usage: StatementUsage[]) => {
    const total: Meta = {
      duration: 0,
      changes: 0,
      lastRowId: 0,
      changed: false,
      sizeAfter: 0,
      rowsRead: 0,
      rowsWritten: 0,
    };
    let columns: string[] = [];
    let rows: string[] = [];
    query.statements.forEach((statement, index) => {
      const last = index === query.statements.length - 1;
      const result = runStatement(
        statement.text,
        last ? query.args : [],
        last ? (rowsAndColumns ? "rows" : "objects") : undefined,
      );
      const { meta } = result;
      usage.push({ write: meta.changed, rowsRead: meta.rowsRead, rowsWritten: meta.rowsWritten });
      total.duration += meta.duration;
      total.changes += meta.changes;
      if (meta.lastRowId !== 0) total.lastRowId = meta.lastRowId;
      total.changed ||= meta.changed;
      total.sizeAfter = meta.sizeAfter;
      total.rowsRead += meta.rowsRead;
      total.rowsWritten += meta.rowsWritten;
      if (last) ({ columns, rows } = result);
    });
    const rowsJson = `[${rows.join(",")}]`;
    const results = rowsAndColumns ? `{"columns":${JSON.stringify(columns)},"rows":${rowsJson}}` : rowsJson;
    const meta = JSON.stringify({
      served_by: "w7s-node",
      served_by_primary: true,
      timings: { sql_duration_ms: total.duration },
      duration: total.duration,
      changes: total.changes,
      last_row_id: total.lastRowId,
      changed_db: total.changed,
      size_after: total.sizeAfter,
      rows_read: total.rowsRead,
      rows_written: total.rowsWritten,
      total_attempts: 1,
    });
    return `{"success":true,"results":${results},"meta":${meta}}`;
  };

  const call = (body: string, rowsAndColumns: boolean): D1Answer => {
    const usage: StatementUsage[] = [];
    resultBytes = 0;
    try {
      const plan = planOf(body);
      // A call of one statement is atomic by itself; several run in one transaction, all or nothing.
      const several = plan.length > 1 || plan[0]!.statements.length > 1;
      if (several) internal(() => sqlite.exec("begin immediate"));
      try {
        const results = plan.map((query) => runQuery(query, rowsAndColumns, usage));
        if (several) internal(() => sqlite.exec("commit"));
        return { body: `[${results.join(",")}]`, usage };
      } catch (error) {
        if (sqlite.isTransaction) internal(() => sqlite.exec("rollback"));
        throw error;
      }
    } catch (error) {
      const message = refusedTransaction ? d1Messages.transaction : sqliteMessage(error);
      return {
        body: JSON.stringify({ success: false, error: message }),
        usage: [],
        failedWrite: lastClassification.writes,
      };
    } finally {
      refusedTransaction = false;
      lastClassification = { writes: false, schema: false, settings: false };
      if (settingsChanged) {
        settingsChanged = false;
        internal(() => sqlite.exec(RESET_SETTINGS));
      }
    }
  };

  return {
    call,
    dump: () => {
      const size = sizeNow();
      if (size > MAX_DUMP_BYTES) throw new D1Refusal(d1Messages.dumpTooLarge(size));
      return internal(() => sqlite.serialize());
    },
    close: () => {
      if (sqlite.isOpen) sqlite.close();
    },
  };
};
