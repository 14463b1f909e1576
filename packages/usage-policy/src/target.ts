/** Who a usage figure belongs to: an environment of a repository, and the scopes limits are counted at. */

/** The repository and environment a usage event, policy or check is about (slugs as resolved by the caller). */
export interface UsageTarget {
  readonly environment: string;
  readonly orgSlug: string;
  readonly repoSlug: string;
}

/** The three scopes every limit is counted at: one repository, all repositories of its owner, the platform. */
export const LIMIT_SCOPES = ["repo", "owner", "global"] as const;

export type LimitScope = (typeof LIMIT_SCOPES)[number];

/** Units a request asks for: `floor(units)` when that is positive, else 1 (F.4, F.6). */
export const requestedUnitsOf = (units: number | undefined): number => {
  const whole = units === undefined ? Number.NaN : Math.floor(units);
  return Number.isFinite(whole) && whole > 0 ? whole : 1;
};

/** Units already used as read from storage: anything that is not a finite, non-negative number counts as 0. */
export const usedUnitsOf = (used: number | undefined): number =>
  used !== undefined && Number.isFinite(used) && used > 0 ? used : 0;
