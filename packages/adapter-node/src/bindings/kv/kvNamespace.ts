/** One KV namespace as a SQLite file: a row per key with its value, expiry and metadata. */
import type { DatabaseSync } from "node:sqlite";
import type { ResourceDatabase } from "../sqliteFiles.js";

export interface KvEntry {
  readonly value: Uint8Array;
  /** Milliseconds since the epoch, or null. */
  readonly expiration: number | null;
  /** The metadata as the JSON text it was written with, or null. */
  readonly metadata: string | null;
}

export interface KvListedKey {
  readonly key: string;
  readonly expiration: number | null;
  readonly metadata: string | null;
}

export const createKvTables = (sqlite: DatabaseSync): void => {
  sqlite.exec(`create table if not exists entries (
    key text primary key, value blob not null, expiration integer, metadata text) without rowid`);
  sqlite.exec(
    "create index if not exists entries_expiration on entries (expiration) where expiration is not null",
  );
};

/** Expired rows are invisible at once and deleted a batch at a time on later writes. */
const SWEEP_BATCH = 100;

export const kvNamespace = (database: ResourceDatabase) => ({
  read: (keys: readonly string[], now: number): Array<KvEntry | null> => {
    const statement = database.statement(
      "select value, expiration, metadata from entries where key = ? and (expiration is null or expiration > ?)",
    );
    return keys.map((key) => {
      const row = statement.get(key, now) as
        | { value: Uint8Array; expiration: number | null; metadata: string | null }
        | undefined;
      return row === undefined ? null : row;
    });
  },
  write: (key: string, entry: KvEntry, now: number): void => {
    database.transaction(() => {
      database
        .statement(
          "insert into entries (key, value, expiration, metadata) values (?, ?, ?, ?) on conflict (key) do update set value = excluded.value, expiration = excluded.expiration, metadata = excluded.metadata",
        )
        .run(key, entry.value, entry.expiration, entry.metadata);
      database
        .statement(
          `delete from entries where key in (select key from entries where expiration is not null and expiration <= ? limit ${SWEEP_BATCH})`,
        )
        .run(now);
    });
  },
  remove: (key: string): void => {
    database.statement("delete from entries where key = ?").run(key);
  },
  /** Keys starting with `prefix`, after `after`, in byte order of their UTF-8 text, at most `limit`. */
  list: (prefix: string, after: string, limit: number, now: number): KvListedKey[] =>
    database
      .statement(
        `select key, expiration, metadata from entries
         where key > ? and key >= ? and substr(key, 1, length(?)) = ? and (expiration is null or expiration > ?)
         order by key limit ?`,
      )
      .all(after, prefix, prefix, prefix, now, limit) as unknown as KvListedKey[],
});
