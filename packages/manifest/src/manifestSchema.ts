/** The whole w7s.json Schema: what users may write (encoded side) and the normalized Manifest it decodes to (C). */
import { Effect, Schema, SchemaGetter } from "effect";
import { BindingsField, BindingsSchema } from "./bindingsSchema.js";
import { collapseCronWhitespace, parseCron } from "./cron.js";
import { EventsField, EventsSchema, undeclaredSubscriptionQueues } from "./eventsSchema.js";
import {
  AbsolutePath,
  AllowedCaller,
  ArrayOf,
  aliasOf,
  BindingName,
  compact,
  EnvironmentVariableName,
  QueueName,
} from "./fields.js";
import { RoutingField, RoutingSchema } from "./routingSchema.js";

// ---------------------------------------------------------------------------------------------------------
// Normalized (decoded) shapes.

export const QueueSchema = Schema.Struct({
  name: Schema.String,
  consumer: Schema.String,
  binding: Schema.optionalKey(Schema.String),
});
/** A queue of the app; messages are POSTed to `consumer`; `binding` names a native producer binding. */
export interface Queue extends Schema.Schema.Type<typeof QueueSchema> {}

export const ScheduleSchema = Schema.Struct({ cron: Schema.String, path: Schema.String });
/** A cron schedule (UTC, whitespace-collapsed) that POSTs to `path`. */
export interface Schedule extends Schema.Schema.Type<typeof ScheduleSchema> {}

export const WorkflowSchema = Schema.Struct({ name: Schema.String, path: Schema.String });
/** A workflow of the app; its steps are POSTed to `path`. */
export interface Workflow extends Schema.Schema.Type<typeof WorkflowSchema> {}

export const AllowListSchema = Schema.Struct({ allow: Schema.Array(Schema.String) });
/** Lowercased GitHub owners and owner/repo pairs allowed to call the app. */
export interface AllowList extends Schema.Schema.Type<typeof AllowListSchema> {}

export const ManifestSchema = Schema.Struct({
  name: Schema.optionalKey(Schema.String),
  bindings: BindingsSchema,
  queues: Schema.Array(QueueSchema),
  schedules: Schema.Array(ScheduleSchema),
  workflows: Schema.Array(WorkflowSchema),
  vars: Schema.Array(Schema.String),
  secrets: Schema.Array(Schema.String),
  queue: Schema.optionalKey(AllowListSchema),
  workflow: Schema.optionalKey(AllowListSchema),
  rpc: Schema.optionalKey(AllowListSchema),
  events: Schema.optionalKey(EventsSchema),
  routing: RoutingSchema,
});
/** A normalized w7s.json: every list present, names lowercased, defaults applied, aliases unified. */
export interface Manifest extends Schema.Schema.Type<typeof ManifestSchema> {}

// ---------------------------------------------------------------------------------------------------------
// Accepted (encoded) forms.

export const DEFAULT_QUEUE_CONSUMER_PREFIX = "/_w7s/queues/";
export const DEFAULT_WORKFLOW_PATH_PREFIX = "/_w7s/workflows/";

const OBJECT_REQUIRED = "must be an object.";

const QueueEntry = Schema.Union([
  QueueName("Queue name").pipe(
    Schema.decodeTo(QueueSchema, {
      decode: SchemaGetter.transform((name: string) => ({
        name,
        consumer: DEFAULT_QUEUE_CONSUMER_PREFIX + name,
      })),
      encode: SchemaGetter.transform((queue: Queue) => queue.name),
    }),
  ),
  Schema.Struct({
    name: QueueName("Queue name"),
    consumer: Schema.optionalKey(AbsolutePath),
    binding: Schema.optionalKey(BindingName),
  })
    .annotate({ message: OBJECT_REQUIRED })
    .pipe(
      Schema.decodeTo(QueueSchema, {
        decode: SchemaGetter.transform((queue) =>
          compact({
            name: queue.name,
            consumer: queue.consumer ?? DEFAULT_QUEUE_CONSUMER_PREFIX + queue.name,
            binding: queue.binding,
          }),
        ),
        encode: SchemaGetter.transform((queue: Queue) => queue),
      }),
    ),
]).annotate({
  message: OBJECT_REQUIRED,
  description: `A queue: its name ("jobs", consumed at ${DEFAULT_QUEUE_CONSUMER_PREFIX}<name>) or {name, consumer, binding}.`,
});

const CronExpression = Schema.String.annotate({
  message: "must be a string.",
  description: "Five-field cron expression in UTC: minute hour day-of-month month day-of-week.",
})
  .check(
    Schema.makeFilter((expression: string) => {
      const parsed = parseCron(expression);
      return parsed._tag === "Failure" ? parsed.failure.message : undefined;
    }),
  )
  .pipe(
    Schema.decode({
      decode: SchemaGetter.transform(collapseCronWhitespace),
      encode: SchemaGetter.transform((expression: string) => expression),
    }),
  );

