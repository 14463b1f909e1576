/**
 * AssetStore on the filesystem, content-addressed: each distinct file is one blob under
 * `<dataDir>/blobs/<2 hex>/<sha256>`, written to a temporary name and renamed, so a crash never exposes a
 * partial blob and identical files of different deployments are stored once. Keys (chosen by the core)
 * only ever appear in the embedded database, never in a path, so no key can address a file outside it.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdir, open, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AssetStore, type ByteRange, NotCached, StaticManifest, StoreError } from "@w7s/core";
import { asc, eq, gt, inArray } from "drizzle-orm";
import { Context, Effect, Layer, Option, Schema } from "effect";
import { assetManifests, assetObjects } from "../store/schema.js";
import { acquireEmbeddedDatabase, type EmbeddedDatabase } from "../store/sqlite.js";
import { CachedAssets } from "./cachedAssets.js";

/** Where blobs and the object index live. */
export interface AssetStoreOptions {
  readonly dataDir: string;
}

const SMALL_BLOB_BYTES = 512 * 1024;
const SYNC_WRITE_BYTES = 256 * 1024;
const SYNC_SLICE_MS = 4;
const SLOW_SYNC_WRITE_MS = 2;
const SLOW_DISK_BACKOFF_MS = 1000;
const BLOB_CACHE_BYTES = 32 * 1024 * 1024;

const failure = (operation: string) => (cause: unknown) =>
  new StoreError({
    reason: "Unavailable",
    operation,
    description: cause instanceof Error ? cause.message : String(cause),
    cause,
  });

/** Where `range` (or the whole object) starts in an object of `size` bytes, and how many bytes it has. */
const rangeIn = (size: number, range: ByteRange | undefined) => {
  const offset = range?.offset ?? 0;
  const length = range?.length ?? size;
  return { offset, wanted: Math.max(0, Math.min(length, size - offset)) };
};

