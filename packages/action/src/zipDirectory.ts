/**
 * Zips a directory the way the official deploy action does (J.3 step 7): `zip -qr <archive> .` from the
 * directory with the action's `-x` patterns. Paths are relative; directories get their own entries.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { ACTION_EXCLUDE_PATTERNS, isExcludedByAction } from "@w7s/core";
import { zipSync } from "fflate";

export { ACTION_EXCLUDE_PATTERNS };

/** Whether the action leaves this archive path out (directories are given with a trailing `/`). */
export const isExcludedFromDeploy = isExcludedByAction;

/**
 * Every entry a deploy of `directory` would hold, as archive paths (directories end in `/`), sorted.
 * `skip` leaves out more paths (and, for folders, everything under them): `w7s dev` skips its data folder.
 */
export const deployFiles = (directory: string, skip?: (path: string) => boolean): string[] => {
  const found: string[] = [];
  const visiting = new Set<string>();
  const walk = (absolute: string, prefix: string) => {
    const real = realpathSync(absolute);
    if (visiting.has(real)) return; // a link back to an enclosing folder
    visiting.add(real);
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      const child = join(absolute, entry.name);
      // zip -r follows symbolic links (no -y), so a link is stored as what it points to.
      const kind = entry.isSymbolicLink() ? statSync(child, { throwIfNoEntry: false }) : entry;
      if (kind === undefined) continue;
      if (kind.isDirectory()) {
        const path = `${prefix}${entry.name}/`;
        if (isExcludedFromDeploy(path) || skip?.(path)) continue;
        found.push(path);
        walk(child, path);
      } else if (kind.isFile()) {
        const path = `${prefix}${entry.name}`;
        if (!isExcludedFromDeploy(path) && !skip?.(path)) found.push(path);
      }
    }
    visiting.delete(real);
  };
  walk(directory, "");
  return found.sort();
};

/** How far packaging has got: files read so far, their bytes, and the time since it started. */
export interface PackagingProgress {
  readonly files: number;
  readonly totalFiles: number;
  readonly bytes: number;
  readonly elapsedMs: number;
}

/** A packaged directory: the zip, the files (not folders) it holds, and their uncompressed bytes. */
export interface PackagedDirectory {
  readonly zip: Uint8Array;
  readonly files: readonly string[];
  readonly uncompressedBytes: number;
}

/** The deploy zip of a directory, reporting progress after each file read. */
export const packageDirectory = (
  directory: string,
  onProgress?: (progress: PackagingProgress) => void,
): PackagedDirectory => {
  const started = Date.now();
  const paths = deployFiles(directory);
  const files = paths.filter((path) => !path.endsWith("/"));
  const entries: Record<string, Uint8Array> = {};
  let bytes = 0;
  let read = 0;
  for (const path of paths) {
    if (path.endsWith("/")) {
      entries[path] = new Uint8Array(0);
      continue;
    }
    const content = new Uint8Array(readFileSync(join(directory, path)));
    entries[path] = content;
    bytes += content.byteLength;
    read += 1;
    onProgress?.({ files: read, totalFiles: files.length, bytes, elapsedMs: Date.now() - started });
  }
  return { zip: zipSync(entries, { level: 6 }), files, uncompressedBytes: bytes };
};

/** The deploy zip of a directory. */
export const zipDirectory = (directory: string): Uint8Array => packageDirectory(directory).zip;
