/**
 * One object-storage bucket on disk: each object's bytes are files named by a random id (one file, or one
 * per part of a multipart upload), and `index.sqlite` maps keys to them with the object's metadata. A file
 * is written under `tmp/`, synced and renamed into `objects/` before the index row naming it is committed,
 * so a put that fails or is cut off never becomes visible, and a reader that opened a file keeps reading
 * the version it looked up while later puts replace it.
 */
import { createHash, type Hash, randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import type { ResourceDatabase, ResourceDatabases } from "../sqliteFiles.js";
import { type FsLimits, r2Errors, r2Messages } from "./r2Errors.js";
import type { ByteRange } from "./r2Rules.js";
import { conditionHolds } from "./r2Rules.js";
import type { ChecksumName, Checksums, Conditional, ObjectOptions, ObjectRecord } from "./r2Wire.js";

/** A run of an object's bytes kept in one file. */
export interface Segment {
  readonly blob: string;
  readonly size: number;
}

export interface StoredObject extends ObjectRecord {
  readonly segments: readonly Segment[];
}

/** Index format; bumped only together with a migration of older files. */
const INDEX_VERSION = 1;

export const createBucketTables = (sqlite: DatabaseSync): void => {
  sqlite.exec(`
    create table if not exists objects (
      key text primary key,
      version text not null,
      size integer not null,
      etag text not null,
      uploaded integer not null,
      storage_class text not null,
      http_metadata text not null,
      custom_metadata text not null,
      checksums text not null,
      segments text not null
    ) without rowid;
    create table if not exists uploads (
      upload_id text primary key,
      key text not null,
      http_metadata text not null,
      custom_metadata text not null,
      storage_class text not null,
      state integer not null,
      created integer not null
    ) without rowid;
    create index if not exists uploads_created on uploads (created);
    create table if not exists parts (
      upload_id text not null,
      part_number integer not null,
      blob text not null,
      size integer not null,
      etag text not null,
      md5 text not null,
      primary key (upload_id, part_number)
    ) without rowid;
    create table if not exists loose_files (
      blob text primary key,
      state text not null,
      since integer not null
    ) without rowid;
    create index if not exists loose_files_since on loose_files (since);
  `);
  sqlite.exec(`pragma user_version = ${INDEX_VERSION}`);
};

/** Upload states. Finished uploads are kept a while: R2 tells "aborted or completed" from "never existed". */
const IN_PROGRESS = 0;
const COMPLETED = 1;
const ABORTED = 2;

/** A file being written this long ago, untouched since, belongs to a put that died with its server. */
const STALE_WRITE_MS = 60 * 60_000;
/** Garbage of other servers on this data directory is left this long, in case one is still reading it. */
const GARBAGE_GRACE_MS = 60 * 60_000;
/** R2 aborts uploads left incomplete for seven days. */
const UPLOAD_LIFETIME_MS = 7 * 24 * 60 * 60_000;
const SWEEP_EVERY_MS = 10 * 60_000;
/** Bytes gathered before one write to disk. */
const WRITE_BATCH = 1024 * 1024;
const READ_CHUNK = 256 * 1024;

interface ObjectRow {
  key: string;
  version: string;
  size: number;
  etag: string;
  uploaded: number;
  storage_class: string;
  http_metadata: string;
  custom_metadata: string;
  checksums: string;
  segments: string;
}

const OBJECT_COLUMNS =
  "key, version, size, etag, uploaded, storage_class, http_metadata, custom_metadata, checksums, segments";
/** A listing never reads bytes, so it skips the file list (long for objects of many parts). */
const LISTED_COLUMNS =
  "key, version, size, etag, uploaded, storage_class, http_metadata, custom_metadata, checksums, '[]' as segments";

const toObject = (row: ObjectRow): StoredObject => ({
  key: row.key,
  version: row.version,
  size: row.size,
  etag: row.etag,
  uploaded: row.uploaded,
  storageClass: row.storage_class,
  httpMetadata: JSON.parse(row.http_metadata),
  customMetadata: JSON.parse(row.custom_metadata),
  checksums: JSON.parse(row.checksums),
  segments: (JSON.parse(row.segments) as Array<[string, number]>).map(([blob, size]) => ({ blob, size })),
});

const newVersion = () => randomBytes(16).toString("hex");
const newBlobId = () => randomBytes(16).toString("hex");

const NODE_HASH: Record<ChecksumName, string> = {
  md5: "md5",
  sha1: "sha1",
  sha256: "sha256",
  sha384: "sha384",
  sha512: "sha512",
};

/** The smallest string above every string starting with `prefix` (in UTF-8 byte order), if there is one. */
export const prefixEnd = (prefix: string): string | undefined => {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) return points.join("") + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
  }
  return undefined;
};

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The smallest key after `key`. */
const keyAfter = (key: string): string => `${key}\u0000`;

