/**
 * The request and response shapes of the Cloudflare REST API (v4) that W7S uses, as effect/Schema values,
 * with the types derived from them. Structs decode leniently (unknown keys are dropped) because Cloudflare
 * adds fields to its answers; the fields listed here are the ones W7S relies on.
 */
import { Schema } from "effect";

const optional = Schema.optionalKey;

/** One entry of `errors` or `messages` in every answer. */
export const CloudflareMessage = Schema.Struct({
  code: Schema.Number,
  message: Schema.String,
});
export type CloudflareMessage = typeof CloudflareMessage.Type;

/** `result_info` of a list: page-based (`page`, `per_page`, `count`, `total_count`) or cursor-based (R2). */
export const ResultInfo = Schema.Struct({
  page: optional(Schema.Number),
  per_page: optional(Schema.Number),
  count: optional(Schema.Number),
  total_count: optional(Schema.Number),
  total_pages: optional(Schema.Number),
  cursor: optional(Schema.String),
});
export type ResultInfo = typeof ResultInfo.Type;

/** The envelope every v4 answer comes in; `result` is decoded separately per call. */
export const Envelope = Schema.Struct({
  success: Schema.Boolean,
  errors: Schema.Array(CloudflareMessage),
  messages: optional(Schema.Array(Schema.Unknown)),
  result: optional(Schema.Unknown),
  result_info: optional(ResultInfo),
});
export type Envelope = typeof Envelope.Type;

export const Zone = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  status: optional(Schema.String),
  account: optional(Schema.Struct({ id: Schema.String, name: optional(Schema.String) })),
});
export type Zone = typeof Zone.Type;

export const KvNamespace = Schema.Struct({
  id: Schema.String,
  title: Schema.String,
  supports_url_encoding: optional(Schema.Boolean),
});
export type KvNamespace = typeof KvNamespace.Type;

export const R2Bucket = Schema.Struct({
  name: Schema.String,
  creation_date: optional(Schema.String),
  location: optional(Schema.String),
  storage_class: optional(Schema.String),
});
export type R2Bucket = typeof R2Bucket.Type;

export const R2BucketList = Schema.Struct({ buckets: Schema.Array(R2Bucket) });
export type R2BucketList = typeof R2BucketList.Type;

export const D1Database = Schema.Struct({
  uuid: Schema.String,
  name: Schema.String,
  version: optional(Schema.String),
  created_at: optional(Schema.String),
  num_tables: optional(Schema.Number),
  file_size: optional(Schema.Number),
});
export type D1Database = typeof D1Database.Type;

/** A value bound to a `?` of a D1 query. */
export const D1Param = Schema.Union([Schema.String, Schema.Number, Schema.Boolean, Schema.Null]);
export type D1Param = typeof D1Param.Type;

/** The result of one statement of a D1 query. */
export const D1QueryResult = Schema.Struct({
  results: Schema.Array(Schema.Record(Schema.String, Schema.Unknown)),
  success: Schema.Boolean,
  meta: Schema.Struct({
    changed_db: optional(Schema.Boolean),
    changes: optional(Schema.Number),
    duration: optional(Schema.Number),
    last_row_id: optional(Schema.Number),
    rows_read: optional(Schema.Number),
    rows_written: optional(Schema.Number),
    size_after: optional(Schema.Number),
  }),
});
export type D1QueryResult = typeof D1QueryResult.Type;

export const Queue = Schema.Struct({
  queue_id: Schema.String,
  queue_name: Schema.String,
  created_on: optional(Schema.String),
  modified_on: optional(Schema.String),
  producers_total_count: optional(Schema.Number),
  consumers_total_count: optional(Schema.Number),
});
export type Queue = typeof Queue.Type;

export const QueueConsumerSettings = Schema.Struct({
  batch_size: optional(Schema.Number),
  max_retries: optional(Schema.Number),
  max_wait_time_ms: optional(Schema.Number),
  retry_delay: optional(Schema.Number),
  max_concurrency: optional(Schema.NullOr(Schema.Number)),
});
export type QueueConsumerSettings = typeof QueueConsumerSettings.Type;

/** The body of `POST /accounts/:id/queues/:queue_id/consumers` for a Worker consumer. */
export const QueueConsumerInput = Schema.Struct({
  script_name: Schema.String,
  type: Schema.Literal("worker"),
  settings: optional(QueueConsumerSettings),
  dead_letter_queue: optional(Schema.String),
});
export type QueueConsumerInput = typeof QueueConsumerInput.Type;

/** A consumer as listed; Cloudflare names the Worker `script` in answers (`script_name` in older ones). */
export const QueueConsumer = Schema.Struct({
  consumer_id: Schema.String,
  queue_id: optional(Schema.String),
  type: optional(Schema.String),
  script: optional(Schema.String),
  script_name: optional(Schema.String),
  settings: optional(QueueConsumerSettings),
  dead_letter_queue: optional(Schema.String),
  created_on: optional(Schema.String),
});
export type QueueConsumer = typeof QueueConsumer.Type;

export const DispatchNamespace = Schema.Struct({
  namespace_id: Schema.String,
  namespace_name: Schema.String,
  created_on: optional(Schema.String),
  modified_on: optional(Schema.String),
  script_count: optional(Schema.Number),
  trusted_workers: optional(Schema.Boolean),
});
export type DispatchNamespace = typeof DispatchNamespace.Type;

