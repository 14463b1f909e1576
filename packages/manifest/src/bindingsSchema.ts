/** The `bindings` section of w7s.json: every binding kind, both spellings of each, normalized to one shape (C, DECISIONS 1). */
import { Schema, SchemaGetter } from "effect";
import {
  ArrayOf,
  aliasOf,
  BindingName,
  compact,
  JavaScriptClassName,
  NonBlankText,
  OptionalText,
  trimToUndefined,
} from "./fields.js";
import { normalizeArchivePath } from "./paths.js";

// ---------------------------------------------------------------------------------------------------------
// Normalized (decoded) shapes.

export const KvBindingSchema = Schema.Struct({
  binding: Schema.String,
  name: Schema.optionalKey(Schema.String),
});
/** A KV namespace binding; `name` is an explicit namespace title. */
export interface KvBinding extends Schema.Schema.Type<typeof KvBindingSchema> {}

export const FsBindingSchema = Schema.Struct({
  binding: Schema.String,
  bucket: Schema.optionalKey(Schema.String),
});
/** An object-storage (R2) binding, written `bindings.fs` or `bindings.r2`. */
export interface FsBinding extends Schema.Schema.Type<typeof FsBindingSchema> {}

export const D1_JURISDICTIONS = ["eu", "fedramp"] as const;

export const DbBindingSchema = Schema.Struct({
  binding: Schema.String,
  name: Schema.optionalKey(Schema.String),
  migrations: Schema.optionalKey(Schema.String),
  jurisdiction: Schema.optionalKey(Schema.Literals(D1_JURISDICTIONS)),
  primaryLocationHint: Schema.optionalKey(Schema.String),
});
/** A SQL database (D1) binding, written `bindings.db` or `bindings.d1`; `migrations` is a normalized archive folder. */
export interface DbBinding extends Schema.Schema.Type<typeof DbBindingSchema> {}

export const DurableObjectBindingSchema = Schema.Struct({
  binding: Schema.String,
  className: Schema.String,
});
/** A Durable Object namespace binding to an exported class. */
export interface DurableObjectBinding extends Schema.Schema.Type<typeof DurableObjectBindingSchema> {}

export const HyperdriveBindingSchema = Schema.Struct({
  binding: Schema.String,
  id: Schema.String,
});
/** A Hyperdrive (pooled Postgres) binding. */
export interface HyperdriveBinding extends Schema.Schema.Type<typeof HyperdriveBindingSchema> {}

export const EmailBindingSchema = Schema.Struct({
  binding: Schema.String,
  destinationAddress: Schema.optionalKey(Schema.String),
  allowedDestinationAddresses: Schema.optionalKey(Schema.Array(Schema.String)),
  allowedSenderAddresses: Schema.optionalKey(Schema.Array(Schema.String)),
});
/** A send-email binding (parsed only; DECISIONS 13 keeps email out of the runtime for now). */
export interface EmailBinding extends Schema.Schema.Type<typeof EmailBindingSchema> {}

export const AiBindingSchema = Schema.Struct({ binding: Schema.String });
/** An AI binding; parsed and stored, while the platform AI binding is injected regardless (L.19). */
export interface AiBinding extends Schema.Schema.Type<typeof AiBindingSchema> {}

export const BindingsSchema = Schema.Struct({
  kv: Schema.Array(KvBindingSchema),
  fs: Schema.Array(FsBindingSchema),
  db: Schema.Array(DbBindingSchema),
  durableObjects: Schema.Array(DurableObjectBindingSchema),
  hyperdrive: Schema.Array(HyperdriveBindingSchema),
  email: Schema.Array(EmailBindingSchema),
  ai: Schema.Array(AiBindingSchema),
});
/** Every binding the app declares, one list per kind, in declaration order. */
export interface Bindings extends Schema.Schema.Type<typeof BindingsSchema> {}

// ---------------------------------------------------------------------------------------------------------
// Accepted (encoded) forms.

const OBJECT_REQUIRED = "must be an object.";
const CLASS_NAME_REQUIRED = "must be a JavaScript class name.";

