/**
 * What the official deploy action leaves out of the zip (J.3 step 7): its `zip -x` patterns, matched
 * the way Info-ZIP matches them. `*` also matches `/` (zip runs without -ws), so `*\/node_modules/*`
 * drops `node_modules` folders at every depth, not only the second level the spec's text suggests.
 */

/** The `-x` patterns of the official action, in its order. */
export const ACTION_EXCLUDE_PATTERNS: readonly string[] = [
  ".git/*",
  "node_modules/*",
  "*/node_modules/*",
  "*/*/node_modules/*",
  ".wrangler/*",
  "*/.wrangler/*",
  "*/*/.wrangler/*",
  "dist/.vite/*",
];

const toRegExp = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, "\\$&").replaceAll("*", ".*")}$`, "s");
const EXCLUDES = ACTION_EXCLUDE_PATTERNS.map(toRegExp);

/** Whether the action leaves this archive path out (folders are given with a trailing `/`). */
export const isExcludedByAction = (path: string): boolean => EXCLUDES.some((pattern) => pattern.test(path));
