/** Path rules the manifest shares with the archive and custom domains: archive paths, D1 migrations, path prefixes. */

/**
 * Normalizes a path the way archive entries are (B.4): `\` becomes `/`, empty and `.` segments go, `..` pops
 * the previous segment without climbing out of the root. The result has no leading or trailing `/`.
 */
export const normalizeArchivePath = (path: string): string => {
  const segments: string[] = [];
  for (const segment of path.replaceAll("\\", "/").split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return segments.join("/");
};

/** The archive paths of a D1 binding's migrations: `.sql` files (any case) under `directory`, sorted (C notes). */
export const d1MigrationFiles = (directory: string, archivePaths: readonly string[]): readonly string[] => {
  const prefix = `${normalizeArchivePath(directory)}/`;
  return archivePaths
    .filter((path) => path.startsWith(prefix) && path.toLowerCase().endsWith(".sql"))
    .toSorted((left, right) => (left < right ? -1 : left > right ? 1 : 0));
};

/**
 * Normalizes a custom-domain path prefix (H.1): empty or `/` is `/`; anything else is resolved as a URL
 * pathname (leading `/` added, percent-encoded) without its trailing `/`. Returns undefined when the result
 * contains `//` or a `.`/`..` segment, which the URL parser would otherwise resolve away silently.
 */
export const normalizePathPrefix = (prefix: string): string | undefined => {
  const trimmed = prefix.trim();
  if (trimmed === "" || trimmed === "/") return "/";
  const rawSegments = trimmed.replace(/^\/+/u, "").split("/");
  if (rawSegments.some((segment) => isDotSegment(segment))) return undefined;
  let pathname: string;
  try {
    pathname = new URL(trimmed.startsWith("/") ? trimmed : `/${trimmed}`, "https://prefix.invalid").pathname;
  } catch {
    return undefined;
  }
  const withoutTrailingSlash = pathname.length > 1 ? pathname.replace(/\/+$/u, "") : pathname;
  if (withoutTrailingSlash.includes("//") || trimmed.startsWith("//")) return undefined;
  return withoutTrailingSlash === "" ? "/" : withoutTrailingSlash;
};

const isDotSegment = (segment: string): boolean => {
  const decoded = segment.toLowerCase().replaceAll("%2e", ".");
  return decoded === "." || decoded === "..";
};
