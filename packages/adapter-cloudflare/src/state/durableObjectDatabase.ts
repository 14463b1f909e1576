/**
 * A Durable Object's SQLite as the `EmbeddedDatabase` the shared control-plane stores run on: the same
 * statements as on `node:sqlite`, executed synchronously inside the object, with `transactionSync` where
 * the Node store opens `BEGIN IMMEDIATE` (a Durable Object refuses explicit BEGIN/COMMIT).
 */
import type { EmbeddedDatabase } from "@w7s/adapter-node/portable";
import { drizzle } from "drizzle-orm/sqlite-proxy";

type SqlValue = string | number | null | ArrayBuffer;

// node:sqlite takes Uint8Array and bigint, Durable Object SQLite takes ArrayBuffer and numbers.
const toParam = (value: unknown): SqlValue => {
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Uint8Array)
    return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer;
  return value as SqlValue;
};

const fromRow = (row: Record<string, unknown>): Record<string, unknown> => {
  for (const key of Object.keys(row)) {
    const value = row[key];
    if (value instanceof ArrayBuffer) row[key] = new Uint8Array(value);
  }
  return row;
};

/** The object's storage as an `EmbeddedDatabase`; `close` is a no-op (the object owns its storage). */
export const durableObjectDatabase = (storage: DurableObjectStorage): EmbeddedDatabase => {
  const execute = <Row>(sql: string, params: ReadonlyArray<unknown>): Row[] =>
    storage.sql
      .exec(sql, ...params.map(toParam))
      .toArray()
      .map((row) => fromRow(row as Record<string, unknown>) as Row);
  return {
    builder: drizzle(async () => ({ rows: [] })),
    all: (query) => {
      const { sql, params } = query.toSQL();
      return execute(sql, params);
    },
    query: (sql, params) => execute(sql, params),
    run: (query) => {
      const { sql, params } = query.toSQL();
      execute(sql, params);
    },
    exec: (sql) => {
      storage.sql.exec(sql);
    },
    transaction: (body) => storage.transactionSync(body),
    close: () => undefined,
  };
};
