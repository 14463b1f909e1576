/** Building deploy zips for scenarios: the action's layout (J.3), and the hostile ones. */
import { strToU8, Zip, ZipDeflate, zipSync } from "fflate";

export type ArchiveFiles = Readonly<Record<string, string | Uint8Array>>;

const bytesOf = (content: string | Uint8Array): Uint8Array =>
  typeof content === "string" ? strToU8(content) : content;

/** A zip of relative paths with no top-level folder, as the official action builds it. */
export const zipFiles = (files: ArchiveFiles): Uint8Array =>
  zipSync(Object.fromEntries(Object.entries(files).map(([path, content]) => [path, bytesOf(content)])), {
    level: 6,
  });

/** A zip whose entry `linkName` is a Unix symbolic link pointing at `target`. */
export const zipWithSymlink = (files: ArchiveFiles, linkName: string, target: string): Uint8Array => {
  const entries: Record<string, Uint8Array | [Uint8Array, { os: number; attrs: number }]> = {};
  for (const [path, content] of Object.entries(files)) entries[path] = bytesOf(content);
  entries[linkName] = [strToU8(target), { os: 3, attrs: (0o120777 << 16) >>> 0 }];
  return zipSync(entries as never);
};

/**
 * A small zip (about 100 KB per 100 MiB) whose one entry inflates to `expandedBytes` of zeros; built in
 * 1 MiB steps so the test never holds the expanded data.
 */
export const zipBomb = (expandedBytes: number, name = "dist/index.html"): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const zip = new Zip((error, chunk, final) => {
      if (error) return reject(error);
      chunks.push(chunk);
      if (final) {
        const total = chunks.reduce((sum, part) => sum + part.length, 0);
        const joined = new Uint8Array(total);
        let offset = 0;
        for (const part of chunks) {
          joined.set(part, offset);
          offset += part.length;
        }
        resolve(joined);
      }
    });
    const entry = new ZipDeflate(name, { level: 9 });
    zip.add(entry);
    const step = new Uint8Array(1024 * 1024);
    for (let written = 0; written < expandedBytes; written += step.length) {
      const size = Math.min(step.length, expandedBytes - written);
      entry.push(step.subarray(0, size), written + size >= expandedBytes);
    }
    zip.end();
  });
