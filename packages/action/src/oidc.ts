/**
 * GitHub Actions OIDC tokens for the deploy (input `oidc: true`): asked for at the runner's
 * `ACTIONS_ID_TOKEN_REQUEST_URL` with `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, for the server's audience.
 */
import { requestJson } from "./http.js";

/** The exact texts of OIDC failures. */
export const oidcMessages = {
  unavailable:
    "oidc: true needs a GitHub Actions OIDC token, but ACTIONS_ID_TOKEN_REQUEST_URL is not set. Add `permissions: id-token: write` to the job.",
  failed: (status: number, detail: string) =>
    `Could not get a GitHub Actions OIDC token (HTTP ${status})${detail ? `: ${detail}` : "."}`,
  noValue: "The GitHub Actions OIDC token response had no token.",
} as const;

export class OidcError extends Error {
  override readonly name = "OidcError";
}

/** The audience a W7S server accepts by default for a deploy URL: its host (`w7s.cloud` for the hosted one). */
export const defaultOidcAudience = (deployUrl: string): string => new URL(deployUrl).hostname;

/** Requests a token for `audience`; throws `OidcError` with a message saying what to fix. */
export const requestOidcToken = async (input: {
  readonly requestUrl: string | undefined;
  readonly requestToken: string | undefined;
  readonly audience: string;
}): Promise<string> => {
  if (!input.requestUrl || !input.requestToken) throw new OidcError(oidcMessages.unavailable);
  const url = new URL(input.requestUrl);
  url.searchParams.set("audience", input.audience);
  const answer = await requestJson<{ value?: string; message?: string }>(url, {
    headers: { accept: "application/json; api-version=2.0", authorization: `Bearer ${input.requestToken}` },
  });
  if (answer.status < 200 || answer.status >= 300)
    throw new OidcError(oidcMessages.failed(answer.status, answer.body?.message ?? answer.raw.slice(0, 200)));
  const token = answer.body?.value;
  if (typeof token !== "string" || token === "") throw new OidcError(oidcMessages.noValue);
  return token;
};
