/**
 * The messages of workerd's R2 binding protocol: the JSON request it sends (in the `cf-r2-request` header
 * of a `GET`, or as the first `cf-r2-metadata-size` bytes of a `PUT` body, the value following) and the
 * JSON object descriptions it expects back. Unsigned 64-bit numbers arrive as decimal strings.
 */
import { type R2Failure, r2Errors, r2Messages } from "./r2Errors.js";

export type EtagCondition =
  | { readonly type: "strong" | "weak"; readonly value: string }
  | { readonly type: "wildcard" };

/** `onlyIf`: the binding has already turned the `Headers` form into this one. */
export interface Conditional {
  readonly etagMatches?: readonly EtagCondition[];
  readonly etagDoesNotMatch?: readonly EtagCondition[];
  /** Milliseconds since the epoch. */
  readonly uploadedBefore?: number;
  readonly uploadedAfter?: number;
  readonly secondsGranularity: boolean;
}

export interface HttpMetadata {
  readonly contentType?: string;
  readonly contentLanguage?: string;
  readonly contentDisposition?: string;
  readonly contentEncoding?: string;
  readonly cacheControl?: string;
  /** Milliseconds since the epoch. */
  readonly cacheExpiry?: number;
}

export interface RequestedRange {
  readonly offset?: number;
  readonly length?: number;
  readonly suffix?: number;
}

export const CHECKSUMS = ["md5", "sha1", "sha256", "sha384", "sha512"] as const;
export type ChecksumName = (typeof CHECKSUMS)[number];
export type Checksums = Partial<Record<ChecksumName, string>>;

/** What a put or createMultipartUpload says about the object it makes. */
export interface ObjectOptions {
  readonly httpMetadata: HttpMetadata;
  readonly customMetadata: Readonly<Record<string, string>>;
  readonly storageClass: string;
}

export type R2Request =
  | { readonly method: "head"; readonly object: string }
  | {
      readonly method: "get";
      readonly object: string;
      readonly range: RequestedRange | undefined;
      readonly rangeHeader: string | undefined;
      readonly onlyIf: Conditional | undefined;
    }
  | ({
      readonly method: "put";
      readonly object: string;
      readonly onlyIf: Conditional | undefined;
      /** The checksum the app asked to verify, as lowercase hex. */
      readonly checksum: { readonly name: ChecksumName; readonly hex: string } | undefined;
    } & ObjectOptions)
  | {
      readonly method: "list";
      readonly limit: number | undefined;
      readonly prefix: string;
      readonly cursor: string | undefined;
      readonly delimiter: string | undefined;
      readonly startAfter: string | undefined;
      readonly includeHttp: boolean;
      readonly includeCustom: boolean;
    }
  | { readonly method: "delete"; readonly objects: readonly string[] }
  | ({ readonly method: "createMultipartUpload"; readonly object: string } & ObjectOptions)
  | {
      readonly method: "uploadPart";
      readonly object: string;
      readonly uploadId: string;
      readonly partNumber: number;
    }
  | {
      readonly method: "completeMultipartUpload";
      readonly object: string;
      readonly uploadId: string;
      readonly parts: ReadonlyArray<{ readonly part: number; readonly etag: string }>;
    }
  | { readonly method: "abortMultipartUpload"; readonly object: string; readonly uploadId: string };

export type R2Method = R2Request["method"];

const malformed = (): R2Failure => r2Errors.invalidArgument(r2Messages.badRequest);

type Fields = Record<string, unknown>;

const isFields = (value: unknown): value is Fields =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const text = (fields: Fields, name: string): string => {
  const value = fields[name];
  if (typeof value !== "string") throw malformed();
  return value;
};

const optionalText = (fields: Fields, name: string): string | undefined => {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw malformed();
  return value;
};

/** A UInt64 field: the binding writes them as decimal strings, and omits ones left at their default. */
const optionalNumber = (fields: Fields, name: string): number | undefined => {
  const value = fields[name];
  if (value === undefined) return undefined;
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number)) throw malformed();
  return number;
};

