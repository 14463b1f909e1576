/** Runtime hostnames under the base domain, built from and parsed back to (owner, environments) (A.4, A.5, A.7). */
import { normalizeEnvironmentSlug, PRODUCTION } from "./environment.js";
import { normalizeSlug, sanitizeScriptPart } from "./slug.js";

/** First labels under the base domain that belong to the platform, never to an owner. */
export const RESERVED_HOST_LABELS: ReadonlySet<string> = new Set(["www", "api", "app"]);

/** An owner host or branch host: whose apps it serves, and which environments to try, in order. */
export interface RuntimeHost {
  readonly owner: string;
  readonly environments: readonly string[];
}

/** Trims, lowercases and drops a trailing `:<port>` from a `Host` value. */
export const cleanHost = (host: string): string => host.trim().toLowerCase().replace(/:\d+$/, "");

const cleanBaseDomain = (baseDomain: string): string => baseDomain.trim().toLowerCase();

/** The host of an owner's apps in an environment: `<owner>.<bd>`, or `<p(env)>--<owner>.<bd>` off production. */
export const runtimeHostname = (input: {
  readonly environment: string;
  readonly owner: string;
  readonly baseDomain: string;
}): string => {
  const baseDomain = cleanBaseDomain(input.baseDomain);
  return input.environment === PRODUCTION
    ? `${input.owner}.${baseDomain}`
    : `${sanitizeScriptPart(input.environment)}--${input.owner}.${baseDomain}`;
};

const isOwner = (owner: string): boolean => owner !== "" && !RESERVED_HOST_LABELS.has(owner);

/**
 * Parses a request host (A.5 as amended by DECISIONS 9: no legacy `dev-`/`staging-`/`preview-` prefixes).
 * `null` means a platform host: the apex, `www`/`api`/`app`, a host outside the base domain, or a label
 * that names no owner. A branch host `<env>--<owner>` splits at the LAST `--` and falls back to production.
 */
export const resolveRuntimeHost = (host: string, baseDomain: string): RuntimeHost | null => {
  const cleanedHost = cleanHost(host);
  const suffix = `.${cleanBaseDomain(baseDomain)}`;
  if (suffix === "." || !cleanedHost.endsWith(suffix)) return null;
  const label = cleanedHost.slice(0, -suffix.length);
  if (label === "" || RESERVED_HOST_LABELS.has(label)) return null;

  const separator = label.lastIndexOf("--");
  if (separator > 0) {
    const environment = normalizeEnvironmentSlug(label.slice(0, separator)) || PRODUCTION;
    const owner = normalizeSlug(label.slice(separator + 2));
    if (!isOwner(owner)) return null;
    return { owner, environments: environment === PRODUCTION ? [PRODUCTION] : [environment, PRODUCTION] };
  }
  const owner = normalizeSlug(label);
  return isOwner(owner) ? { owner, environments: [PRODUCTION] } : null;
};
