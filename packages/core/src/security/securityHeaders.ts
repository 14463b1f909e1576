/**
 * The headers the platform adds to the responses it writes itself (API answers, its pages, its 4xx and
 * 429 answers), never to an app's files or its backend's responses, whose headers stay the app's own.
 */

/** What every platform-written response carries. */
export const PLATFORM_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
  "x-frame-options": "DENY",
  // The platform's pages use inline style attributes and nothing else: no scripts, frames, forms or fetches.
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/** `headers` plus the platform's security headers (a header already set is kept). */
export const withSecurityHeaders = (
  headers: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> => ({ ...PLATFORM_SECURITY_HEADERS, ...headers });

/** Sets the platform's security headers on a mutable `Headers`, keeping any already set. */
export const applySecurityHeaders = (headers: Headers): void => {
  for (const [name, value] of Object.entries(PLATFORM_SECURITY_HEADERS)) {
    if (!headers.has(name)) headers.set(name, value);
  }
};
