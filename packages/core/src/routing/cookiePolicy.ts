/** The one cookie rule of the platform (D.1 step 1): apps may not set cookies for the whole base domain. */

const cookieDomains = (setCookie: string): string[] =>
  setCookie
    .split(";")
    .slice(1)
    .flatMap((attribute) => {
      const separator = attribute.indexOf("=");
      if (separator < 0 || attribute.slice(0, separator).trim().toLowerCase() !== "domain") return [];
      return [
        attribute
          .slice(separator + 1)
          .trim()
          .replace(/^\./, "")
          .toLowerCase(),
      ];
    });

/**
 * Drops every `Set-Cookie` value with a `Domain` attribute (any case, leading `.` ignored) equal to the base
 * domain; host-only cookies and other domains pass. A cookie is dropped when ANY of its `Domain` attributes
 * matches, since browsers honour the last one. Returns the input array itself when nothing is dropped, so
 * a caller can leave the response untouched.
 */
export const stripBaseDomainCookies = (
  setCookies: readonly string[],
  baseDomain: string,
): readonly string[] => {
  const domain = baseDomain.trim().toLowerCase();
  const kept = setCookies.filter((setCookie) => !cookieDomains(setCookie).includes(domain));
  return kept.length === setCookies.length ? setCookies : kept;
};
