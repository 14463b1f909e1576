/** The bearer a local command sends: `--token`, else `W7S_TOKEN`, else `GITHUB_TOKEN`, else `gh auth token`. */
import { execFileSync } from "node:child_process";

export const tokenMessages = {
  missing:
    "No token: pass --token, set W7S_TOKEN or GITHUB_TOKEN, or sign in with the GitHub CLI (`gh auth login`) so that `gh auth token` prints one.",
} as const;

export const resolveToken = (
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  ghToken: () => string | undefined = () => {
    try {
      return (
        execFileSync("gh", ["auth", "token"], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
        }).trim() || undefined
      );
    } catch {
      return undefined;
    }
  },
): { readonly token: string; readonly source: string } | undefined => {
  if (explicit !== undefined && explicit !== "") return { token: explicit, source: "--token" };
  if (env.W7S_TOKEN) return { token: env.W7S_TOKEN, source: "W7S_TOKEN" };
  if (env.GITHUB_TOKEN) return { token: env.GITHUB_TOKEN, source: "GITHUB_TOKEN" };
  const fromGh = ghToken();
  return fromGh === undefined ? undefined : { token: fromGh, source: "gh auth token" };
};