/** `"NAME"` or an object; a value that is neither reports `must be an object.`. */
const stringOrObject = <A extends Schema.Top, B extends Schema.Top>(
  identifier: string,
  fromString: A,
  fromObject: B,
  description: string,
) => Schema.Union([fromString, fromObject]).annotate({ message: OBJECT_REQUIRED, identifier, description });

/** The string form of a binding: the binding name alone. */
const bindingOnly = <T extends { readonly binding: string }>(target: Schema.Codec<T, T>) =>
  BindingName.pipe(
    Schema.decodeTo(target, {
      // Every other key of a binding shape is optional, so the name alone is a whole binding.
      decode: SchemaGetter.transform((binding: string) => ({ binding }) as T),
      encode: SchemaGetter.transform((entry: T) => entry.binding),
    }),
  );

const KvEntry = stringOrObject(
  "KvBinding",
  bindingOnly(KvBindingSchema),
  Schema.Struct({
    binding: BindingName,
    name: Schema.optionalKey(OptionalText("Explicit title of the KV namespace.")),
  })
    .annotate({ message: OBJECT_REQUIRED })
    .pipe(
      Schema.decodeTo(KvBindingSchema, {
        decode: SchemaGetter.transform((entry) =>
          compact({ binding: entry.binding, name: trimToUndefined(entry.name) }),
        ),
        encode: SchemaGetter.transform((entry: KvBinding) => entry),
      }),
    ),
  'A KV namespace: its binding name ("CACHE") or {binding, name}.',
);

const BucketName = OptionalText("Name of the bucket; a managed bucket is created when absent.");

const FsEntry = stringOrObject(
  "FsBinding",
  bindingOnly(FsBindingSchema),
  Schema.Struct({
    binding: BindingName,
    bucket: Schema.optionalKey(BucketName),
    name: BucketName.pipe(aliasOf("bucket")),
  })
    .annotate({ message: OBJECT_REQUIRED })
    .pipe(
      Schema.decodeTo(FsBindingSchema, {
        decode: SchemaGetter.transform((entry) =>
          compact({ binding: entry.binding, bucket: trimToUndefined(entry.bucket ?? entry.name) }),
        ),
        encode: SchemaGetter.transform((entry: FsBinding) => entry),
      }),
    ),
  'An object-storage bucket: its binding name ("FILES") or {binding, bucket}.',
);

const MigrationsDirectory = OptionalText(
  "Folder of the archive holding this database's .sql migrations, applied in path order.",
).check(
  Schema.makeFilter((directory: string) => {
    const trimmed = directory.trim();
    return trimmed === "" || normalizeArchivePath(trimmed) !== ""
      ? undefined
      : `Invalid D1 migrations directory: ${trimmed}`;
  }),
);

const Jurisdiction = OptionalText("Where the database's data must stay: eu or fedramp.").check(
  Schema.isPattern(/^\s*(?:eu|fedramp)?\s*$/u, { message: "must be eu or fedramp." }),
);

const PrimaryLocationHint = OptionalText("Preferred region of the database, such as weur.");

const DbEntry = stringOrObject(
  "DbBinding",
  bindingOnly(DbBindingSchema),
  Schema.Struct({
    binding: BindingName,
    name: Schema.optionalKey(OptionalText("Explicit name of the database.")),
    migrations: Schema.optionalKey(MigrationsDirectory),
    jurisdiction: Schema.optionalKey(Jurisdiction),
    primaryLocationHint: Schema.optionalKey(PrimaryLocationHint),
    primary_location_hint: PrimaryLocationHint.pipe(aliasOf("primaryLocationHint")),
  })
    .annotate({ message: OBJECT_REQUIRED })
    .pipe(
      Schema.decodeTo(DbBindingSchema, {
        decode: SchemaGetter.transform((entry) => {
          const migrations = trimToUndefined(entry.migrations);
          return compact({
            binding: entry.binding,
            name: trimToUndefined(entry.name),
            migrations: migrations === undefined ? undefined : normalizeArchivePath(migrations),
            jurisdiction: trimToUndefined(entry.jurisdiction) as DbBinding["jurisdiction"],
            primaryLocationHint: trimToUndefined(entry.primaryLocationHint ?? entry.primary_location_hint),
          });
        }),
        encode: SchemaGetter.transform((entry: DbBinding) => entry),
      }),
    ),
  'A SQL database: its binding name ("DB") or {binding, name, migrations, jurisdiction, primaryLocationHint}.',
);

