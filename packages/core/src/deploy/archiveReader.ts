/**
 * Reads a deploy zip while checking it (B.4, B.5, DECISIONS 5): entries come from the central directory,
 * every name goes through the archive budget before its bytes are touched, and inflation runs in small
 * slices whose real output is counted, so a bomb is refused after at most one slice past the cap.
 */

import { Effect, Result } from "effect";
import { Inflate } from "fflate";
import type { BadRequest } from "../errors/httpErrors.js";
import {
  type ArchiveBudget,
  type ArchiveLimits,
  defaultArchiveLimits,
  emptyArchiveError,
  makeArchiveBudget,
  unreadableArchiveError,
} from "./archiveBudget.js";
import type { ArchiveEntryKind } from "./archivePath.js";
import { stripCommonRoot } from "./archivePath.js";

/** The files of an accepted archive, by normalized path (common root stripped), in archive order. */
export interface ArchiveFiles {
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The top-level folder that was stripped, or `null`. */
  readonly strippedRoot: string | null;
  readonly zipBytes: number;
  readonly expandedBytes: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
/** Compressed bytes handed to the inflater at a time; bounds what one step can expand to (16 KiB -> at most ~16 MiB). */
const INFLATE_SLICE = 16 * 1024;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const UNIX_HOST = 3;

interface CentralEntry {
  readonly name: string;
  readonly kind: ArchiveEntryKind;
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });
const latin1 = new TextDecoder("latin1");

const entryKind = (name: string, versionMadeBy: number, externalAttributes: number): ArchiveEntryKind => {
  if (versionMadeBy >>> 8 === UNIX_HOST) {
    const mode = (externalAttributes >>> 16) & S_IFMT;
    if (mode === S_IFLNK) return "symlink";
    if (mode === S_IFDIR) return "directory";
  }
  return name.endsWith("/") || name.endsWith("\\") ? "directory" : "file";
};

const findEndOfCentralDirectory = (view: DataView): number => {
  const earliest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let offset = view.byteLength - 22; offset >= earliest; offset -= 1) {
    if (view.getUint32(offset, true) === END_OF_CENTRAL_DIRECTORY) return offset;
  }
  return -1;
};

