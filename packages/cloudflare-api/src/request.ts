/**
 * One Cloudflare API request as an Effect: authorization, the envelope, decoding of `result`, retries with
 * backoff on 429/5xx/no answer, and a `CloudflareApiError` naming the call when it fails. Only `fetch`,
 * `AbortSignal` and `FormData` are used, so it runs in Node and inside a Worker alike.
 */
import { Effect, Result, Schema } from "effect";
import { CloudflareApiError, isRetryable } from "./errors.js";
import { type CloudflareMessage, Envelope, type ResultInfo } from "./schemas.js";

export const DEFAULT_CLOUDFLARE_API_URL = "https://api.cloudflare.com/client/v4";

export interface RetryOptions {
  /** How many times a call is made in all before it gives up (default 4). */
  readonly attempts?: number | undefined;
  /** The first backoff; it doubles with every attempt, with jitter (default 200 ms). */
  readonly baseDelayMs?: number | undefined;
  /** The longest wait between two attempts, also for a `Retry-After` (default 30 s). */
  readonly maxDelayMs?: number | undefined;
}

export interface RequestContext {
  readonly baseUrl: string;
  readonly apiToken: string;
  readonly fetch: typeof fetch;
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly timeoutMs: number;
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ApiRequest<A> {
  /** The client method, for errors (`kv.createNamespace`). */
  readonly call: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>> | undefined;
  readonly json?: unknown;
  readonly form?: FormData | undefined;
  readonly result: Schema.Decoder<A>;
}

export interface ApiAnswer<A> {
  readonly result: A;
  readonly resultInfo: ResultInfo | undefined;
}

const scrub = (text: string, token: string): string =>
  token === "" ? text : text.split(token).join("<api token>");

const reasonOf = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message !== ""
    ? `${error.message}: ${cause.message}`
    : error.message;
};

const describeErrors = (errors: ReadonlyArray<CloudflareMessage>): string =>
  errors.map((error) => `${error.message} (code ${error.code})`).join("; ");

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), if it is there and sane. */
export const retryAfterMs = (header: string | null, now: number = Date.now()): number | undefined => {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};

/** Exponential backoff with jitter: a random wait in [half, full] of `base * 2^(attempt-1)`, capped. */
export const backoffMs = (attempt: number, baseDelayMs: number, maxDelayMs: number): number => {
  const full = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return full / 2 + Math.random() * (full / 2);
};

const urlOf = (context: RequestContext, request: ApiRequest<unknown>): string => {
  const url = new URL(context.baseUrl.replace(/\/+$/, "") + request.path);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
};

interface Failure {
  readonly error: CloudflareApiError;
  readonly retryAfterMs: number | undefined;
}

const attemptOnce = <A>(
  context: RequestContext,
  request: ApiRequest<A>,
): Effect.Effect<ApiAnswer<A>, Failure> => {
  const fail = (
    status: number,
    reason: CloudflareApiError["reason"],
    errors: ReadonlyArray<CloudflareMessage>,
    why: string,
    retryAfter?: number,
  ): Effect.Effect<never, Failure> =>
    Effect.fail({
      error: new CloudflareApiError({
        call: request.call,
        method: request.method,
        path: request.path,
        status,
        reason,
        errors: errors.map((error) => ({
          code: error.code,
          message: scrub(error.message, context.apiToken),
        })),
        message: scrub(
          `Cloudflare API call ${request.call} (${request.method} ${request.path}) failed: ${why}`,
          context.apiToken,
        ),
      }),
      retryAfterMs: retryAfter,
    });

  return Effect.gen(function* () {
    const headers: Record<string, string> = { authorization: `Bearer ${context.apiToken}` };
    let body: string | FormData | undefined;
    if (request.form !== undefined) body = request.form;
    else if (request.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.json);
    }
    const fetched = yield* Effect.tryPromise({
      try: async (signal) => {
        const response = await context.fetch(urlOf(context, request), {
          method: request.method,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.any([signal, AbortSignal.timeout(context.timeoutMs)]),
        });
        return { response, text: await response.text() };
      },
      catch: (error) => error,
    }).pipe(
      Effect.catch((error) =>
        fail(
          0,
          "unreachable",
          [],
          error instanceof DOMException && error.name === "TimeoutError"
            ? `no answer within ${context.timeoutMs} ms`
            : `no answer (${reasonOf(error)})`,
        ),
      ),
    );
    const { response, text } = fetched;
    const status = response.status;
    const retryAfter = retryAfterMs(response.headers.get("retry-after"));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const what = response.ok ? "the answer is not JSON" : `HTTP ${status}, and the answer is not JSON`;
      return yield* fail(status, response.ok ? "invalid_response" : "refused", [], what, retryAfter);
    }
    const envelope = Schema.decodeUnknownResult(Envelope)(json);
    if (Result.isFailure(envelope)) {
      return yield* fail(
        status,
        response.ok ? "invalid_response" : "refused",
        [],
        `HTTP ${status}, and the answer is not a Cloudflare API envelope`,
        retryAfter,
      );
    }
    const { success, errors, result, result_info } = envelope.success;
    if (!response.ok || !success) {
      const what = errors.length > 0 ? describeErrors(errors) : "no error details";
      return yield* fail(status, "refused", errors, `HTTP ${status}: ${what}`, retryAfter);
    }
    const decoded = Schema.decodeUnknownResult(request.result)(result);
    if (Result.isFailure(decoded)) {
      return yield* fail(
        status,
        "invalid_response",
        [],
        `the result does not have the documented shape: ${decoded.failure.message}`,
      );
    }
    return { result: decoded.success, resultInfo: result_info };
  });
};

/** Run `request`, retrying 429, 5xx and network failures with backoff, up to `attempts` in all. */
export const runRequest = <A>(
  context: RequestContext,
  request: ApiRequest<A>,
): Effect.Effect<ApiAnswer<A>, CloudflareApiError> => {
  const loop = (attempt: number): Effect.Effect<ApiAnswer<A>, CloudflareApiError> =>
    attemptOnce(context, request).pipe(
      Effect.catch((failure: Failure) => {
        if (!isRetryable(failure.error)) return Effect.fail(failure.error);
        if (attempt >= context.attempts) {
          const { error } = failure;
          return Effect.fail(
            attempt === 1
              ? error
              : new CloudflareApiError({
                  call: error.call,
                  method: error.method,
                  path: error.path,
                  status: error.status,
                  reason: error.reason,
                  errors: error.errors,
                  message: `${error.message} (gave up after ${attempt} attempts)`,
                }),
          );
        }
        const wait =
          failure.retryAfterMs !== undefined
            ? Math.min(failure.retryAfterMs, context.maxDelayMs)
            : backoffMs(attempt, context.baseDelayMs, context.maxDelayMs);
        return Effect.sleep(wait).pipe(Effect.andThen(() => loop(attempt + 1)));
      }),
    );
  return loop(1);
};