const DurableObjectEntry = stringOrObject(
  "DurableObjectBinding",
  JavaScriptClassName.pipe(
    Schema.decodeTo(DurableObjectBindingSchema, {
      decode: SchemaGetter.transform((className: string) => ({ binding: className, className })),
      encode: SchemaGetter.transform((entry: DurableObjectBinding) => entry.className),
    }),
  ),
  Schema.Struct({
    binding: BindingName,
    className: Schema.optionalKey(JavaScriptClassName),
    class_name: JavaScriptClassName.pipe(aliasOf("className")),
  })
    .annotate({ message: OBJECT_REQUIRED })
    .check(
      Schema.makeFilter((entry) =>
        entry.className === undefined && entry.class_name === undefined
          ? { path: ["className"], issue: CLASS_NAME_REQUIRED }
          : undefined,
      ),
    )
    .pipe(
      Schema.decodeTo(DurableObjectBindingSchema, {
        decode: SchemaGetter.transform((entry) => ({
          binding: entry.binding,
          className: entry.className ?? entry.class_name ?? "",
        })),
        encode: SchemaGetter.transform((entry: DurableObjectBinding) => entry),
      }),
    ),
  'A Durable Object: its class name used as binding ("Counter") or {binding, className}.',
);

const HyperdriveEntry = Schema.Struct({
  binding: BindingName,
  id: NonBlankText("Id of the Hyperdrive configuration."),
}).annotate({
  message: OBJECT_REQUIRED,
  description: "A Hyperdrive (pooled Postgres) configuration: {binding, id}.",
});

const EmailAddress = NonBlankText("An email address.");
const EmailAddresses = ArrayOf(EmailAddress, "Email addresses.");
const DestinationAddress = OptionalText("The only address this binding may send to.");

const EmailEntry = stringOrObject(
  "EmailBinding",
  bindingOnly(EmailBindingSchema),
  Schema.Struct({
    binding: BindingName,
    destinationAddress: Schema.optionalKey(DestinationAddress),
    destination_address: DestinationAddress.pipe(aliasOf("destinationAddress")),
    allowedDestinationAddresses: Schema.optionalKey(EmailAddresses),
    allowed_destination_addresses: EmailAddresses.pipe(aliasOf("allowedDestinationAddresses")),
    allowedSenderAddresses: Schema.optionalKey(EmailAddresses),
    allowed_sender_addresses: EmailAddresses.pipe(aliasOf("allowedSenderAddresses")),
  })
    .annotate({ message: OBJECT_REQUIRED })
    .check(
      Schema.makeFilter((entry) => {
        const destination = trimToUndefined(entry.destinationAddress ?? entry.destination_address);
        const allowed = entry.allowedDestinationAddresses ?? entry.allowed_destination_addresses ?? [];
        return destination !== undefined && allowed.length > 0
          ? "must have either destinationAddress or allowedDestinationAddresses, not both."
          : undefined;
      }),
    )
    .pipe(
      Schema.decodeTo(EmailBindingSchema, {
        decode: SchemaGetter.transform((entry) =>
          compact({
            binding: entry.binding,
            destinationAddress: trimToUndefined(entry.destinationAddress ?? entry.destination_address),
            allowedDestinationAddresses:
              entry.allowedDestinationAddresses ?? entry.allowed_destination_addresses,
            allowedSenderAddresses: entry.allowedSenderAddresses ?? entry.allowed_sender_addresses,
          }),
        ),
        encode: SchemaGetter.transform((entry: EmailBinding) => entry),
      }),
    ),
  'A send-email binding: its binding name ("EMAIL") or {binding, destinationAddress | allowedDestinationAddresses, allowedSenderAddresses}.',
);

