/**
 * The one error every Cloudflare API call fails with: which call, which request, and why, in Cloudflare's
 * own words when it answered. The API token is never part of it (it travels only in a header, and every
 * text taken from a thrown error is scrubbed of it before it lands here).
 */
import { Schema } from "effect";
import { CloudflareMessage } from "./schemas.js";

/**
 * Why a call failed: `refused` (Cloudflare answered with an error status or `success: false`),
 * `unreachable` (no answer: network error or timeout) or `invalid_response` (an answer that is not the
 * documented envelope or whose `result` does not have the documented shape).
 */
export const CloudflareApiErrorReason = Schema.Literals(["refused", "unreachable", "invalid_response"]);
export type CloudflareApiErrorReason = typeof CloudflareApiErrorReason.Type;

export class CloudflareApiError extends Schema.TaggedError<CloudflareApiError>()("CloudflareApiError", {
  /** The client method, e.g. `kv.createNamespace`. */
  call: Schema.String,
  method: Schema.String,
  /** The path below the base URL, without the query. */
  path: Schema.String,
  /** The HTTP status, 0 when there was no answer. */
  status: Schema.Number,
  reason: CloudflareApiErrorReason,
  /** Cloudflare's `errors` of the answer (empty when there was none). */
  errors: Schema.Array(CloudflareMessage),
  message: Schema.String,
}) {}

/** True for the failures worth trying again: 429, 5xx and no answer at all. */
export const isRetryable = (error: CloudflareApiError): boolean =>
  error.reason === "unreachable" || error.status === 429 || error.status >= 500;

/** True when Cloudflare answered 404 (the resource is not there). */
export const isNotFound = (error: CloudflareApiError): boolean => error.status === 404;