const readCentralDirectory = (bytes: Uint8Array): Result.Result<CentralEntry[], BadRequest> => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfCentralDirectory(view);
  if (end < 0) return Result.fail(unreadableArchiveError("invalid zip"));
  const count = view.getUint16(end + 10, true);
  const size = view.getUint32(end + 12, true);
  const start = view.getUint32(end + 16, true);
  if (count === 0xffff || start === 0xffffffff || size === 0xffffffff) {
    return Result.fail(unreadableArchiveError("zip64 archives are not supported"));
  }
  if (start + size > end) return Result.fail(unreadableArchiveError("invalid zip"));
  const entries: CentralEntry[] = [];
  let offset = start;
  for (let index = 0; index < count; index += 1) {
    if (offset + 46 > end || view.getUint32(offset, true) !== CENTRAL_DIRECTORY_ENTRY) {
      return Result.fail(unreadableArchiveError("invalid zip"));
    }
    const versionMadeBy = view.getUint16(offset + 4, true);
    const flags = view.getUint16(offset + 8, true);
    const method = view.getUint16(offset + 10, true);
    const compressedSize = view.getUint32(offset + 20, true);
    const uncompressedSize = view.getUint32(offset + 24, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const externalAttributes = view.getUint32(offset + 38, true);
    const localHeaderOffset = view.getUint32(offset + 42, true);
    const nameBytes = bytes.subarray(offset + 46, offset + 46 + nameLength);
    const name = (flags & 0x800) !== 0 ? utf8.decode(nameBytes) : decodeLegacyName(nameBytes);
    entries.push({
      name,
      kind: entryKind(name, versionMadeBy, externalAttributes),
      method,
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return Result.succeed(entries);
};

/** Names without the UTF-8 flag are UTF-8 in practice (Info-ZIP, 7-Zip); fall back to Latin-1 when invalid. */
const decodeLegacyName = (bytes: Uint8Array): string => {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
};

const entryData = (bytes: Uint8Array, entry: CentralEntry): Result.Result<Uint8Array, BadRequest> => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offset = entry.localHeaderOffset;
  if (offset + 30 > bytes.byteLength || view.getUint32(offset, true) !== LOCAL_FILE_HEADER) {
    return Result.fail(unreadableArchiveError("invalid zip"));
  }
  const dataStart = offset + 30 + view.getUint16(offset + 26, true) + view.getUint16(offset + 28, true);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > bytes.byteLength) return Result.fail(unreadableArchiveError("invalid zip"));
  return Result.succeed(bytes.subarray(dataStart, dataEnd));
};

/** Steps of reading an archive: each yields the bytes it just produced, and the last returns the result. */
export type ArchiveSteps = Generator<number, Result.Result<ArchiveFiles, BadRequest>, void>;

function* inflateCounted(
  data: Uint8Array,
  budget: ArchiveBudget,
): Generator<number, Result.Result<Uint8Array, BadRequest>, void> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let failure: BadRequest | undefined;
  const inflater = new Inflate((chunk) => {
    if (failure) return;
    const counted = budget.addExpanded(chunk.length);
    if (Result.isFailure(counted)) {
      failure = counted.failure;
      return;
    }
    chunks.push(chunk);
    total += chunk.length;
  });
  for (let offset = 0; offset < data.length && failure === undefined; offset += INFLATE_SLICE) {
    const end = Math.min(offset + INFLATE_SLICE, data.length);
    const before = total;
    try {
      inflater.push(data.subarray(offset, end), end === data.length);
    } catch (error) {
      if (failure) return Result.fail(failure);
      return Result.fail(unreadableArchiveError(error instanceof Error ? error.message : null));
    }
    yield total - before;
  }
  try {
    if (data.length === 0) inflater.push(new Uint8Array(0), true);
  } catch (error) {
    return Result.fail(unreadableArchiveError(error instanceof Error ? error.message : null));
  }
  if (failure) return Result.fail(failure);
  if (chunks.length === 1) return Result.succeed(chunks[0]!);
  const joined = new Uint8Array(total);
  let position = 0;
  for (const chunk of chunks) {
    joined.set(chunk, position);
    position += chunk.length;
  }
  return Result.succeed(joined);
}

function* readEntry(
  bytes: Uint8Array,
  entry: CentralEntry,
  budget: ArchiveBudget,
): Generator<number, Result.Result<Uint8Array, BadRequest>, void> {
  const data = entryData(bytes, entry);
  if (Result.isFailure(data)) return Result.fail(data.failure);
  if (entry.method === 0) {
    const counted = budget.addExpanded(data.success.length);
    if (Result.isFailure(counted)) return Result.fail(counted.failure);
    yield data.success.length;
    return Result.succeed(data.success.slice());
  }
  if (entry.method === 8) return yield* inflateCounted(data.success, budget);
  return Result.fail(unreadableArchiveError(`unsupported compression method ${entry.method}`));
}

/**
 * Checks and unpacks a zip already read into memory (the caller counts body bytes while receiving it), in
 * steps a caller can spread over several turns (`readDeployArchiveInTurns`). Names are checked for the
 * whole directory before any entry is inflated, so an unsafe name fails fast.
 */