export interface WrittenBlob {
  readonly blob: string;
  readonly size: number;
  readonly digests: Readonly<Partial<Record<ChecksumName, string>>>;
}

export interface WriteOptions {
  /** The body's length when the request declared it; a body that ends short is refused. */
  readonly expectedSize: number | undefined;
  readonly maxSize: number;
  readonly digests: readonly ChecksumName[];
  /** Runs on the digests before the file is kept (a checksum the app gave). */
  readonly verify?: (digests: Partial<Record<ChecksumName, string>>) => void;
}

export interface ListOptions {
  readonly prefix: string;
  readonly delimiter: string | undefined;
  /** Inclusive lower bound (from a cursor or `startAfter`), or undefined. */
  readonly from: string | undefined;
  readonly limit: number;
}

export interface ListResult {
  readonly objects: readonly StoredObject[];
  readonly delimitedPrefixes: readonly string[];
  /** Where the next page starts, when there is one. */
  readonly next: string | undefined;
}

/** Bytes of one object being read; `close` must run whether or not `chunks` was read to its end. */
export interface ObjectReader {
  readonly chunks: AsyncGenerator<Buffer, void, undefined>;
  readonly close: () => Promise<void>;
}

export interface PartDescription {
  readonly part: number;
  readonly etag: string;
}

export interface BucketStoreOptions {
  readonly files: ResourceDatabases;
  readonly limits: FsLimits;
  readonly now: () => number;
}