const etagConditions = (value: unknown): EtagCondition[] | undefined => {
  if (value === undefined) return undefined;
  // Older runtimes sent a single etag as text.
  if (typeof value === "string")
    return [value === "*" ? { type: "wildcard" } : { type: "strong", value: value.replace(/^"|"$/g, "") }];
  if (!Array.isArray(value)) throw malformed();
  return value.map((entry: unknown) => {
    if (!isFields(entry)) throw malformed();
    if (entry["type"] === "wildcard") return { type: "wildcard" } as const;
    if (entry["type"] !== "strong" && entry["type"] !== "weak") throw malformed();
    return { type: entry["type"], value: text(entry, "value") };
  });
};

const conditional = (value: unknown): Conditional | undefined => {
  if (value === undefined) return undefined;
  if (!isFields(value)) throw malformed();
  const etagMatches = etagConditions(value["etagMatches"]);
  const etagDoesNotMatch = etagConditions(value["etagDoesNotMatch"]);
  const uploadedBefore = optionalNumber(value, "uploadedBefore");
  const uploadedAfter = optionalNumber(value, "uploadedAfter");
  return {
    ...(etagMatches === undefined ? {} : { etagMatches }),
    ...(etagDoesNotMatch === undefined ? {} : { etagDoesNotMatch }),
    ...(uploadedBefore === undefined ? {} : { uploadedBefore }),
    ...(uploadedAfter === undefined ? {} : { uploadedAfter }),
    secondsGranularity: value["secondsGranularity"] === true,
  };
};

const HTTP_TEXT_FIELDS = [
  "contentType",
  "contentLanguage",
  "contentDisposition",
  "contentEncoding",
  "cacheControl",
] as const;

const httpMetadata = (value: unknown): HttpMetadata => {
  if (value === undefined) return {};
  if (!isFields(value)) throw malformed();
  const metadata: Record<string, string | number> = {};
  for (const name of HTTP_TEXT_FIELDS) {
    const field = optionalText(value, name);
    if (field !== undefined) metadata[name] = field;
  }
  const expiry = optionalNumber(value, "cacheExpiry");
  if (expiry !== undefined) metadata["cacheExpiry"] = expiry;
  return metadata as HttpMetadata;
};

const customMetadata = (value: unknown): Record<string, string> => {
  if (value === undefined) return {};
  if (!Array.isArray(value)) throw malformed();
  const metadata: Record<string, string> = {};
  for (const entry of value) {
    if (!isFields(entry)) throw malformed();
    metadata[text(entry, "k")] = text(entry, "v");
  }
  return metadata;
};

/** SSE-C keys would have to be kept to check later reads; this server stores objects unencrypted. */
const refuseSsec = (fields: Fields): void => {
  if (fields["ssec"] !== undefined || fields["ssecKey"] !== undefined)
    throw r2Errors.invalidArgument(r2Messages.ssecUnsupported);
};

const objectOptions = (fields: Fields): ObjectOptions => {
  refuseSsec(fields);
  return {
    httpMetadata: httpMetadata(fields["httpFields"]),
    customMetadata: customMetadata(fields["customFields"]),
    storageClass: optionalText(fields, "storageClass") ?? "Standard",
  };
};

const checksumOf = (fields: Fields): { name: ChecksumName; hex: string } | undefined => {
  // The binding allows at most one; md5 alone travels as base64.
  const md5 = optionalText(fields, "md5");
  if (md5 !== undefined) return { name: "md5", hex: Buffer.from(md5, "base64").toString("hex") };
  for (const name of CHECKSUMS) {
    const hex = name === "md5" ? undefined : optionalText(fields, name);
    if (hex !== undefined) return { name, hex: hex.toLowerCase() };
  }
  return undefined;
};

