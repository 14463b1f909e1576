/** Small formatting helpers shared by the log lines and the step summaries. */

/** `1.5 MB`, `320 KB`, `12 B` (binary units, one decimal). */
export const formatBytes = (bytes: number): string => {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
};

/** `0.4 s`. */
export const formatSeconds = (milliseconds: number): string => `${(milliseconds / 1000).toFixed(1)} s`;

/** A value in backticks, `n/a` when missing. */
export const code = (value: unknown): string =>
  `\`${value === undefined || value === null ? "n/a" : String(value)}\``;

/** A value as text, `n/a` when missing. */
export const text = (value: unknown): string =>
  value === undefined || value === null ? "n/a" : String(value);

/** A table cell: pipes escaped, line breaks as `<br>`. */
export const cell = (value: unknown): string =>
  (value === undefined || value === null ? "" : String(value))
    .replaceAll("\\", "\\\\")
    .replaceAll("|", "\\|")
    .replace(/\r?\n/g, "<br>");

/** Whitespace runs collapsed, cut to `length` with `...[truncated]`. */
export const truncate = (value: string, length: number): string => {
  const normalized = value.replace(/\s+/g, " ").trim();
  return normalized.length > length ? `${normalized.slice(0, length - 14)}...[truncated]` : normalized;
};

/**
 * Calls `report` at most every `intervalMs`, and always for the last step (`done`), so that progress lines
 * stay readable in a CI log.
 */
export const throttled = <Progress>(
  report: (progress: Progress) => void,
  done: (progress: Progress) => boolean,
  intervalMs = 500,
): ((progress: Progress) => void) => {
  let last = 0;
  return (progress) => {
    const now = Date.now();
    if (done(progress) || now - last >= intervalMs) {
      last = now;
      report(progress);
    }
  };
};
