/**
 * R2's refusals as workerd's R2 binding reads them: an HTTP status plus a `cf-r2-error` header holding
 * `{version, v4code, message}`, which the binding turns into the app's `Error("<op>: <message> (<code>)")`.
 * Codes and texts are R2's (the v4 API code space).
 */

/** R2 limits (https://developers.cloudflare.com/r2/platform/limits/). */
export const FS_LIMITS = {
  keyBytes: 1024,
  customMetadataBytes: 2048,
  /** A single put: 5 GiB minus 5 MiB. */
  objectBytes: 5 * 1024 ** 3 - 5 * 1024 ** 2,
  /** One part of a multipart upload. */
  partBytes: 5 * 1024 ** 3,
  /** Every part but the last. */
  minPartBytes: 5 * 1024 ** 2,
  listKeys: 1000,
  deleteKeys: 1000,
} as const;

export type FsLimits = { readonly [Name in keyof typeof FS_LIMITS]: number };

export const STORAGE_CLASSES: ReadonlySet<string> = new Set(["Standard", "InfrequentAccess"]);

/** The object an R2 refusal may carry (a failed `onlyIf` of `get` still describes the object). */
export type FailureObject = Record<string, unknown>;

export class R2Failure extends Error {
  readonly status: number;
  readonly v4code: number;
  /** Sent as the body, as R2 does for a failed precondition of `get`/`head`. */
  readonly object: FailureObject | undefined;
  constructor(status: number, v4code: number, message: string, object?: FailureObject) {
    super(message);
    this.status = status;
    this.v4code = v4code;
    this.object = object;
  }
}

const failure =
  (status: number, v4code: number, message: string) =>
  (object?: FailureObject): R2Failure =>
    new R2Failure(status, v4code, message, object);

export type DigestName = "MD5" | "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";

export const r2Errors = {
  internal: failure(500, 10001, "We encountered an internal error. Please try again."),
  noSuchKey: failure(404, 10007, "The specified key does not exist."),
  entityTooSmall: failure(
    400,
    10011,
    "Your proposed upload is smaller than the minimum allowed object size.",
  ),
  metadataTooLarge: failure(400, 10012, "Your metadata headers exceed the maximum allowed metadata size."),
  invalidObjectName: failure(400, 10020, "The specified object name is not valid."),
  invalidMaxKeys: failure(400, 10022, "MaxKeys params must be positive integer <= 1000."),
  noSuchUpload: failure(400, 10024, "The specified multipart upload does not exist."),
  invalidPart: failure(400, 10025, "One or more of the specified parts could not be found."),
  invalidArgument: (message: string) => new R2Failure(400, 10029, message),
  preconditionFailed: failure(412, 10031, "At least one of the pre-conditions you specified did not hold."),
  badDigest: (algorithm: DigestName, provided: string, actual: string) =>
    new R2Failure(
      400,
      10037,
      `The ${algorithm} checksum you specified did not match what we received.\nYou provided a ${algorithm} checksum with value: ${provided}\nActual ${algorithm} was: ${actual}`,
    ),
  invalidRange: failure(416, 10039, "The requested range is not satisfiable"),
  invalidStorageClass: failure(400, 10040, "The storage class you specified is not valid."),
  badUpload: failure(500, 10048, "There was a problem with the multipart upload."),
  entityTooLarge: failure(400, 100100, "Your proposed upload exceeds the maximum allowed object size."),
} as const;

export const r2Messages = {
  badRequest: "Metadata missing or invalid",
  tooManyKeys: `You can delete at most ${FS_LIMITS.deleteKeys} keys at once.`,
  badCursor: "The cursor is not valid.",
  incompleteBody: "The request body ended before its declared length.",
  ssecUnsupported: "Server-side encryption with customer-provided keys is not supported by this server.",
} as const;

/** The header value workerd's binding decodes. */
export const errorHeader = (error: R2Failure): string =>
  JSON.stringify({ version: 1, v4code: error.v4code, message: error.message });
