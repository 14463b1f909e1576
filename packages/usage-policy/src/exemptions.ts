/** Organisations an operator exempts from limits, parsed from a comma list; there are none by default (F.7). */
import { normalizeSlug } from "@w7s/env-naming";

/** Normalized owner slugs exempt from daily checks, burst checks, suspensions and deploy shape caps. */
export type ExemptOrgs = ReadonlySet<string>;

/** The exempt owners named in a comma list such as `W7S_LIMIT_EXEMPT_ORGS`; an absent list exempts nobody. */
export const parseExemptOrgs = (commaList: string | undefined): ExemptOrgs =>
  new Set(
    (commaList ?? "")
      .split(",")
      .map(normalizeSlug)
      .filter((slug) => slug.length > 0),
  );

/** True when the owner is exempt; the comparison ignores case and slug spelling differences. */
export const isExempt = (exemptOrgs: ExemptOrgs | undefined, orgSlug: string): boolean =>
  exemptOrgs !== undefined && exemptOrgs.size > 0 && exemptOrgs.has(normalizeSlug(orgSlug));
