/**
 * R2's rules that need no storage: key and metadata limits, `onlyIf` preconditions (RFC 7232 semantics,
 * as R2 applies them) and which bytes a `range` selects.
 */
import { type FsLimits, r2Errors, STORAGE_CLASSES } from "./r2Errors.js";
import type { Conditional, EtagCondition, ObjectOptions, RequestedRange } from "./r2Wire.js";

export const checkKey = (key: string, limits: FsLimits): void => {
  if (key === "" || Buffer.byteLength(key, "utf8") > limits.keyBytes) throw r2Errors.invalidObjectName();
};

/**
 * R2 measures custom metadata as stored text: one unit per character of a key or value, two when the
 * text holds any character beyond Latin-1.
 */
const storedLength = (text: string): number => {
  for (let index = 0; index < text.length; index += 1)
    if (text.charCodeAt(index) > 0xff) return text.length * 2;
  return text.length;
};

export const customMetadataSize = (metadata: Readonly<Record<string, string>>): number =>
  Object.entries(metadata).reduce(
    (total, [key, value]) => total + storedLength(key) + storedLength(value),
    0,
  );

export const checkObjectOptions = (options: ObjectOptions, limits: FsLimits): void => {
  if (customMetadataSize(options.customMetadata) > limits.customMetadataBytes)
    throw r2Errors.metadataTooLarge();
  if (!STORAGE_CLASSES.has(options.storageClass)) throw r2Errors.invalidStorageClass();
};

const matchesAny = (conditions: readonly EtagCondition[], etag: string, weakComparison: boolean) =>
  conditions.some(
    (condition) =>
      condition.type === "wildcard" ||
      (condition.value === etag && (condition.type === "strong" || weakComparison)),
  );

/**
 * Whether `onlyIf` holds for the current object (`undefined`: no object). If-Match compares strongly,
 * If-None-Match weakly; a date condition is decided by its etag counterpart when that one is given.
 */
export const conditionHolds = (
  condition: Conditional,
  current: { readonly etag: string; readonly uploaded: number } | undefined,
): boolean => {
  if (current === undefined)
    return condition.etagMatches === undefined && condition.uploadedAfter === undefined;
  const granular = (ms: number) => (condition.secondsGranularity ? Math.floor(ms / 1000) * 1000 : ms);
  const ifMatch =
    condition.etagMatches === undefined || matchesAny(condition.etagMatches, current.etag, false);
  const ifNoneMatch =
    condition.etagDoesNotMatch === undefined || !matchesAny(condition.etagDoesNotMatch, current.etag, true);
  const uploaded = granular(current.uploaded);
  const modifiedSince =
    condition.uploadedAfter === undefined ||
    (condition.etagDoesNotMatch !== undefined ? ifNoneMatch : granular(condition.uploadedAfter) < uploaded);
  const unmodifiedSince =
    condition.uploadedBefore === undefined ||
    (condition.etagMatches !== undefined ? ifMatch : uploaded < granular(condition.uploadedBefore));
  return ifMatch && ifNoneMatch && modifiedSince && unmodifiedSince;
};

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/** One `bytes=` range of a Range header; several, or one that cannot be satisfied, mean the whole object. */
const headerRange = (header: string, size: number): ByteRange | undefined => {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (match === null) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Math.min(Number(last), size);
    return suffix === 0 ? undefined : { offset: size - suffix, length: suffix };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return undefined;
  return { offset: start, length: end - start + 1 };
};

/** The bytes a get returns: `range` (offset/length or suffix) or the `Range` header, else everything. */
export const resolveRange = (
  range: RequestedRange | undefined,
  rangeHeader: string | undefined,
  size: number,
): ByteRange => {
  if (rangeHeader !== undefined) return headerRange(rangeHeader, size) ?? { offset: 0, length: size };
  if (range === undefined) return { offset: 0, length: size };
  if (range.suffix !== undefined) {
    if (range.suffix <= 0) throw r2Errors.invalidRange();
    const length = Math.min(range.suffix, size);
    return { offset: size - length, length };
  }
  const offset = range.offset ?? 0;
  const length = Math.min(range.length ?? size - offset, size - offset);
  if (offset > size || length <= 0) {
    // Asking for everything of an empty object is not an error.
    if (size === 0 && offset === 0 && range.length === undefined) return { offset: 0, length: 0 };
    throw r2Errors.invalidRange();
  }
  return { offset, length };
};