const AiEntry = stringOrObject(
  "AiBinding",
  bindingOnly(AiBindingSchema),
  Schema.Struct({ binding: BindingName }).annotate({ message: OBJECT_REQUIRED }),
  'An AI binding: its binding name ("AI") or {binding}.',
);

const KvList = ArrayOf(KvEntry, "KV namespaces.");
const FsList = ArrayOf(FsEntry, "Object-storage (R2) buckets.");
const DbList = ArrayOf(DbEntry, "SQL (D1) databases.");
const DurableObjectList = ArrayOf(DurableObjectEntry, "Durable Object namespaces.");
const EmailList = ArrayOf(EmailEntry, "Send-email bindings (not served by self-hosted runtimes yet).");

const DeclaredBindings = Schema.Struct({
  kv: Schema.optionalKey(KvList),
  fs: Schema.optionalKey(FsList),
  r2: Schema.optionalKey(FsList),
  db: Schema.optionalKey(DbList),
  d1: Schema.optionalKey(DbList),
  durableObjects: Schema.optionalKey(DurableObjectList),
  durable_objects: DurableObjectList.pipe(aliasOf("durableObjects")),
  hyperdrive: Schema.optionalKey(ArrayOf(HyperdriveEntry, "Hyperdrive configurations.")),
  email: Schema.optionalKey(EmailList),
  sendEmail: EmailList.pipe(aliasOf("email")),
  send_email: EmailList.pipe(aliasOf("email")),
  ai: Schema.optionalKey(ArrayOf(AiEntry, "AI bindings.")),
}).annotate({
  message: OBJECT_REQUIRED,
  title: "Bindings",
  description:
    "Resources the backend receives on env. fs and r2 are the same kind, as are db and d1; one binding name may be declared once.",
});

type DeclaredBindings = typeof DeclaredBindings.Type;

/** Each key of `bindings`, in the order duplicates are looked for, with the kind name errors report. */
const DECLARED_KINDS: readonly (readonly [keyof DeclaredBindings, string])[] = [
  ["kv", "kv"],
  ["fs", "fs"],
  ["r2", "r2"],
  ["db", "db"],
  ["d1", "d1"],
  ["durableObjects", "durableObjects"],
  ["durable_objects", "durableObjects"],
  ["hyperdrive", "hyperdrive"],
  ["email", "email"],
  ["sendEmail", "email"],
  ["send_email", "email"],
  ["ai", "ai"],
];

/** DECISIONS 1: a binding name is declared once across every kind; each later declaration is reported. */
const duplicateBindingNames = (declared: DeclaredBindings): Schema.FilterIssue[] => {
  const seen = new Set<string>();
  const issues: Schema.FilterIssue[] = [];
  for (const [key, reportedKind] of DECLARED_KINDS) {
    for (const [index, entry] of (declared[key] ?? []).entries()) {
      if (seen.has(entry.binding)) {
        issues.push({ path: [reportedKind, index, "binding"], issue: `duplicates ${entry.binding}.` });
      }
      seen.add(entry.binding);
    }
  }
  return issues;
};

const both = <T>(documented: readonly T[] | undefined, alias: readonly T[] | undefined): readonly T[] => [
  ...(documented ?? []),
  ...(alias ?? []),
];

/** The `bindings` object as written, decoded to one list per kind (`fs` + `r2` -> `fs`, `db` + `d1` -> `db`). */
export const BindingsField = DeclaredBindings.check(Schema.makeFilter(duplicateBindingNames)).pipe(
  Schema.decodeTo(BindingsSchema, {
    decode: SchemaGetter.transform((declared: DeclaredBindings) => ({
      kv: declared.kv ?? [],
      fs: both(declared.fs, declared.r2),
      db: both(declared.db, declared.d1),
      durableObjects: both(declared.durableObjects, declared.durable_objects),
      hyperdrive: declared.hyperdrive ?? [],
      email: [...both(declared.email, declared.sendEmail), ...(declared.send_email ?? [])],
      ai: declared.ai ?? [],
    })),
    encode: SchemaGetter.transform((bindings: Bindings) => bindings),
  }),
);
