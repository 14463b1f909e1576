/** Size, entry-count and duplicate limits an adapter enforces while it reads a deploy archive (B.4, B.5, DECISIONS 5). */
import { Result } from "effect";
import { BadRequest } from "../errors/httpErrors.js";
import { type ArchiveEntryKind, checkEntryPath, quoteEntryName } from "./archivePath.js";

const MIB = 1024 * 1024;

/** The caps one read of a deploy archive must stay within. */
export interface ArchiveLimits {
  /** Bytes of the zip body as received. */
  readonly maxCompressedBytes: number;
  /** Sum of the inflated bytes of every entry (duplicates and all). */
  readonly maxExpandedBytes: number;
  /** Central-directory entries, directories included. */
  readonly maxEntries: number;
}

/** The free-tier caps: 25 MiB zip, 100 MiB inflated, 20,000 entries. */
export const defaultArchiveLimits: ArchiveLimits = {
  maxCompressedBytes: 25 * MIB,
  maxExpandedBytes: 100 * MIB,
  maxEntries: 20_000,
};

/** The spec's MB label: whole mebibytes rounded up, so 25 MiB reads `25 MB`. */
const megabytesLabel = (bytes: number): string => `${Math.ceil(bytes / MIB)} MB`;

/** The exact 400 texts of a deploy archive that cannot be read or does not fit its limits. */
export const archiveMessages = {
  empty: "Deploy archive is empty.",
  unreadable: (reason: string) => `Unable to read deploy archive: ${reason}`,
  tooLarge: (maxCompressedBytes: number) => `Deploy archive exceeds ${megabytesLabel(maxCompressedBytes)}.`,
  expandsTooFar: (maxExpandedBytes: number) =>
    `Deploy archive expands past ${megabytesLabel(maxExpandedBytes)}.`,
  tooManyEntries: (maxEntries: number) => `Deploy archive has more than ${maxEntries} entries.`,
  duplicateEntry: (path: string) => `Deploy archive contains ${quoteEntryName(path)} more than once.`,
} as const;

/** 400 `Deploy archive is empty.` for a body of zero bytes. */
export const emptyArchiveError = (): BadRequest => new BadRequest({ message: archiveMessages.empty });

/** 400 `Unable to read deploy archive: <reason>`, with reason `invalid zip` when the reader gave none. */
export const unreadableArchiveError = (reason?: string | null): BadRequest =>
  new BadRequest({ message: archiveMessages.unreadable(reason?.trim() || "invalid zip") });

/** A limit failure keeps the free-tier envelope: its text is also the one item of `details.limits`. */
const limitExceeded = (message: string): BadRequest =>
  new BadRequest({ message, details: { limits: [message] } });

/**
 * Running totals of one archive read. Every `add*` answers whether the read may go on; the first failure is
 * kept and returned by every later call, so an adapter can stop reading or inflating at once.
 */
export interface ArchiveBudget {
  readonly limits: ArchiveLimits;
  /** Counts body bytes as they arrive; fails with `Deploy archive exceeds 25 MB.` past the cap. */
  readonly addCompressed: (bytes: number) => Result.Result<void, BadRequest>;
  /** Counts bytes actually inflated (not sizes the zip declares); fails with `Deploy archive expands past 100 MB.`. */
  readonly addExpanded: (bytes: number) => Result.Result<void, BadRequest>;
  /**
   * Counts one central-directory entry and checks its name (`checkEntryPath`): the archive path to store,
   * `null` for an entry to skip, or a 400 for too many entries, an unsafe name, or a path already seen.
   */
  readonly addEntry: (rawName: string, kind: ArchiveEntryKind) => Result.Result<string | null, BadRequest>;
  readonly compressedBytes: () => number;
  readonly expandedBytes: () => number;
  readonly entryCount: () => number;
}

/** A byte count that is not a finite non-negative number cannot be proven within budget, so it fails closed. */
const isByteCount = (bytes: number): boolean => Number.isFinite(bytes) && bytes >= 0;

/** A fresh budget for one archive read, with the free-tier limits unless an operator sets others. */
export const makeArchiveBudget = (limits: ArchiveLimits = defaultArchiveLimits): ArchiveBudget => {
  let compressed = 0;
  let expanded = 0;
  let entries = 0;
  const seenPaths = new Set<string>();
  let stopped: BadRequest | undefined;

  const stop = (error: BadRequest): Result.Result<never, BadRequest> => {
    stopped = error;
    return Result.fail(error);
  };

  return {
    limits,
    addCompressed: (bytes) => {
      if (stopped) return Result.fail(stopped);
      compressed += isByteCount(bytes) ? bytes : Number.POSITIVE_INFINITY;
      return compressed > limits.maxCompressedBytes
        ? stop(limitExceeded(archiveMessages.tooLarge(limits.maxCompressedBytes)))
        : Result.void;
    },
    addExpanded: (bytes) => {
      if (stopped) return Result.fail(stopped);
      expanded += isByteCount(bytes) ? bytes : Number.POSITIVE_INFINITY;
      return expanded > limits.maxExpandedBytes
        ? stop(limitExceeded(archiveMessages.expandsTooFar(limits.maxExpandedBytes)))
        : Result.void;
    },
    addEntry: (rawName, kind) => {
      if (stopped) return Result.fail(stopped);
      entries += 1;
      if (entries > limits.maxEntries) {
        return stop(limitExceeded(archiveMessages.tooManyEntries(limits.maxEntries)));
      }
      const checked = checkEntryPath(rawName, kind);
      if (Result.isFailure(checked)) return stop(checked.failure);
      const path = checked.success;
      if (path === null) return checked;
      if (seenPaths.has(path)) return stop(new BadRequest({ message: archiveMessages.duplicateEntry(path) }));
      seenPaths.add(path);
      return checked;
    },
    compressedBytes: () => compressed,
    expandedBytes: () => expanded,
    entryCount: () => entries,
  };
};
