/** The app-scoped repo slug that identifies one application of a monorepo everywhere (B.6). */
import { hash7 } from "./hash.js";
import { sanitizeScriptPart } from "./slug.js";

const MAX_READABLE_LENGTH = 48;

/**
 * The repo slug itself when the application is empty or equals it; otherwise
 * `<repo>-app-<readable>-<hash7(repo \0 application)>`, readable being the script part cut to 48 chars.
 */
export const applicationScopedRepoSlug = (repoSlug: string, application: string): string => {
  if (application === "" || application === repoSlug) return repoSlug;
  const readable = sanitizeScriptPart(application).slice(0, MAX_READABLE_LENGTH).replace(/-+$/, "");
  return `${repoSlug}-app-${readable}-${hash7(`${repoSlug}\0${application}`)}`;
};
