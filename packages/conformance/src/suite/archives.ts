/** Building deploy zips for scenarios: the official action's layout (J.3), and hostile ones. */
import { isExcludedByAction } from "@w7s/core";
import { strToU8, Zip, ZipDeflate, zipSync } from "fflate";

export { isExcludedByAction };

export type ArchiveFiles = Readonly<Record<string, string | Uint8Array>>;

export interface ZipFilesOptions {
  /** Add an entry for every parent folder, as `zip -r` does (default true). */
  readonly directories?: boolean;
  /** Leave out what the action's `zip -x` patterns leave out (default true). */
  readonly actionExcludes?: boolean;
  /** Deflate level (default 6, Info-ZIP's default). */
  readonly level?: DeflateLevel;
}

type DeflateLevel = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

const UNIX = 3;
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;
// Info-ZIP also sets the MS-DOS directory bit (0x10) on folders.
const DIRECTORY_ATTRIBUTES = ((0o040755 << 16) | 0x10) >>> 0;
const SYMLINK_ATTRIBUTES = (0o120777 << 16) >>> 0;

const bytesOf = (content: string | Uint8Array): Uint8Array =>
  typeof content === "string" ? strToU8(content) : content;

const parentFolders = (path: string): string[] => {
  const segments = path.split("/").slice(0, -1);
  return segments.map((_, index) => `${segments.slice(0, index + 1).join("/")}/`);
};

/**
 * A zip of `files` as the official action builds it from a working directory (J.3): relative paths with
 * no top-level folder, an entry for each folder before its contents, Unix modes, the action's
 * exclusions applied.
 */
export const zipFiles = (files: ArchiveFiles, options: ZipFilesOptions = {}): Uint8Array => {
  const { directories = true, actionExcludes = true, level = 6 } = options;
  type Entry = [Uint8Array, { os: number; attrs: number; level: DeflateLevel }];
  const entries: Record<string, Entry> = {};
  for (const [path, content] of Object.entries(files)) {
    // Folders stay even when everything in them is excluded, as with `zip -r -x`.
    if (directories) {
      for (const folder of parentFolders(path)) {
        if (actionExcludes && isExcludedByAction(folder)) continue;
        entries[folder] ??= [new Uint8Array(0), { os: UNIX, attrs: DIRECTORY_ATTRIBUTES, level: 0 }];
      }
    }
    if (actionExcludes && isExcludedByAction(path)) continue;
    entries[path] = [bytesOf(content), { os: UNIX, attrs: FILE_ATTRIBUTES, level }];
  }
  return zipSync(entries);
};

const collect = (build: (zip: Zip) => void): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const zip = new Zip((error, chunk, final) => {
      if (error) return reject(error);
      chunks.push(chunk);
      if (final) resolve(concat(chunks));
    });
    build(zip);
    zip.end();
  });

const concat = (chunks: readonly Uint8Array[]): Uint8Array => {
  const joined = new Uint8Array(chunks.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of chunks) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
};

/**
 * A zip of exactly these entries, in this order, names untouched: for hostile archives such as the
 * same name twice, `../x` or `C:/x`.
 */
export const zipEntries = (
  entries: ReadonlyArray<readonly [name: string, content: string | Uint8Array]>,
): Promise<Uint8Array> =>
  collect((zip) => {
    for (const [name, content] of entries) {
      const entry = new ZipDeflate(name, { level: 6 });
      entry.os = UNIX;
      entry.attrs = FILE_ATTRIBUTES;
      zip.add(entry);
      entry.push(bytesOf(content), true);
    }
  });

/** A zip whose entry `linkName` is a Unix symbolic link pointing at `target`. */
export const zipWithSymlink = (files: ArchiveFiles, linkName: string, target: string): Uint8Array => {
  const entries: Record<string, [Uint8Array, { os: number; attrs: number }]> = {};
  for (const [path, content] of Object.entries(files))
    entries[path] = [bytesOf(content), { os: UNIX, attrs: FILE_ATTRIBUTES }];
  entries[linkName] = [strToU8(target), { os: UNIX, attrs: SYMLINK_ATTRIBUTES }];
  return zipSync(entries);
};

/**
 * A zip whose entries inflate to the given numbers of zero bytes (about 1 KB of zip per MB expanded).
 * Built in 1 MiB steps, so making it never holds the expanded data.
 */
export const zipOfZeros = (entries: Readonly<Record<string, number>>): Promise<Uint8Array> =>
  collect((zip) => {
    const step = new Uint8Array(1024 * 1024);
    for (const [name, expandedBytes] of Object.entries(entries)) {
      const entry = new ZipDeflate(name, { level: 9 });
      zip.add(entry);
      if (expandedBytes === 0) entry.push(new Uint8Array(0), true);
      for (let written = 0; written < expandedBytes; written += step.length) {
        const size = Math.min(step.length, expandedBytes - written);
        entry.push(step.subarray(0, size), written + size >= expandedBytes);
      }
    }
  });

/** A zip bomb: one entry of `expandedBytes` zeros. */
export const zipBomb = (expandedBytes: number, name = "dist/index.html"): Promise<Uint8Array> =>
  zipOfZeros({ [name]: expandedBytes });