/** Decodes the request JSON; a shape the binding never sends is `InvalidArgument`. */
export const parseRequest = (json: string): R2Request => {
  let fields: unknown;
  try {
    fields = JSON.parse(json);
  } catch {
    throw malformed();
  }
  if (!isFields(fields)) throw malformed();
  const method = fields["method"];
  switch (method) {
    case "head":
      return { method, object: text(fields, "object") };
    case "get": {
      const range = fields["range"];
      if (range !== undefined && !isFields(range)) throw malformed();
      return {
        method,
        object: text(fields, "object"),
        range:
          range === undefined
            ? undefined
            : ({
                ...withNumber(range, "offset"),
                ...withNumber(range, "length"),
                ...withNumber(range, "suffix"),
              } as RequestedRange),
        rangeHeader: optionalText(fields, "rangeHeader"),
        onlyIf: conditional(fields["onlyIf"]),
      };
    }
    case "put":
      return {
        method,
        object: text(fields, "object"),
        onlyIf: conditional(fields["onlyIf"]),
        checksum: checksumOf(fields),
        ...objectOptions(fields),
      };
    case "list": {
      const include = fields["include"];
      if (include !== undefined && !Array.isArray(include)) throw malformed();
      const limit = optionalNumber(fields, "limit");
      return {
        method,
        limit,
        prefix: optionalText(fields, "prefix") ?? "",
        cursor: optionalText(fields, "cursor"),
        delimiter: optionalText(fields, "delimiter"),
        startAfter: optionalText(fields, "startAfter"),
        includeHttp: include?.includes(0) ?? false,
        includeCustom: include?.includes(1) ?? false,
      };
    }
    case "delete": {
      const objects = fields["objects"];
      if (objects === undefined) return { method, objects: [text(fields, "object")] };
      if (!Array.isArray(objects) || !objects.every((key) => typeof key === "string")) throw malformed();
      return { method, objects };
    }
    case "createMultipartUpload":
      return { method, object: text(fields, "object"), ...objectOptions(fields) };
    case "uploadPart": {
      refuseSsec(fields);
      const partNumber = optionalNumber(fields, "partNumber");
      if (partNumber === undefined) throw malformed();
      return { method, object: text(fields, "object"), uploadId: text(fields, "uploadId"), partNumber };
    }
    case "completeMultipartUpload": {
      const parts = fields["parts"];
      if (!Array.isArray(parts)) throw malformed();
      return {
        method,
        object: text(fields, "object"),
        uploadId: text(fields, "uploadId"),
        parts: parts.map((part: unknown) => {
          if (!isFields(part)) throw malformed();
          const number = optionalNumber(part, "part");
          if (number === undefined) throw malformed();
          return { part: number, etag: text(part, "etag") };
        }),
      };
    }
    case "abortMultipartUpload":
      return { method, object: text(fields, "object"), uploadId: text(fields, "uploadId") };
    default:
      throw malformed();
  }
};

const withNumber = (fields: Fields, name: string): Record<string, number> => {
  const value = optionalNumber(fields, name);
  return value === undefined ? {} : { [name]: value };
};

/** An object's description as stored in the bucket index. */
export interface ObjectRecord {
  readonly key: string;
  readonly version: string;
  readonly size: number;
  readonly etag: string;
  /** Milliseconds since the epoch. */
  readonly uploaded: number;
  readonly storageClass: string;
  readonly httpMetadata: HttpMetadata;
  readonly customMetadata: Readonly<Record<string, string>>;
  readonly checksums: Checksums;
}

export interface EncodeOptions {
  readonly range?: { readonly offset: number; readonly length: number };
  /** `list` leaves metadata out unless asked (`include`); the binding then shows empty objects. */
  readonly httpMetadata?: boolean;
  readonly customMetadata?: boolean;
}

/** The object as the binding builds `R2Object` from it (`R2HeadResponse`). */
export const encodeObject = (object: ObjectRecord, options: EncodeOptions = {}): Record<string, unknown> => {
  const checksums: Record<string, string> = {};
  CHECKSUMS.forEach((name, index) => {
    const value = object.checksums[name];
    if (value !== undefined) checksums[String(index)] = value;
  });
  return {
    name: object.key,
    version: object.version,
    size: object.size,
    etag: object.etag,
    uploaded: object.uploaded,
    httpFields: options.httpMetadata === false ? {} : object.httpMetadata,
    customFields:
      options.customMetadata === false
        ? []
        : Object.entries(object.customMetadata).map(([k, v]) => ({ k, v })),
    ...(options.range === undefined ? {} : { range: options.range }),
    checksums,
    storageClass: object.storageClass,
  };
};
