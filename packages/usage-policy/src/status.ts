/** How close a usage figure is to its limit: the `ok` / `warning` / `exceeded` status and the rounded ratio. */

export type UsageStatus = "ok" | "warning" | "exceeded";

/** `exceeded` above the limit, `warning` from `limit x threshold` up to the limit, else `ok` (F.4). */
export const usageStatus = (used: number, limit: number, threshold: number): UsageStatus => {
  if (used > limit) return "exceeded";
  return used >= limit * threshold ? "warning" : "ok";
};

/** A number rounded to four decimals, as usage ratios are reported. */
export const round4 = (value: number): number => Math.round(value * 10_000) / 10_000;
