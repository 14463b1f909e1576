/** The field-level schemas of w7s.json (section C common validators), each carrying its user-facing message. */
import { Schema, SchemaGetter } from "effect";

/*
 * Message convention: a message that starts with a lowercase letter ("must be a string.") is a predicate
 * about a field and is prefixed with the field's path when reported (`bindings.kv[0].name must be a
 * string.`); a message that starts with an uppercase letter is already a whole sentence (cron errors,
 * `Invalid D1 migrations directory: …`) and is reported as is. The `message` annotation of a schema is its
 * "wrong type" text; the `message` of a check is its "wrong value" text.
 */

/** Worker binding names are not trimmed (C). */
export const BINDING_NAME_PATTERN = /^[A-Za-z_$][A-Za-z0-9_$]*$/u;
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/u;
/** A queue, workflow or app name after trimming (C); both letter cases spelled out, since JSON Schema has no /i. */
const NAME_CORE = "[A-Za-z0-9][A-Za-z0-9._-]{0,99}";
/** Names are trimmed before they are checked, so the raw text may carry surrounding whitespace. */
export const QUEUE_NAME_PATTERN = new RegExp(`^\\s*${NAME_CORE}\\s*$`, "u");
export const OWNER_OR_REPOSITORY_PATTERN = new RegExp(`^\\s*${NAME_CORE}(?:/${NAME_CORE})?\\s*$`, "u");
export const OWNER_AND_REPOSITORY_PATTERN = new RegExp(`^\\s*${NAME_CORE}/${NAME_CORE}\\s*$`, "u");
/** Starts with one `/` (not `//`) once trimmed. */
export const ABSOLUTE_PATH_PATTERN = /^\s*\/(?!\/)/u;
/** Has something left once trimmed. */
export const NON_BLANK_PATTERN = /\S/u;

/** A string that must match `pattern`; non-strings and mismatches both report `message`. */
const matching = (pattern: RegExp, message: string, description: string) =>
  Schema.String.annotate({ message, description }).check(Schema.isPattern(pattern, { message }));

/** A string schema whose decoded value is `normalize(text)`, once the text passed its checks. */
const normalizedBy =
  (normalize: (text: string) => string) =>
  <S extends Schema.Codec<string, string>>(schema: S) =>
    schema.pipe(
      Schema.decode({
        decode: SchemaGetter.transform(normalize),
        encode: SchemaGetter.transform((text: string) => text),
      }),
    );

const trimmed = normalizedBy((text) => text.trim());
const trimmedLowercase = normalizedBy((text) => text.trim().toLowerCase());

export const BindingName = matching(
  BINDING_NAME_PATTERN,
  "must be a valid Worker binding name.",
  "A Worker binding name: a JavaScript identifier such as CACHE or my_db.",
);

export const JavaScriptClassName = matching(
  BINDING_NAME_PATTERN,
  "must be a JavaScript class name.",
  "The exported JavaScript class that implements the Durable Object.",
);

export const EnvironmentVariableName = matching(
  ENV_NAME_PATTERN,
  "must be a valid environment variable name.",
  "An environment variable name: letters, digits and _, not starting with a digit.",
);

/** A queue, workflow or application name (C "queue name"): trimmed and lowercased. */
export const QueueName = (description: string) =>
  trimmedLowercase(
    Schema.String.annotate({
      message: "must be a string.",
      description: `${description}: up to 100 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
    }).check(Schema.isPattern(QUEUE_NAME_PATTERN, { message: "must be a valid queue name." })),
  );

/** A GitHub owner or owner/repo of an allow list: trimmed and lowercased. */
export const AllowedCaller = trimmedLowercase(
  Schema.String.annotate({
    message: "must be a string.",
    description: "A GitHub owner (`w7s-io`) or repository (`w7s-io/demo`) allowed to call this app.",
  }).check(
    Schema.isPattern(OWNER_OR_REPOSITORY_PATTERN, { message: "must be a GitHub owner or owner/repo." }),
  ),
);

/** A GitHub owner/repo: trimmed and lowercased. */
export const OwnerAndRepository = trimmedLowercase(
  Schema.String.annotate({
    message: "must be owner/repo.",
    description: "A GitHub repository as owner/repo.",
  }).check(Schema.isPattern(OWNER_AND_REPOSITORY_PATTERN, { message: "must be owner/repo." })),
);

/** An absolute request path such as a queue consumer or schedule target: trimmed. */
export const AbsolutePath = trimmed(
  Schema.String.annotate({
    message: "must be a string.",
    description: "An absolute request path of this app, starting with a single '/'.",
  }).check(Schema.isPattern(ABSOLUTE_PATH_PATTERN, { message: "must be an absolute path." })),
);

/** An optional free-text field; the parent trims it and treats blank as absent. */
export const OptionalText = (description: string) =>
  Schema.String.annotate({ message: "must be a string.", description });

/** A required string that must not be blank: trimmed. */
export const NonBlankText = (description: string) =>
  trimmed(
    Schema.String.annotate({ message: "must be a string.", description }).check(
      Schema.isPattern(NON_BLANK_PATTERN, { message: "must not be empty." }),
    ),
  );

/** An array with the C message for a non-array value. */
export const ArrayOf = <S extends Schema.Top>(item: S, description: string) =>
  Schema.Array(item).annotate({ message: "must be an array.", description });

/** Trims an optional text and turns blank into absent (C "optional string"). */
export const trimToUndefined = (text: string | undefined): string | undefined => {
  const trimmed = text?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
};

/** Marks an alias key (`class_name`) so errors under it are reported under the documented name (`className`). */
export const aliasOf =
  (canonicalKey: string) =>
  <S extends Schema.Top>(schema: S) =>
    Schema.optionalKey(schema).pipe(Schema.annotateKey({ canonicalKey }));

/** `{ a: string; b: string | undefined }` -> `{ a: string; b?: string }`: the shape `compact` returns. */
export type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops the keys whose value is undefined, so optional keys are absent rather than undefined. */
export const compact = <T extends Record<string, unknown>>(value: T): Compact<T> =>
  Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Compact<T>;
