/** Turns raw zip entry names into the archive paths W7S keeps, rejecting unsafe ones (B.4, DECISIONS 5). */
import { Result } from "effect";
import { BadRequest } from "../errors/httpErrors.js";

/** What an adapter saw an entry to be, from its zip attributes. */
export type ArchiveEntryKind = "file" | "directory" | "symlink";

const MAX_SHOWN_NAME_LENGTH = 200;

/**
 * An entry name as shown inside an error message: in double quotes, control characters written as `\u00XX`
 * (so a NUL or newline cannot break a log line) and cut after 200 characters.
 */
export const quoteEntryName = (name: string): string => {
  const shown = name.length > MAX_SHOWN_NAME_LENGTH ? `${name.slice(0, MAX_SHOWN_NAME_LENGTH)}…` : name;
  const escaped = shown.replace(
    /[\u0000-\u001f\u007f]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `"${escaped}"`;
};

/** The exact 400 texts of the entry-name rules; each names the entry as the archive spelled it. */
export const archiveEntryMessages = {
  nulByte: (name: string) => `Deploy archive entry ${quoteEntryName(name)} contains a NUL byte.`,
  link: (name: string) => `Deploy archive entry ${quoteEntryName(name)} is a symbolic link.`,
  absolutePath: (name: string) => `Deploy archive entry ${quoteEntryName(name)} has an absolute path.`,
  escapesRoot: (name: string) => `Deploy archive entry ${quoteEntryName(name)} escapes the archive root.`,
} as const;

const rejectEntry = (message: string): Result.Result<never, BadRequest> =>
  Result.fail(new BadRequest({ message }));

/** A Windows drive such as `C:` or `c:x` at the start of a path. */
const DRIVE_PREFIX = /^[A-Za-z]:/;

/** A leading `/` (also `\` and UNC `\\host`, once turned into `/`) or a drive. */
const isAbsolute = (slashed: string): boolean => slashed.startsWith("/") || DRIVE_PREFIX.test(slashed);

/**
 * The archive path of one entry: `\` becomes `/`, empty and `.` segments go, and `..` removes the segment
 * before it. Succeeds with `null` for directories (names ending in `/` included) and for names that
 * normalize to nothing, which are not stored. Rejects with a 400 naming the entry: NUL bytes, links,
 * absolute paths (`/etc/passwd`, `C:\x`) and `..` that would climb above the root (`../x`, `a/../../x`).
 * Directories are checked too, so a hostile name is rejected whatever kind it claims to be.
 */
export const checkEntryPath = (
  rawName: string,
  kind: ArchiveEntryKind,
): Result.Result<string | null, BadRequest> => {
  if (rawName.includes("\u0000")) return rejectEntry(archiveEntryMessages.nulByte(rawName));
  if (kind === "symlink") return rejectEntry(archiveEntryMessages.link(rawName));
  const slashed = rawName.replaceAll("\\", "/");
  if (isAbsolute(slashed)) return rejectEntry(archiveEntryMessages.absolutePath(rawName));
  const segments: string[] = [];
  for (const segment of slashed.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") {
      segments.push(segment);
    } else if (segments.pop() === undefined) {
      return rejectEntry(archiveEntryMessages.escapesRoot(rawName));
    }
  }
  // `./C:/x` must not become the drive path `C:/x` once normalized.
  if (DRIVE_PREFIX.test(segments[0] ?? "")) return rejectEntry(archiveEntryMessages.absolutePath(rawName));
  if (kind === "directory" || slashed.endsWith("/") || segments.length === 0) return Result.succeed(null);
  return Result.succeed(segments.join("/"));
};

/** Top-level folders that are W7S layout roots and therefore never stripped as a wrapper folder. */
export const UNSTRIPPED_ROOTS: ReadonlySet<string> = new Set([
  "worker",
  "frontend",
  "backend",
  "dist",
  "build",
  "out",
  "db",
  ".github",
]);

/** The outcome of common-root stripping: the stripped folder (or `null`) and the paths in input order. */
export interface StrippedPaths {
  readonly root: string | null;
  readonly paths: readonly string[];
}

/**
 * GitHub zipball style unwrapping (B.4): when every path has at least two segments and all share one
 * top-level folder that is not a layout root (`worker`, `frontend`, `backend`, `dist`, `build`, `out`, `db`,
 * `.github`), that folder is removed from every path, one level only. Expects normalized paths.
 */
export const stripCommonRoot = (paths: readonly string[]): StrippedPaths => {
  const unchanged: StrippedPaths = { root: null, paths };
  let root: string | undefined;
  for (const path of paths) {
    const slash = path.indexOf("/");
    if (slash <= 0) return unchanged;
    const topLevel = path.slice(0, slash);
    if (root === undefined) root = topLevel;
    else if (topLevel !== root) return unchanged;
  }
  if (root === undefined || UNSTRIPPED_ROOTS.has(root)) return unchanged;
  const prefixLength = root.length + 1;
  return { root, paths: paths.map((path) => path.slice(prefixLength)) };
};
