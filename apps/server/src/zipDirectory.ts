/** Zips a directory the way the official deploy action does (J.3 step 7): relative paths, same exclusions. */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { zipSync } from "fflate";

/** J.3: `.git/*`, `node_modules` up to two levels deep, `.wrangler` up to two levels deep, `dist/.vite/*`. */
export const isExcludedFromDeploy = (path: string): boolean => {
  const segments = path.split("/");
  if (segments[0] === ".git") return true;
  if (path.startsWith("dist/.vite/")) return true;
  for (const name of ["node_modules", ".wrangler"]) {
    const at = segments.indexOf(name);
    if (at >= 0 && at <= 2 && at < segments.length - 1) return true;
  }
  return false;
};

/** Every file under `directory` that a deploy would include, as archive paths. */
export const deployFiles = (directory: string): string[] => {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const absolute = join(current, entry.name);
      const path = relative(directory, absolute).split(sep).join("/");
      if (entry.isDirectory()) {
        if (!isExcludedFromDeploy(`${path}/x`)) walk(absolute);
      } else if (entry.isFile() && !isExcludedFromDeploy(path)) {
        found.push(path);
      }
    }
  };
  walk(directory);
  return found.sort();
};

/** The deploy zip of a directory. */
export const zipDirectory = (directory: string): Uint8Array => {
  const files: Record<string, Uint8Array> = {};
  for (const path of deployFiles(directory)) {
    files[path] = new Uint8Array(readFileSync(join(directory, path)));
  }
  return zipSync(files, { level: 6 });
};
