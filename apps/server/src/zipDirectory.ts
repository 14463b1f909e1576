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

/** Every entry a deploy of `directory` would hold, as archive paths (directories end in `/`), sorted. */
export const deployFiles = (directory: string): string[] => {
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
        if (isExcludedFromDeploy(path)) continue;
        found.push(path);
        walk(child, path);
      } else if (kind.isFile()) {
        const path = `${prefix}${entry.name}`;
        if (!isExcludedFromDeploy(path)) found.push(path);
      }
    }
    visiting.delete(real);
  };
  walk(directory, "");
  return found.sort();
};

/** The deploy zip of a directory. */
export const zipDirectory = (directory: string): Uint8Array => {
  const entries: Record<string, Uint8Array> = {};
  for (const path of deployFiles(directory)) {
    entries[path] = path.endsWith("/")
      ? new Uint8Array(0)
      : new Uint8Array(readFileSync(join(directory, path)));
  }
  return zipSync(entries, { level: 6 });
};
