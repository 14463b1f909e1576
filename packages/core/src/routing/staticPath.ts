/** Which manifest entries a repo path may address, and when a miss falls back to the SPA index (D.2, D.3). */

/** Backslashes become slashes, slash runs collapse, leading slashes go: the manifest's route-path form. */
export const normalizeRoutePath = (path: string): string =>
  path
    .replaceAll("\\", "/")
    .replace(/\/{2,}/g, "/")
    .replace(/^\//, "");

const decodePercent = (path: string): string | undefined => {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
};

/**
 * The route path a repo path names after percent-decoding (DECISIONS 10), or `undefined` when it can name
 * no file: malformed percent-encoding, a NUL byte, or a `..` segment (never a way out of the site).
 */
export const decodeRoutePath = (repoPath: string): string | undefined => {
  const decoded = decodePercent(repoPath);
  if (decoded === undefined || decoded.includes("\u0000")) return undefined;
  const routePath = normalizeRoutePath(decoded);
  return routePath.split("/").includes("..") ? undefined : routePath;
};

/**
 * The manifest keys to try for a repo path, first hit wins (D.3): the path itself (`index.html` for the
 * root), then its `index.html`. `/docs/` tries `docs/` then `docs/index.html`, so a file named `docs`
 * never shadows the folder's index.
 */
export const staticLookupCandidates = (repoPath: string): readonly string[] => {
  const routePath = decodeRoutePath(repoPath);
  if (routePath === undefined) return [];
  if (routePath === "") return ["index.html"];
  return [routePath, routePath.endsWith("/") ? `${routePath}index.html` : `${routePath}/index.html`];
};

const fileExtension = /\.[a-z0-9]{1,12}$/i;

/** Path segments scanners probe; a miss under them is a 404, never the app's index. */
const SCANNER_SEGMENTS: ReadonlySet<string> = new Set([
  "admin",
  "cgi-bin",
  "phpmyadmin",
  "vendor",
  "wp",
  "wp-admin",
  "wp-content",
  "wp-includes",
  "wordpress",
]);

/**
 * True when a missed path may be answered with the root `index.html` (D.2): the root, or a path whose last
 * segment has no file extension and none of whose segments is hidden (`.env`) or a scanner target.
 */
export const shouldServeSpaFallback = (path: string): boolean => {
  const segments = normalizeRoutePath(path)
    .split("/")
    .filter((segment) => segment !== "");
  const last = segments.at(-1);
  if (last === undefined) return true;
  if (fileExtension.test(last)) return false;
  return !segments.some((segment) => segment.startsWith(".") || SCANNER_SEGMENTS.has(segment.toLowerCase()));
};