export function* readDeployArchiveSteps(
  bytes: Uint8Array,
  limits: ArchiveLimits = defaultArchiveLimits,
  budget: ArchiveBudget = makeArchiveBudget(limits),
): ArchiveSteps {
  if (bytes.byteLength === 0) return Result.fail(emptyArchiveError());
  if (budget.compressedBytes() === 0) {
    const counted = budget.addCompressed(bytes.byteLength);
    if (Result.isFailure(counted)) return Result.fail(counted.failure);
  }
  const directory = readCentralDirectory(bytes);
  if (Result.isFailure(directory)) return Result.fail(directory.failure);

  const accepted: Array<{ readonly path: string; readonly entry: CentralEntry }> = [];
  for (const entry of directory.success) {
    const path = budget.addEntry(entry.name, entry.kind);
    if (Result.isFailure(path)) return Result.fail(path.failure);
    if (path.success !== null && entry.kind === "file") accepted.push({ path: path.success, entry });
  }

  const stripped = stripCommonRoot(accepted.map(({ path }) => path));
  const files = new Map<string, Uint8Array>();
  for (let index = 0; index < accepted.length; index += 1) {
    const content = yield* readEntry(bytes, accepted[index]!.entry, budget);
    if (Result.isFailure(content)) return Result.fail(content.failure);
    files.set(stripped.paths[index]!, content.success);
  }
  return Result.succeed({
    files,
    strippedRoot: stripped.root,
    zipBytes: bytes.byteLength,
    expandedBytes: budget.expandedBytes(),
  });
}

/** `readDeployArchiveSteps` in one go. */
export const readDeployArchive = (
  bytes: Uint8Array,
  limits: ArchiveLimits = defaultArchiveLimits,
  budget: ArchiveBudget = makeArchiveBudget(limits),
): Result.Result<ArchiveFiles, BadRequest> => {
  const steps = readDeployArchiveSteps(bytes, limits, budget);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
};

/**
 * Inflating is the one long piece of work in a deploy (about 150 ms for 20 MB), so other requests get
 * their turn after each `TURN_BYTES` of output instead of waiting for all of it.
 */
const TURN_BYTES = 1024 * 1024;

/** `readDeployArchiveSteps`, yielding to other fibers and pending I/O after every MiB it produces. */
export const readDeployArchiveInTurns = (
  bytes: Uint8Array,
  limits: ArchiveLimits = defaultArchiveLimits,
  budget: ArchiveBudget = makeArchiveBudget(limits),
): Effect.Effect<ArchiveFiles, BadRequest> =>
  Effect.gen(function* () {
    const steps = readDeployArchiveSteps(bytes, limits, budget);
    // Reading the body may have taken this whole turn already.
    let produced = TURN_BYTES;
    for (;;) {
      const step = steps.next();
      if (step.done) return yield* Effect.fromResult(step.value);
      produced += step.value;
      if (produced >= TURN_BYTES) {
        produced = 0;
        yield* Effect.yieldNow;
      }
    }
  });

/**
 * Reads a request body chunk by chunk, refusing it as soon as it passes the compressed cap. A declared
 * length (`Content-Length`) within the cap is filled in place as chunks arrive, so the body is copied once.
 */
export const readBodyWithinBudget = async (
  body: ReadableStream<Uint8Array> | null,
  budget: ArchiveBudget,
  declaredBytes?: number,
): Promise<Result.Result<Uint8Array, BadRequest>> => {
  if (body === null) return Result.succeed(new Uint8Array(0));
  const reader = body.getReader();
  const fitsInPlace =
    declaredBytes !== undefined &&
    Number.isSafeInteger(declaredBytes) &&
    declaredBytes > 0 &&
    declaredBytes <= budget.limits.maxCompressedBytes;
  let inPlace = fitsInPlace ? new Uint8Array(declaredBytes) : undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const counted = budget.addCompressed(value.byteLength);
    if (Result.isFailure(counted)) {
      await reader.cancel().catch(() => undefined);
      return Result.fail(counted.failure);
    }
    if (inPlace !== undefined && total + value.byteLength <= inPlace.byteLength) {
      inPlace.set(value, total);
    } else {
      // More than declared: what arrived so far joins the chunks.
      if (inPlace !== undefined) chunks.push(inPlace.subarray(0, total));
      inPlace = undefined;
      chunks.push(value);
    }
    total += value.byteLength;
  }
  if (inPlace !== undefined) return Result.succeed(inPlace.subarray(0, total));
  if (chunks.length === 1) return Result.succeed(chunks[0]!);
  const joined = new Uint8Array(total);
  let position = 0;
  for (const chunk of chunks) {
    joined.set(chunk, position);
    position += chunk.byteLength;
  }
  return Result.succeed(joined);
};
