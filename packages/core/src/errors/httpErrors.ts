/** The tagged errors the platform answers HTTP requests with, one class per status family. */
import { Data } from "effect";

/** Structured extra information returned under `details` in the error envelope. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/** Fields every HTTP error carries: the exact user-facing text and optional details. */
export interface HttpErrorFields {
  readonly message: string;
  readonly details?: ErrorDetails;
}

/** 400: the request is malformed or fails validation. */
export class BadRequest extends Data.TaggedError("BadRequest")<HttpErrorFields> {}

/** 401: the bearer token is missing, invalid or does not grant access. */
export class Unauthorized extends Data.TaggedError("Unauthorized")<HttpErrorFields> {}

/** 402: the account must pay before the action is allowed (billing). */
export class PaymentRequired extends Data.TaggedError("PaymentRequired")<HttpErrorFields> {}

/** 403: the caller is known but not allowed to do this. */
export class Forbidden extends Data.TaggedError("Forbidden")<HttpErrorFields> {}

/** 404: the addressed deployment, route or record does not exist. */
export class NotFound extends Data.TaggedError("NotFound")<HttpErrorFields> {}

/** 409: the request names something that already exists (a workflow instance id). */
export class Conflict extends Data.TaggedError("Conflict")<HttpErrorFields> {}

/** 413: the request body exceeds a documented size cap. */
export class PayloadTooLarge extends Data.TaggedError("PayloadTooLarge")<HttpErrorFields> {}

/** 415: the request body has the wrong content type. */
export class UnsupportedMediaType extends Data.TaggedError("UnsupportedMediaType")<HttpErrorFields> {}

/** 429: a usage limit, burst window or suspension blocks the request; says when to retry. */
export class TooManyRequests extends Data.TaggedError("TooManyRequests")<
  HttpErrorFields & { readonly retryAfterSeconds: number }
> {}

/** 431: request headers (for example `x-w7s-vars`) are too large. */
export class RequestHeaderFieldsTooLarge extends Data.TaggedError(
  "RequestHeaderFieldsTooLarge",
)<HttpErrorFields> {}

/** 500: the platform failed in a way the caller cannot fix. */
export class Internal extends Data.TaggedError("Internal")<HttpErrorFields> {}

/** 502: an upstream the platform depends on (GitHub API, provider API) failed. */
export class BadGateway extends Data.TaggedError("BadGateway")<HttpErrorFields> {}

/** 503: a platform feature is not configured or temporarily unavailable. */
export class ServiceUnavailable extends Data.TaggedError("ServiceUnavailable")<HttpErrorFields> {}

/** Every error the HTTP surface knows how to answer with. */
export type HttpError =
  | BadRequest
  | Unauthorized
  | PaymentRequired
  | Forbidden
  | NotFound
  | Conflict
  | PayloadTooLarge
  | UnsupportedMediaType
  | TooManyRequests
  | RequestHeaderFieldsTooLarge
  | Internal
  | BadGateway
  | ServiceUnavailable;