const makeAssets = (
  dataDir: string,
  db: EmbeddedDatabase,
): { store: AssetStore["Service"]; cached: CachedAssets["Service"] } => {
  const q = db.builder;
  const blobRoot = join(dataDir, "blobs");
  const blobPath = (hash: string) => join(blobRoot, hash.slice(0, 2), hash);

  const createdDirectories = new Set<string>();
  const writeBlobSync = (hash: string, body: Uint8Array) => {
    const path = blobPath(hash);
    if (statSync(path, { throwIfNoEntry: false })?.size === body.byteLength) return;
    const directory = join(blobRoot, hash.slice(0, 2));
    if (!createdDirectories.has(directory)) mkdirSync(directory, { recursive: true });
    createdDirectories.add(directory);
    const temporary = `${path}.${randomUUID()}.tmp`;
    writeFileSync(temporary, body);
    renameSync(temporary, path);
  };
  // Small files are written synchronously while this turn of the event loop has spent less than
  // `SYNC_SLICE_MS` on them: on a quiet disk a file takes tens of microseconds that way, against several
  // thread-pool round trips. Past the slice the rest of the turn's files go to the thread pool. A disk busy
  // writing back can take milliseconds to create one file; after a write that slow, files go to the thread
  // pool for `SLOW_DISK_BACKOFF_MS`, so a deploy never stalls other requests for long.
  let sliceEndsAt = 0;
  let sliceOpen = false;
  let syncAgainAt = 0;
  const mayWriteSync = () => {
    const now = performance.now();
    if (now < syncAgainAt) return false;
    if (!sliceOpen) {
      sliceOpen = true;
      sliceEndsAt = now + SYNC_SLICE_MS;
      setImmediate(() => {
        sliceOpen = false;
      });
    }
    return now < sliceEndsAt;
  };
  const writeBlobSyncTimed = (hash: string, body: Uint8Array) => {
    const started = performance.now();
    writeBlobSync(hash, body);
    const finished = performance.now();
    if (finished - started > SLOW_SYNC_WRITE_MS) syncAgainAt = finished + SLOW_DISK_BACKOFF_MS;
  };
  const writeBlob = async (hash: string, body: Uint8Array) => {
    if (body.byteLength <= SYNC_WRITE_BYTES && mayWriteSync()) {
      writeBlobSyncTimed(hash, body);
      return;
    }
    const path = blobPath(hash);
    const existing = await stat(path).catch(() => undefined);
    if (existing?.size === body.byteLength) return;
    const directory = join(blobRoot, hash.slice(0, 2));
    if (!createdDirectories.has(directory)) await mkdir(directory, { recursive: true });
    createdDirectories.add(directory);
    const temporary = `${path}.${randomUUID()}.tmp`;
    await writeFile(temporary, body);
    await rename(temporary, path);
  };

  // Index rows of one deploy arrive many at a time; they are committed together, one transaction per tick.
  // Inside that transaction (which holds the database's write lock, across processes too) each row's blob
  // is checked again and rewritten if a delete removed it since `writeBlob`: deletes remove blobs under
  // the same lock, so a committed row always has its blob.
  const insertSql =
    "insert into asset_objects (key, blob, content_type, etag, size) values (?, ?, ?, ?, ?) " +
    "on conflict (key) do update set blob = excluded.blob, content_type = excluded.content_type, " +
    "etag = excluded.etag, size = excluded.size";
  type ObjectRow = [key: string, blob: string, contentType: string, etag: string, size: number];
  let pending: Array<{ row: ObjectRow; body: Uint8Array; done: (error?: unknown) => void }> = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    try {
      db.transaction(() => {
        for (const { row, body } of batch) {
          writeBlobSync(row[1], body);
          db.query(insertSql, row);
        }
      });
      for (const { row } of batch) objectRows.delete(row[0]);
      for (const { done } of batch) done();
    } catch (error) {
      for (const { done } of batch) done(error);
    }
  };
  const recordObject = (row: ObjectRow, body: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ row, body, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (pending.length === 1) setImmediate(flush);
    });

  // Index rows are read on every static request; they change only through this store, which keeps the
  // cache in step (a key is written once per deployment and dropped when deleted).
  type IndexRow = { blob: string; content_type: string; etag: string; size: number };
  const objectRows = new Map<string, IndexRow>();
  const objectRow = (key: string): IndexRow | undefined => {
    const cached = objectRows.get(key);
    if (cached !== undefined) return cached;
    const row = db.query<IndexRow>(objectSql, [key])[0];
    if (row !== undefined) {
      objectRows.set(key, row);
      if (objectRows.size > 50_000) objectRows.delete(objectRows.keys().next().value!);
    }
    return row;
  };

  const objectSql = q
    .select({
      blob: assetObjects.blob,
      content_type: assetObjects.content_type,
      etag: assetObjects.etag,
      size: assetObjects.size,
    })
    .from(assetObjects)
    .where(eq(assetObjects.key, ""))
    .toSQL().sql;

  // Blobs never change (they are named by their hash), so small ones are kept in memory, oldest out first.
  const blobCache = new Map<string, Uint8Array>();
  let cachedBytes = 0;
  const smallBlob = async (hash: string, size: number) => {
    const cached = blobCache.get(hash);
    if (cached !== undefined) return cached;
    const bytes = await readBlob(hash, 0, size);
    blobCache.set(hash, bytes);
    cachedBytes += bytes.byteLength;
    while (cachedBytes > BLOB_CACHE_BYTES) {
      const [oldest, evicted] = blobCache.entries().next().value!;
      blobCache.delete(oldest);
      cachedBytes -= evicted.byteLength;
    }
    return bytes;
  };

  const readBlob = async (hash: string, offset: number, length: number) => {
    const handle = await open(blobPath(hash), "r");
    try {
      const buffer = new Uint8Array(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(buffer, read, length - read, offset + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return buffer.subarray(0, read);
    } finally {
      await handle.close();
    }
  };

  const cachedObject: CachedAssets["Service"]["object"] = (key, range) => {
    let row: IndexRow | undefined;
    try {
      row = objectRow(key);
    } catch {
      return NotCached;
    }
    if (row === undefined) return undefined;
    const whole = row.size <= SMALL_BLOB_BYTES ? blobCache.get(row.blob) : undefined;
    if (whole === undefined) return NotCached;
    const { offset, wanted } = rangeIn(row.size, range);
    return whole.subarray(offset, offset + wanted);
  };

  const readingAhead = new Set<string>();
  const readAhead = (key: string) => {
    let row: IndexRow | undefined;
    try {
      row = objectRow(key);
    } catch {
      return;
    }
    if (row === undefined || row.size > SMALL_BLOB_BYTES) return;
    const { blob, size } = row;
    if (blobCache.has(blob) || readingAhead.has(blob)) return;
    readingAhead.add(blob);
    // A blob deleted meanwhile fails the read, and is then simply not cached.
    void smallBlob(blob, size)
      .catch(() => undefined)
      .finally(() => readingAhead.delete(blob));
  };

  const store: AssetStore["Service"] = {
    putObject: (key, body, metadata) =>
      Effect.tryPromise({
        try: async () => {
          // Blobs are named by the hash computed here, never by the caller's etag, so a wrong etag can
          // only mislabel its own object, not change the bytes another key reads.
          const hash = createHash("sha256").update(body).digest("hex");
          await writeBlob(hash, body);
          await recordObject([key, hash, metadata.contentType, metadata.etag, body.byteLength], body);
        },
        catch: failure("AssetStore.putObject"),
      }),

    getObject: (key, range) =>
      Effect.tryPromise({
        try: async () => {
          const row = objectRow(key);
          if (row === undefined) return Option.none();
          const { offset, wanted } = rangeIn(row.size, range);
          const held = blobCache.has(row.blob);
          const whole = row.size <= SMALL_BLOB_BYTES ? await smallBlob(row.blob, row.size) : undefined;
          const body =
            whole === undefined
              ? await readBlob(row.blob, offset, wanted)
              : whole.subarray(offset, offset + wanted);
          return Option.some({
            body,
            size: row.size,
            contentType: row.content_type,
            etag: row.etag,
            ...(held ? { cache: "memory" as const } : {}),
          });
        },
        catch: failure("AssetStore.getObject"),
      }),

    deleteObjects: (keys) =>
      Effect.try({
        try: () => {
          if (keys.length === 0) return;
          for (const key of keys) objectRows.delete(key);
          // One transaction: a blob is removed only while no committed row uses it and no put can commit one.
          const removed = db.transaction(() => {
            const blobs = db.all<{ blob: string }>(
              q
                .select({ blob: assetObjects.blob })
                .from(assetObjects)
                .where(inArray(assetObjects.key, [...keys])),
            );
            db.run(q.delete(assetObjects).where(inArray(assetObjects.key, [...keys])));
            const unused = [...new Set(blobs.map((row) => row.blob))].filter(
              (blob) =>
                db.all(
                  q
                    .select({ key: assetObjects.key })
                    .from(assetObjects)
                    .where(eq(assetObjects.blob, blob))
                    .limit(1),
                ).length === 0,
            );
            for (const blob of unused) rmSync(blobPath(blob), { force: true });
            return unused;
          });
          for (const blob of removed) {
            const cached = blobCache.get(blob);
            if (cached !== undefined) {
              blobCache.delete(blob);
              cachedBytes -= cached.byteLength;
            }
          }
        },
        catch: failure("AssetStore.deleteObjects"),
      }),

    putManifest: (manifestKey, manifest) =>
      Effect.try({
        try: () => {
          const values = { key: manifestKey, manifest: JSON.stringify(manifest) };
          db.run(
            q
              .insert(assetManifests)
              .values(values)
              .onConflictDoUpdate({ target: assetManifests.key, set: values }),
          );
        },
        catch: failure("AssetStore.putManifest"),
      }),

    getManifest: (manifestKey) =>
      Effect.try({
        try: () =>
          db.all<{ manifest: string }>(
            q
              .select({ manifest: assetManifests.manifest })
              .from(assetManifests)
              .where(eq(assetManifests.key, manifestKey)),
          )[0],
        catch: failure("AssetStore.getManifest"),
      }).pipe(
        Effect.flatMap((row) =>
          row === undefined
            ? Effect.succeedNone
            : Effect.try({
                try: () => Option.some(Schema.decodeUnknownSync(StaticManifest)(JSON.parse(row.manifest))),
                catch: (cause) =>
                  new StoreError({
                    reason: "Corrupt",
                    operation: "AssetStore.getManifest",
                    description: `stored manifest ${manifestKey} is invalid`,
                    cause,
                  }),
              }),
        ),
      ),

    listManifests: (page) =>
      Effect.try({
        try: () => {
          const limit = Math.max(1, Math.min(page.limit, 1000));
          const rows = db.all<{ key: string }>(
            q
              .select({ key: assetManifests.key })
              .from(assetManifests)
              .where(page.cursor === undefined ? undefined : gt(assetManifests.key, page.cursor))
              .orderBy(asc(assetManifests.key))
              .limit(limit + 1),
          );
          const items = rows.slice(0, limit).map((row) => row.key);
          return { items, cursor: rows.length > limit ? (items.at(-1) ?? null) : null };
        },
        catch: failure("AssetStore.listManifests"),
      }),

    deleteManifest: (manifestKey) =>
      Effect.try({
        try: () => db.run(q.delete(assetManifests).where(eq(assetManifests.key, manifestKey))),
        catch: failure("AssetStore.deleteManifest"),
      }),
  };
  return { store, cached: { object: cachedObject, readAhead } };
};

/** AssetStore (and its CachedAssets) under `<dataDir>`; shares the embedded database with the DeploymentStore. */
export const assetStoreLayer = (
  options: AssetStoreOptions,
): Layer.Layer<AssetStore | CachedAssets, StoreError> =>
  Layer.effectContext(
    Effect.acquireRelease(
      Effect.try({
        try: () => {
          mkdirSync(join(options.dataDir, "blobs"), { recursive: true });
          return acquireEmbeddedDatabase(options.dataDir);
        },
        catch: failure("AssetStore.open"),
      }),
      (handle) => Effect.sync(handle.release),
    ).pipe(
      Effect.map((handle) => {
        const { store, cached } = makeAssets(options.dataDir, handle.database);
        return Context.make(AssetStore, store).pipe(Context.add(CachedAssets, cached));
      }),
    ),
  );