/** Buckets of one server process; they share the pins that keep files being read from being deleted. */
export const makeBucketStore = (options: BucketStoreOptions) => {
  const { files, limits, now } = options;
  /** Readers per file path in this process; garbage that is pinned is deleted when the last reader ends. */
  const pins = new Map<string, number>();
  const deferred = new Map<string, () => Promise<void>>();
  const sweptAt = new Map<string, number>();

  const bucket = (directory: string) => {
    const index = (): ResourceDatabase => files.open(join(directory, "index.sqlite"), createBucketTables);
    const blobPath = (blob: string) => join(directory, "objects", blob.slice(0, 2), blob);
    const tmpPath = (blob: string) => join(directory, "tmp", blob);

    const forgetLoose = (blob: string) =>
      index().statement("delete from loose_files where blob = ?").run(blob);
    const markGarbage = (blobs: readonly string[]) => {
      const statement = index().statement(
        "insert into loose_files (blob, state, since) values (?, 'garbage', ?) on conflict (blob) do update set state = 'garbage', since = excluded.since",
      );
      for (const blob of blobs) statement.run(blob, now());
    };

    /** Deletes unreferenced files now, or, while this process still reads one, when its reader ends. */
    const collect = async (blobs: readonly string[]): Promise<void> => {
      for (const blob of blobs) {
        const path = blobPath(blob);
        const remove = async () => {
          deferred.delete(path);
          await rm(path, { force: true });
          await rm(tmpPath(blob), { force: true });
          forgetLoose(blob);
        };
        if ((pins.get(path) ?? 0) > 0) deferred.set(path, remove);
        else await remove();
      }
    };

    const lookup = (key: string): StoredObject | undefined => {
      const row = index().statement(`select ${OBJECT_COLUMNS} from objects where key = ?`).get(key) as
        | ObjectRow
        | undefined;
      return row === undefined ? undefined : toObject(row);
    };

    const syncDirectory = async (path: string) => {
      const handle = await open(path, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    };

    /**
     * Streams `chunks` into a new file and returns its id: written under `tmp/`, synced, then renamed into
     * `objects/`. It is recorded as a loose file first, so a sweep finds it if this process dies midway.
     */
    const writeBlob = async (chunks: AsyncIterable<Buffer>, write: WriteOptions): Promise<WrittenBlob> => {
      const blob = newBlobId();
      index()
        .statement("insert into loose_files (blob, state, since) values (?, 'writing', ?)")
        .run(blob, now());
      const temporary = tmpPath(blob);
      const hashes: Array<[ChecksumName, Hash]> = write.digests.map((name) => [
        name,
        createHash(NODE_HASH[name]),
      ]);
      let handle: FileHandle | undefined;
      try {
        await mkdir(dirname(temporary), { recursive: true, mode: 0o700 });
        handle = await open(temporary, "wx", 0o600);
        let size = 0;
        let batch: Buffer[] = [];
        let batchBytes = 0;
        const flush = async () => {
          if (batchBytes === 0) return;
          const pending = batch;
          batch = [];
          batchBytes = 0;
          await writeAll(handle!, pending);
        };
        for await (const chunk of chunks) {
          size += chunk.length;
          if (size > write.maxSize) throw r2Errors.entityTooLarge();
          for (const [, hash] of hashes) hash.update(chunk);
          batch.push(chunk);
          batchBytes += chunk.length;
          if (batchBytes >= WRITE_BATCH) await flush();
        }
        if (write.expectedSize !== undefined && size !== write.expectedSize)
          throw r2Errors.invalidArgument(r2Messages.incompleteBody);
        await flush();
        const digests: Partial<Record<ChecksumName, string>> = {};
        for (const [name, hash] of hashes) digests[name] = hash.digest("hex");
        write.verify?.(digests);
        await handle.sync();
        await handle.close();
        handle = undefined;
        const path = blobPath(blob);
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        await rename(temporary, path);
        // The rename must be on disk before an index row can name the file.
        await syncDirectory(dirname(path));
        return { blob, size, digests };
      } catch (error) {
        await handle?.close().catch(() => undefined);
        await rm(temporary, { force: true });
        await rm(blobPath(blob), { force: true });
        forgetLoose(blob);
        throw error;
      }
    };

    /** A written file no index row will name (the commit refused it). */
    const discard = (blob: string) => collect([blob]);

    const upsertObject = (object: StoredObject) =>
      index()
        .statement(
          `insert into objects (${OBJECT_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           on conflict (key) do update set version = excluded.version, size = excluded.size,
             etag = excluded.etag, uploaded = excluded.uploaded, storage_class = excluded.storage_class,
             http_metadata = excluded.http_metadata, custom_metadata = excluded.custom_metadata,
             checksums = excluded.checksums, segments = excluded.segments`,
        )
        .run(
          object.key,
          object.version,
          object.size,
          object.etag,
          object.uploaded,
          object.storageClass,
          JSON.stringify(object.httpMetadata),
          JSON.stringify(object.customMetadata),
          JSON.stringify(object.checksums),
          JSON.stringify(object.segments.map((segment) => [segment.blob, segment.size])),
        );

    /** Makes a written file the object's new version, if `onlyIf` holds for the current one. */
    const commitPut = async (
      key: string,
      written: WrittenBlob,
      fields: ObjectOptions & { readonly checksums: Checksums },
      onlyIf: Conditional | undefined,
    ): Promise<StoredObject> => {
      let replaced: readonly Segment[] = [];
      let object: StoredObject;
      try {
        object = index().transaction(() => {
          const current = lookup(key);
          if (onlyIf !== undefined && !conditionHolds(onlyIf, current)) throw r2Errors.preconditionFailed();
          const next: StoredObject = {
            key,
            version: newVersion(),
            size: written.size,
            etag: written.digests.md5!,
            uploaded: now(),
            storageClass: fields.storageClass,
            httpMetadata: fields.httpMetadata,
            customMetadata: fields.customMetadata,
            checksums: fields.checksums,
            segments: written.size === 0 ? [] : [{ blob: written.blob, size: written.size }],
          };
          upsertObject(next);
          forgetLoose(written.blob);
          replaced = current?.segments ?? [];
          markGarbage(replaced.map((segment) => segment.blob));
          return next;
        });
      } catch (error) {
        await discard(written.blob);
        throw error;
      }
      // An empty object keeps no file.
      if (written.size === 0) await collect([written.blob]);
      await collect(replaced.map((segment) => segment.blob));
      return object;
    };

    const remove = async (keys: readonly string[]): Promise<void> => {
      const removed = index().transaction(() => {
        const statement = index().statement("delete from objects where key = ? returning segments");
        const blobs: string[] = [];
        for (const key of keys) {
          const row = statement.get(key) as { segments: string } | undefined;
          if (row !== undefined)
            for (const [blob] of JSON.parse(row.segments) as Array<[string, number]>) blobs.push(blob);
        }
        markGarbage(blobs);
        return blobs;
      });
      await collect(removed);
    };

    const list = (request: ListOptions): ListResult => {
      const end = request.prefix === "" ? undefined : prefixEnd(request.prefix);
      const page = (from: string, count: number) =>
        end === undefined
          ? (index()
              .statement(`select ${LISTED_COLUMNS} from objects where key >= ? order by key limit ?`)
              .all(from, count) as unknown as ObjectRow[])
          : (index()
              .statement(
                `select ${LISTED_COLUMNS} from objects where key >= ? and key < ? order by key limit ?`,
              )
              .all(from, end, count) as unknown as ObjectRow[]);
      let from =
        request.from !== undefined && utf8Order(request.from, request.prefix) > 0
          ? request.from
          : request.prefix;
      const objects: StoredObject[] = [];
      const delimitedPrefixes: string[] = [];
      let exhausted = false;
      while (!exhausted && objects.length + delimitedPrefixes.length < request.limit) {
        const wanted = request.limit - objects.length - delimitedPrefixes.length;
        const rows = page(from, wanted);
        if (rows.length < wanted) exhausted = true;
        for (const row of rows) {
          const rest = row.key.slice(request.prefix.length);
          const at = request.delimiter === undefined ? -1 : rest.indexOf(request.delimiter);
          if (at < 0) {
            objects.push(toObject(row));
            from = keyAfter(row.key);
            continue;
          }
          // Every key under this delimited prefix is skipped at once.
          const group = request.prefix + rest.slice(0, at + request.delimiter!.length);
          delimitedPrefixes.push(group);
          const after = prefixEnd(group);
          if (after === undefined) exhausted = true;
          else {
            from = after;
            exhausted = false;
          }
          break;
        }
        if (rows.length === 0) exhausted = true;
      }
      const more = !exhausted && page(from, 1).length > 0;
      return { objects, delimitedPrefixes, next: more ? from : undefined };
    };

    /**
     * Opens the bytes `range` of `object` for reading, or answers undefined when its first file is already
     * gone (a newer put replaced the object since it was looked up; look it up again). Every file it needs
     * stays pinned until `close`, so this process deletes none of them while they are read.
     */
    const read = async (object: StoredObject, range: ByteRange): Promise<ObjectReader | undefined> => {
      const pieces: Array<{ path: string; start: number; end: number }> = [];
      let position = 0;
      const last = range.offset + range.length;
      for (const segment of object.segments) {
        const segmentEnd = position + segment.size;
        if (range.length > 0 && position < last && segmentEnd > range.offset) {
          pieces.push({
            path: blobPath(segment.blob),
            start: Math.max(range.offset, position) - position,
            end: Math.min(last, segmentEnd) - position - 1,
          });
        }
        position = segmentEnd;
      }
      for (const piece of pieces) pins.set(piece.path, (pins.get(piece.path) ?? 0) + 1);
      let first: FileHandle | undefined;
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        await first?.close().catch(() => undefined);
        for (const piece of pieces) {
          const count = (pins.get(piece.path) ?? 1) - 1;
          if (count > 0) pins.set(piece.path, count);
          else {
            pins.delete(piece.path);
            await deferred.get(piece.path)?.();
          }
        }
      };
      if (pieces.length > 0) {
        try {
          first = await open(pieces[0]!.path, "r");
        } catch (error) {
          await close();
          if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
          throw error;
        }
      }
      const chunks = async function* () {
        try {
          for (const [number, piece] of pieces.entries()) {
            const handle = number === 0 ? first! : await open(piece.path, "r");
            try {
              const stream = handle.createReadStream({
                start: piece.start,
                end: piece.end,
                highWaterMark: READ_CHUNK,
                autoClose: false,
              });
              for await (const chunk of stream) yield chunk as Buffer;
            } finally {
              if (number > 0) await handle.close().catch(() => undefined);
            }
          }
        } finally {
          await close();
        }
      };
      return { chunks: chunks(), close };
    };

    const uploadState = (key: string, uploadId: string): number | undefined =>
      (
        index().statement("select state from uploads where upload_id = ? and key = ?").get(uploadId, key) as
          | { state: number }
          | undefined
      )?.state;

    const createUpload = (key: string, fields: ObjectOptions): string => {
      const uploadId = randomBytes(32).toString("base64url");
      index()
        .statement(
          "insert into uploads (upload_id, key, http_metadata, custom_metadata, storage_class, state, created) values (?, ?, ?, ?, ?, ?, ?)",
        )
        .run(
          uploadId,
          key,
          JSON.stringify(fields.httpMetadata),
          JSON.stringify(fields.customMetadata),
          fields.storageClass,
          IN_PROGRESS,
          now(),
        );
      return uploadId;
    };

    /** Fails fast, before any byte is written, when the upload cannot take parts. */
    const checkUploadOpen = (key: string, uploadId: string) => {
      if (uploadState(key, uploadId) !== IN_PROGRESS) throw r2Errors.noSuchUpload();
    };

    const commitPart = async (
      key: string,
      uploadId: string,
      partNumber: number,
      written: WrittenBlob,
    ): Promise<string> => {
      const etag = written.digests.md5!;
      let replaced: string[] = [];
      try {
        index().transaction(() => {
          checkUploadOpen(key, uploadId);
          const previous = index()
            .statement("select blob from parts where upload_id = ? and part_number = ?")
            .get(uploadId, partNumber) as { blob: string } | undefined;
          index()
            .statement(
              `insert into parts (upload_id, part_number, blob, size, etag, md5) values (?, ?, ?, ?, ?, ?)
               on conflict (upload_id, part_number) do update set blob = excluded.blob, size = excluded.size,
                 etag = excluded.etag, md5 = excluded.md5`,
            )
            .run(uploadId, partNumber, written.blob, written.size, etag, written.digests.md5!);
          forgetLoose(written.blob);
          replaced = previous === undefined ? [] : [previous.blob];
          markGarbage(replaced);
        });
      } catch (error) {
        await discard(written.blob);
        throw error;
      }
      await collect(replaced);
      return etag;
    };

    interface PartRow {
      part_number: number;
      blob: string;
      size: number;
      etag: string;
      md5: string;
    }

    /** R2's part rules: every part but the last at least the minimum size, all of them equal, the last no larger. */
    const complete = async (
      key: string,
      uploadId: string,
      selected: readonly PartDescription[],
    ): Promise<StoredObject> => {
      let garbage: string[] = [];
      const object = index().transaction(() => {
        const upload = index()
          .statement(
            "select http_metadata, custom_metadata, storage_class, state from uploads where upload_id = ? and key = ?",
          )
          .get(uploadId, key) as
          | { http_metadata: string; custom_metadata: string; storage_class: string; state: number }
          | undefined;
        if (upload === undefined || upload.state !== IN_PROGRESS) throw r2Errors.noSuchUpload();
        const uploaded = new Map(
          (
            index()
              .statement("select part_number, blob, size, etag, md5 from parts where upload_id = ?")
              .all(uploadId) as unknown as PartRow[]
          ).map((row) => [row.part_number, row]),
        );
        const seen = new Set<number>();
        const chosen = selected.map((choice) => {
          const part = uploaded.get(choice.part);
          if (part === undefined || part.etag !== choice.etag || seen.has(choice.part))
            throw r2Errors.invalidPart();
          seen.add(choice.part);
          return part;
        });
        for (const part of chosen.slice(0, -1))
          if (part.size < limits.minPartBytes) throw r2Errors.entityTooSmall();
        const ordered = [...chosen].sort((a, b) => a.part_number - b.part_number);
        const partSize = ordered[0]?.size;
        for (const part of ordered.slice(0, -1))
          if (part.size !== partSize || part.size < limits.minPartBytes) throw r2Errors.badUpload();
        if (ordered.length > 1 && ordered[ordered.length - 1]!.size > partSize!) throw r2Errors.badUpload();

        const combined = createHash("md5");
        for (const part of ordered) combined.update(Buffer.from(part.md5, "hex"));
        const current = lookup(key);
        const next: StoredObject = {
          key,
          version: newVersion(),
          size: ordered.reduce((total, part) => total + part.size, 0),
          etag: `${combined.digest("hex")}-${ordered.length}`,
          uploaded: now(),
          storageClass: upload.storage_class,
          httpMetadata: JSON.parse(upload.http_metadata),
          customMetadata: JSON.parse(upload.custom_metadata),
          checksums: {},
          segments: ordered
            .filter((part) => part.size > 0)
            .map((part) => ({ blob: part.blob, size: part.size })),
        };
        upsertObject(next);
        const kept = new Set(next.segments.map((segment) => segment.blob));
        garbage = [
          ...(current?.segments.map((segment) => segment.blob) ?? []),
          ...[...uploaded.values()].map((part) => part.blob).filter((blob) => !kept.has(blob)),
        ];
        markGarbage(garbage);
        index().statement("delete from parts where upload_id = ?").run(uploadId);
        index().statement("update uploads set state = ? where upload_id = ?").run(COMPLETED, uploadId);
        return next;
      });
      await collect(garbage);
      return object;
    };

    /** Aborting twice, or after completing, does nothing (as in R2). */
    const abort = async (key: string, uploadId: string): Promise<void> => {
      const garbage = index().transaction(() => {
        const state = uploadState(key, uploadId);
        if (state === undefined) throw r2Errors.noSuchUpload();
        if (state !== IN_PROGRESS) return [];
        return abortInTransaction(uploadId);
      });
      await collect(garbage);
    };

    const abortInTransaction = (uploadId: string): string[] => {
      const blobs = (
        index().statement("delete from parts where upload_id = ? returning blob").all(uploadId) as Array<{
          blob: string;
        }>
      ).map((row) => row.blob);
      markGarbage(blobs);
      index().statement("update uploads set state = ? where upload_id = ?").run(ABORTED, uploadId);
      return blobs;
    };

    /**
     * Removes what crashed or abandoned work left: files of puts whose server died (untouched for an
     * hour), garbage older than the grace period, and uploads older than seven days.
     */
    const sweep = async (): Promise<void> => {
      const at = now();
      const last = sweptAt.get(directory);
      if (last !== undefined && at - last < SWEEP_EVERY_MS) return;
      sweptAt.set(directory, at);
      const expired = index().transaction(() => {
        const blobs: string[] = [];
        const old = index()
          .statement("select upload_id, state from uploads where created < ?")
          .all(at - UPLOAD_LIFETIME_MS) as Array<{ upload_id: string; state: number }>;
        for (const upload of old) {
          if (upload.state === IN_PROGRESS) blobs.push(...abortInTransaction(upload.upload_id));
          else index().statement("delete from uploads where upload_id = ?").run(upload.upload_id);
        }
        return blobs;
      });
      await collect(expired);
      const loose = index()
        .statement("select blob, state from loose_files where since < ? limit 1000")
        .all(at - Math.min(STALE_WRITE_MS, GARBAGE_GRACE_MS)) as Array<{ blob: string; state: string }>;
      for (const file of loose) {
        if (file.state === "writing") {
          const touched = await stat(tmpPath(file.blob)).then(
            (info) => info.mtimeMs,
            () => 0,
          );
          if (at - touched < STALE_WRITE_MS) continue;
        }
        await collect([file.blob]);
      }
    };

    return {
      lookup,
      writeBlob,
      commitPut,
      remove,
      list,
      read,
      createUpload,
      checkUploadOpen,
      commitPart,
      complete,
      abort,
      sweep,
    };
  };

  return { bucket };
};

export type BucketStore = ReturnType<typeof makeBucketStore>;
export type Bucket = ReturnType<BucketStore["bucket"]>;

/** Writes every buffer, looping over short writes. */
const writeAll = async (handle: FileHandle, buffers: Buffer[]): Promise<void> => {
  let pending = buffers;
  while (pending.length > 0) {
    const total = pending.reduce((sum, buffer) => sum + buffer.length, 0);
    const { bytesWritten } = await handle.writev(pending);
    if (bytesWritten >= total) return;
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const buffer of pending) {
      if (skip >= buffer.length) skip -= buffer.length;
      else {
        rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
        skip = 0;
      }
    }
    pending = rest;
  }
};