/** The bindings a Worker's upload metadata can declare (the ones W7S uses). */
export const WorkerBinding = Schema.Union([
  Schema.Struct({ type: Schema.Literal("plain_text"), name: Schema.String, text: Schema.String }),
  Schema.Struct({ type: Schema.Literal("secret_text"), name: Schema.String, text: Schema.String }),
  Schema.Struct({ type: Schema.Literal("kv_namespace"), name: Schema.String, namespace_id: Schema.String }),
  Schema.Struct({ type: Schema.Literal("r2_bucket"), name: Schema.String, bucket_name: Schema.String }),
  Schema.Struct({ type: Schema.Literal("d1"), name: Schema.String, id: Schema.String }),
  Schema.Struct({
    type: Schema.Literal("durable_object_namespace"),
    name: Schema.String,
    class_name: Schema.String,
    script_name: optional(Schema.String),
  }),
  Schema.Struct({ type: Schema.Literal("hyperdrive"), name: Schema.String, id: Schema.String }),
  Schema.Struct({
    type: Schema.Literal("service"),
    name: Schema.String,
    service: Schema.String,
    environment: optional(Schema.String),
    entrypoint: optional(Schema.String),
  }),
  Schema.Struct({ type: Schema.Literal("queue"), name: Schema.String, queue_name: Schema.String }),
  Schema.Struct({ type: Schema.Literal("analytics_engine"), name: Schema.String, dataset: Schema.String }),
  Schema.Struct({ type: Schema.Literal("json"), name: Schema.String, json: Schema.Unknown }),
  Schema.Struct({ type: Schema.Literal("ai"), name: Schema.String }),
  Schema.Struct({ type: Schema.Literal("version_metadata"), name: Schema.String }),
  Schema.Struct({
    type: Schema.Literal("workflow"),
    name: Schema.String,
    workflow_name: Schema.String,
    class_name: optional(Schema.String),
    script_name: optional(Schema.String),
  }),
  Schema.Struct({
    type: Schema.Literal("dispatch_namespace"),
    name: Schema.String,
    namespace: Schema.String,
  }),
]);
export type WorkerBinding = typeof WorkerBinding.Type;

/** Durable Object class migrations applied with an upload. */
export const WorkerMigrations = Schema.Struct({
  new_tag: Schema.String,
  old_tag: optional(Schema.String),
  new_sqlite_classes: optional(Schema.Array(Schema.String)),
  new_classes: optional(Schema.Array(Schema.String)),
  deleted_classes: optional(Schema.Array(Schema.String)),
});
export type WorkerMigrations = typeof WorkerMigrations.Type;

/** The `metadata` part of a module Worker upload. */
export const WorkerMetadata = Schema.Struct({
  main_module: Schema.String,
  compatibility_date: Schema.String,
  compatibility_flags: optional(Schema.Array(Schema.String)),
  bindings: Schema.Array(WorkerBinding),
  migrations: optional(WorkerMigrations),
  tags: optional(Schema.Array(Schema.String)),
  /** Bindings of the previous version to keep, by type (e.g. `["secret_text"]`). */
  keep_bindings: optional(Schema.Array(Schema.String)),
  observability: optional(
    Schema.Struct({ enabled: Schema.Boolean, head_sampling_rate: optional(Schema.Number) }),
  ),
  tail_consumers: optional(
    Schema.Array(
      Schema.Struct({
        service: Schema.String,
        environment: optional(Schema.String),
        namespace: optional(Schema.String),
      }),
    ),
  ),
  limits: optional(Schema.Struct({ cpu_ms: optional(Schema.Number) })),
});
export type WorkerMetadata = typeof WorkerMetadata.Type;

export const WorkerModuleType = Schema.Literals(["esm", "text", "data", "wasm", "json"]);
export type WorkerModuleType = typeof WorkerModuleType.Type;

/** The script record an upload answers with. */
export const WorkerScript = Schema.Struct({
  id: optional(Schema.String),
  etag: optional(Schema.String),
  created_on: optional(Schema.String),
  modified_on: optional(Schema.String),
  compatibility_date: optional(Schema.String),
  handlers: optional(Schema.Array(Schema.String)),
  usage_model: optional(Schema.String),
});
export type WorkerScript = typeof WorkerScript.Type;

/** `GET .../dispatch/namespaces/:ns/scripts/:name`. */
export const DispatchScript = Schema.Struct({
  created_on: optional(Schema.String),
  modified_on: optional(Schema.String),
  dispatch_namespace: optional(Schema.String),
  script: WorkerScript,
});
export type DispatchScript = typeof DispatchScript.Type;

export const WorkerRoute = Schema.Struct({
  id: Schema.String,
  pattern: Schema.String,
  script: optional(Schema.String),
});
export type WorkerRoute = typeof WorkerRoute.Type;

export const DnsRecord = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  name: Schema.String,
  content: Schema.String,
  proxied: optional(Schema.Boolean),
  ttl: optional(Schema.Number),
});
export type DnsRecord = typeof DnsRecord.Type;

/** A Cloudflare for SaaS custom hostname of a zone. */
export const CustomHostname = Schema.Struct({
  id: Schema.String,
  hostname: Schema.String,
  status: optional(Schema.String),
  ssl: optional(
    Schema.Struct({
      status: optional(Schema.String),
      method: optional(Schema.String),
      type: optional(Schema.String),
    }),
  ),
  created_at: optional(Schema.String),
});
export type CustomHostname = typeof CustomHostname.Type;

/** The `{ id }` some deletes answer with. */
export const IdResult = Schema.Struct({ id: Schema.String });
export type IdResult = typeof IdResult.Type;