const ScheduleEntry = Schema.Struct({
  cron: CronExpression,
  path: AbsolutePath,
}).annotate({
  message: OBJECT_REQUIRED,
  description: "A schedule: {cron, path}; path receives a POST when due.",
});

const WorkflowEntry = Schema.Union([
  QueueName("Workflow name").pipe(
    Schema.decodeTo(WorkflowSchema, {
      decode: SchemaGetter.transform((name: string) => ({ name, path: DEFAULT_WORKFLOW_PATH_PREFIX + name })),
      encode: SchemaGetter.transform((workflow: Workflow) => workflow.name),
    }),
  ),
  Schema.Struct({
    name: QueueName("Workflow name"),
    path: Schema.optionalKey(AbsolutePath),
    consumer: AbsolutePath.pipe(aliasOf("path")),
  })
    .annotate({ message: OBJECT_REQUIRED })
    .pipe(
      Schema.decodeTo(WorkflowSchema, {
        decode: SchemaGetter.transform((workflow) => ({
          name: workflow.name,
          path: workflow.path ?? workflow.consumer ?? DEFAULT_WORKFLOW_PATH_PREFIX + workflow.name,
        })),
        encode: SchemaGetter.transform((workflow: Workflow) => workflow),
      }),
    ),
]).annotate({
  message: OBJECT_REQUIRED,
  description: `A workflow: its name ("process-order", run at ${DEFAULT_WORKFLOW_PATH_PREFIX}<name>) or {name, path}.`,
});

/** Reports every entry whose key (after normalization) was already used by an earlier entry. */
const noDuplicates = <T>(keyOf: (entry: T) => string) =>
  Schema.makeFilter((entries: readonly T[]) => {
    const seen = new Set<string>();
    const issues: Schema.FilterIssue[] = [];
    for (const [index, entry] of entries.entries()) {
      const key = keyOf(entry);
      if (seen.has(key)) issues.push({ path: [index], issue: `duplicates ${key}.` });
      seen.add(key);
    }
    return issues;
  });

const AllowListField = (who: string) =>
  Schema.Struct({
    allow: ArrayOf(AllowedCaller, `GitHub owners or owner/repo pairs allowed to ${who}.`).pipe(
      Schema.withDecodingDefaultKey(Effect.succeed([])),
    ),
  }).annotate({ message: OBJECT_REQUIRED, description: `Who may ${who}.` });

/** An array key that is `[]` when absent. */
const listOr = <S extends Schema.Top>(list: S) =>
  list.pipe(Schema.withDecodingDefaultKey(Effect.succeed([] as unknown as S["Encoded"])));

const DeclaredManifest = Schema.Struct({
  $schema: Schema.optionalKey(
    Schema.String.annotate({ description: "JSON Schema of this file, for editors; W7S ignores it." }),
  ),
  name: Schema.optionalKey(QueueName("Application name, for monorepos with one w7s.json per app")),
  bindings: BindingsField.pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
  queues: listOr(ArrayOf(QueueEntry, "Queues of the app.").check(noDuplicates((queue: Queue) => queue.name))),
  schedules: listOr(
    ArrayOf(ScheduleEntry, "Cron schedules of the app.").check(
      noDuplicates((schedule: Schedule) => `${schedule.cron} ${schedule.path}`),
    ),
  ),
  workflows: listOr(
    ArrayOf(WorkflowEntry, "Workflows of the app.").check(
      noDuplicates((workflow: Workflow) => workflow.name),
    ),
  ),
  vars: listOr(
    ArrayOf(EnvironmentVariableName, "Names of plain environment variables the deploy passes in."),
  ),
  secrets: listOr(
    ArrayOf(EnvironmentVariableName, "Names of secret environment variables the deploy passes in."),
  ),
  queue: Schema.optionalKey(AllowListField("send to this app's queues")),
  workflow: Schema.optionalKey(AllowListField("start this app's workflows")),
  rpc: Schema.optionalKey(AllowListField("call this app over RPC")),
  events: Schema.optionalKey(EventsField),
  routing: RoutingField.pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
})
  .annotate({
    message: "must be an object.",
    title: "W7S app manifest (w7s.json)",
    description:
      "Declares the app's name, bindings, queues, schedules, workflows, variables, allow lists, events and routing. Unknown keys are ignored with a deploy warning.",
  })
  .check(Schema.makeFilter((manifest) => undeclaredSubscriptionQueues(manifest.events, manifest.queues)));

/** The w7s.json Schema: its Encoded type is what users write, its Type the normalized {@link Manifest}. */
export const ManifestFileSchema = DeclaredManifest.pipe(
  Schema.decodeTo(ManifestSchema, {
    decode: SchemaGetter.transform(({ $schema: _ignored, ...manifest }) => manifest),
    encode: SchemaGetter.transform((manifest: Manifest) => manifest),
  }),
);
