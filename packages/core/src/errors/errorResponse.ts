/** The one place that turns platform errors into HTTP status, headers and the JSON error envelope. */
import {
  BadGateway,
  BadRequest,
  Conflict,
  type ErrorDetails,
  Forbidden,
  type HttpError,
  Internal,
  NotFound,
  PayloadTooLarge,
  PaymentRequired,
  RequestHeaderFieldsTooLarge,
  ServiceUnavailable,
  TooManyRequests,
  Unauthorized,
  UnsupportedMediaType,
} from "./httpErrors.js";

/** Content type of every JSON envelope the platform writes. */
export const jsonContentType = "application/json; charset=utf-8";

/** The text of the 500 answered for anything that is not a known platform error (nothing else leaks). */
export const internalErrorMessage = "Internal error.";

/** `{"status":"error","error":<message>,"details"?:{...}}` */
export interface ErrorEnvelope {
  readonly status: "error";
  readonly error: string;
  readonly details?: ErrorDetails;
}

/** `{"status":"success","data":...}` */
export interface SuccessEnvelope<A> {
  readonly status: "success";
  readonly data: A;
}

/** A response ready to hand to any runtime's `Response` constructor. */
export interface JsonResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

type ErrorClass<Tag extends HttpError["_tag"]> = abstract new (
  // biome-ignore lint/suspicious/noExplicitAny: constructor arguments do not matter for instanceof
  ...args: any
) => Extract<HttpError, { readonly _tag: Tag }>;

/** Status code and class of each error family: the single mapping every route uses. */
const httpErrorTable: {
  readonly [Tag in HttpError["_tag"]]: { status: number; errorClass: ErrorClass<Tag> };
} = {
  BadRequest: { status: 400, errorClass: BadRequest },
  Unauthorized: { status: 401, errorClass: Unauthorized },
  PaymentRequired: { status: 402, errorClass: PaymentRequired },
  Forbidden: { status: 403, errorClass: Forbidden },
  NotFound: { status: 404, errorClass: NotFound },
  Conflict: { status: 409, errorClass: Conflict },
  PayloadTooLarge: { status: 413, errorClass: PayloadTooLarge },
  UnsupportedMediaType: { status: 415, errorClass: UnsupportedMediaType },
  TooManyRequests: { status: 429, errorClass: TooManyRequests },
  RequestHeaderFieldsTooLarge: { status: 431, errorClass: RequestHeaderFieldsTooLarge },
  Internal: { status: 500, errorClass: Internal },
  BadGateway: { status: 502, errorClass: BadGateway },
  ServiceUnavailable: { status: 503, errorClass: ServiceUnavailable },
};

/** The HTTP status a platform error is answered with. */
export const httpStatusOf = (error: HttpError): number => httpErrorTable[error._tag].status;

/** True when `value` is an instance of one of the platform's HTTP error classes. */
export const isHttpError = (value: unknown): value is HttpError => {
  if (typeof value !== "object" || value === null || !("_tag" in value)) return false;
  const tag = value._tag;
  if (typeof tag !== "string" || !Object.hasOwn(httpErrorTable, tag)) return false;
  return value instanceof httpErrorTable[tag as HttpError["_tag"]].errorClass;
};

/** The error envelope for `error`; `details` appears only when the error has them. */
export const errorBody = (error: HttpError): ErrorEnvelope =>
  error.details === undefined
    ? { status: "error", error: error.message }
    : { status: "error", error: error.message, details: error.details };

/** The success envelope around `data`. */
export const successBody = <A>(data: A): SuccessEnvelope<A> => ({ status: "success", data });

/** `retry-after` is whole seconds and at least 1, as every 429 of the reference sends it. */
const retryAfterHeaderValue = (seconds: number): string =>
  String(Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : 1);

const serialize = (value: unknown): string | undefined => {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
};

/** Status, headers (content type, `retry-after` for 429) and JSON body for a platform error. */
export const errorResponse = (error: HttpError): JsonResponse => {
  const headers: Record<string, string> = { "content-type": jsonContentType };
  if (error._tag === "TooManyRequests")
    headers["retry-after"] = retryAfterHeaderValue(error.retryAfterSeconds);
  // Details that JSON cannot encode (cycles, bigint) are dropped rather than failing the response.
  const body =
    serialize(errorBody(error)) ??
    JSON.stringify({ status: "error", error: error.message } satisfies ErrorEnvelope);
  return { status: httpStatusOf(error), headers, body };
};

/** The answer for any thrown or failed value: known platform errors keep their status, anything else is a bare 500. */
export const errorResponseFromUnknown = (value: unknown): JsonResponse =>
  errorResponse(isHttpError(value) ? value : new Internal({ message: internalErrorMessage }));

/** A 200 (or `status`) JSON success response; data JSON cannot encode becomes the internal 500. */
export const successResponse = (data: unknown, status = 200): JsonResponse => {
  const body = serialize(successBody(data));
  return body === undefined
    ? errorResponseFromUnknown(undefined)
    : { status, headers: { "content-type": jsonContentType }, body };
};
