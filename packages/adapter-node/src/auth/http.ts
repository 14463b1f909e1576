/** One GET with a deadline; failures are values, so callers word them for their own upstream. */
import { Effect } from "effect";

/** `fetch` as this module calls it (a plain function, so no `this` binding is needed). */
export type RepoAuthFetch = (url: string, init: RequestInit) => Promise<Response>;

export type HttpFailure =
  | { readonly kind: "network"; readonly message: string }
  | { readonly kind: "timeout"; readonly afterMs: number };

const describeNetworkError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause === undefined || cause === error.message ? error.message : `${error.message}: ${cause}`;
};

export const httpGet = (
  doFetch: RepoAuthFetch,
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Effect.Effect<Response, HttpFailure> =>
  Effect.tryPromise({
    try: (signal) =>
      doFetch(url, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) }),
    catch: (error): HttpFailure =>
      error instanceof Error && error.name === "TimeoutError"
        ? { kind: "timeout", afterMs: timeoutMs }
        : { kind: "network", message: describeNetworkError(error) },
  });

/** The body as JSON, or `undefined` when it is not JSON. */
export const readJson = (response: Response): Effect.Effect<unknown> =>
  Effect.promise(() => response.json().catch(() => undefined));
