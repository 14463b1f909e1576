/**
 * The Cloudflare REST API calls W7S provisions and deploys with, grouped by product. Every method returns an
 * Effect that fails only with `CloudflareApiError`; list methods follow every page; `ensure*` methods find
 * a resource by name or create it, and when the create loses a race against another deploy (Cloudflare
 * answers "already exists") they list again and return the winner's resource.
 */
import { Effect, Option, Schema } from "effect";
import type { CloudflareApiError } from "./errors.js";
import {
  type ApiRequest,
  DEFAULT_CLOUDFLARE_API_URL,
  type RequestContext,
  type RetryOptions,
  runRequest,
} from "./request.js";
import {
  CustomHostname,
  D1Database,
  type D1Param,
  D1QueryResult,
  DispatchNamespace,
  DispatchScript,
  DnsRecord,
  IdResult,
  KvNamespace,
  Queue,
  QueueConsumer,
  type QueueConsumerInput,
  R2Bucket,
  R2BucketList,
  type WorkerMetadata,
  type WorkerModuleType,
  WorkerRoute,
  WorkerScript,
  Zone,
} from "./schemas.js";

export interface CloudflareApiOptions {
  readonly accountId: string;
  readonly apiToken: string;
  /** The API root (default `https://api.cloudflare.com/client/v4`; a stand-in's `url` in tests). */
  readonly baseUrl?: string | undefined;
  readonly fetch?: typeof fetch | undefined;
  readonly retry?: RetryOptions | undefined;
  /** Deadline of one attempt (default 60 s; uploads can be slow). */
  readonly timeoutMs?: number | undefined;
}

/** One module of a Worker upload; `content` is sent byte for byte. */
export interface WorkerModule {
  readonly name: string;
  readonly content: string | Uint8Array;
  readonly type: WorkerModuleType;
}

export interface WorkerUpload {
  /** The module the Worker starts from; must be one of `modules` (and is `metadata.main_module`). */
  readonly mainModule: string;
  readonly modules: ReadonlyArray<WorkerModule>;
  /** The upload metadata; `main_module` defaults to `mainModule`. */
  readonly metadata: Omit<WorkerMetadata, "main_module"> & { readonly main_module?: string };
}

/** The content type Cloudflare reads each module kind from. */
export const MODULE_CONTENT_TYPES: Readonly<Record<WorkerModuleType, string>> = {
  esm: "application/javascript+module",
  text: "text/plain",
  data: "application/octet-stream",
  wasm: "application/wasm",
  json: "application/json",
};

const segment = (value: string): string => encodeURIComponent(value);

/** The multipart body of a module Worker upload: a `metadata` JSON part, then one part per module. */
export const workerUploadForm = (upload: WorkerUpload): FormData => {
  const form = new FormData();
  const metadata = { ...upload.metadata, main_module: upload.metadata.main_module ?? upload.mainModule };
  form.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }));
  for (const module of upload.modules) {
    const bytes = typeof module.content === "string" ? module.content : new Uint8Array(module.content);
    form.append(module.name, new Blob([bytes], { type: MODULE_CONTENT_TYPES[module.type] }), module.name);
  }
  return form;
};

export const makeCloudflareApi = (options: CloudflareApiOptions) => {
  const context: RequestContext = {
    baseUrl: options.baseUrl ?? DEFAULT_CLOUDFLARE_API_URL,
    apiToken: options.apiToken,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    attempts: Math.max(1, options.retry?.attempts ?? 4),
    baseDelayMs: options.retry?.baseDelayMs ?? 200,
    maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
    timeoutMs: options.timeoutMs ?? 60_000,
  };
  const account = `/accounts/${segment(options.accountId)}`;

  const call = <A>(request: ApiRequest<A>): Effect.Effect<A, CloudflareApiError> =>
    runRequest(context, request).pipe(Effect.map((answer) => answer.result));

  /** Every page of a page-based list (`page`, `per_page`; `result_info.total_count` or `total_pages`). */
  const listPages = <A>(
    name: string,
    path: string,
    result: Schema.Decoder<ReadonlyArray<A>>,
    query: Readonly<Record<string, string | number | undefined>> = {},
    perPage = 100,
  ): Effect.Effect<ReadonlyArray<A>, CloudflareApiError> => {
    const loop = (
      page: number,
      sofar: ReadonlyArray<A>,
    ): Effect.Effect<ReadonlyArray<A>, CloudflareApiError> =>
      runRequest(context, {
        call: name,
        method: "GET",
        path,
        query: { ...query, page, per_page: perPage },
        result,
      }).pipe(
        Effect.flatMap(({ result: items, resultInfo: info }) => {
          const all = [...sofar, ...items];
          const done =
            items.length === 0 ||
            info === undefined ||
            (info.total_pages !== undefined
              ? page >= info.total_pages
              : info.total_count !== undefined
                ? all.length >= info.total_count
                : items.length < (info.per_page ?? perPage));
          return done ? Effect.succeed(all) : loop(page + 1, all);
        }),
      );
    return loop(1, []);
  };

  /**
   * Find, else create. Cloudflare refuses a duplicate with 400 or 409 (by product); when that happens,
   * someone else won the race, so the resource is looked up again (and the refusal stands if it is not there).
   */
  const ensure = <A>(
    find: Effect.Effect<Option.Option<A>, CloudflareApiError>,
    create: Effect.Effect<A, CloudflareApiError>,
  ): Effect.Effect<A, CloudflareApiError> =>
    Effect.flatMap(find, (found) =>
      Option.isSome(found)
        ? Effect.succeed(found.value)
        : create.pipe(
            Effect.catch((error: CloudflareApiError) =>
              error.status === 400 || error.status === 409
                ? Effect.flatMap(find, (again) =>
                    Option.isSome(again) ? Effect.succeed(again.value) : Effect.fail(error),
                  )
                : Effect.fail(error),
            ),
          ),
    );

  const findIn = <A>(
    list: Effect.Effect<ReadonlyArray<A>, CloudflareApiError>,
    matches: (item: A) => boolean,
  ) => Effect.map(list, (items) => Option.fromNullishOr(items.find(matches)));

  const zones = {
    /** The zone called `name` in this account (`GET /zones?name=`), if there is one. */
    findByName: (name: string): Effect.Effect<Option.Option<Zone>, CloudflareApiError> =>
      findIn(
        listPages(
          "zones.findByName",
          "/zones",
          Schema.Array(Zone),
          { name, "account.id": options.accountId },
          50,
        ),
        (zone) => zone.name === name,
      ),
  };

  const kv = {
    listNamespaces: (): Effect.Effect<ReadonlyArray<KvNamespace>, CloudflareApiError> =>
      listPages("kv.listNamespaces", `${account}/storage/kv/namespaces`, Schema.Array(KvNamespace)),
    createNamespace: (title: string): Effect.Effect<KvNamespace, CloudflareApiError> =>
      call({
        call: "kv.createNamespace",
        method: "POST",
        path: `${account}/storage/kv/namespaces`,
        json: { title },
        result: KvNamespace,
      }),
    deleteNamespace: (namespaceId: string): Effect.Effect<void, CloudflareApiError> =>
      call({
        call: "kv.deleteNamespace",
        method: "DELETE",
        path: `${account}/storage/kv/namespaces/${segment(namespaceId)}`,
        result: Schema.Unknown,
      }).pipe(Effect.asVoid),
    ensureNamespace: (title: string): Effect.Effect<KvNamespace, CloudflareApiError> =>
      ensure(
        findIn(kv.listNamespaces(), (namespace) => namespace.title === title),
        kv.createNamespace(title),
      ),
  };

  const r2 = {
    /** Every bucket, following `result_info.cursor`. */
    listBuckets: (): Effect.Effect<ReadonlyArray<R2Bucket>, CloudflareApiError> => {
      const loop = (
        cursor: string | undefined,
        sofar: ReadonlyArray<R2Bucket>,
      ): Effect.Effect<ReadonlyArray<R2Bucket>, CloudflareApiError> =>
        runRequest(context, {
          call: "r2.listBuckets",
          method: "GET",
          path: `${account}/r2/buckets`,
          query: { per_page: 1000, cursor },
          result: R2BucketList,
        }).pipe(
          Effect.flatMap(({ result, resultInfo }) => {
            const all = [...sofar, ...result.buckets];
            const next = resultInfo?.cursor;
            return next === undefined || next === "" || result.buckets.length === 0
              ? Effect.succeed(all)
              : loop(next, all);
          }),
        );
      return loop(undefined, []);
    },
    createBucket: (
      name: string,
      settings: { readonly locationHint?: string } = {},
    ): Effect.Effect<R2Bucket, CloudflareApiError> =>
      call({
        call: "r2.createBucket",
        method: "POST",
        path: `${account}/r2/buckets`,
        json: {
          name,
          ...(settings.locationHint === undefined ? {} : { locationHint: settings.locationHint }),
        },
        result: R2Bucket,
      }),
    /** Delete an (empty) bucket; Cloudflare refuses one that still holds objects. */
    deleteBucket: (name: string): Effect.Effect<void, CloudflareApiError> =>
      call({
        call: "r2.deleteBucket",
        method: "DELETE",
        path: `${account}/r2/buckets/${segment(name)}`,
        result: Schema.Unknown,
      }).pipe(Effect.asVoid),
    ensureBucket: (name: string): Effect.Effect<R2Bucket, CloudflareApiError> =>
      ensure(
        findIn(r2.listBuckets(), (bucket) => bucket.name === name),
        r2.createBucket(name),
      ),
  };

  const d1 = {
    /** Every database, or those whose name matches `name` (Cloudflare's filter; not necessarily exact). */
    listDatabases: (name?: string): Effect.Effect<ReadonlyArray<D1Database>, CloudflareApiError> =>
      listPages("d1.listDatabases", `${account}/d1/database`, Schema.Array(D1Database), { name }),
    createDatabase: (
      name: string,
      settings: { readonly primaryLocationHint?: string } = {},
    ): Effect.Effect<D1Database, CloudflareApiError> =>
      call({
        call: "d1.createDatabase",
        method: "POST",
        path: `${account}/d1/database`,
        json: {
          name,
          ...(settings.primaryLocationHint === undefined
            ? {}
            : { primary_location_hint: settings.primaryLocationHint }),
        },
        result: D1Database,
      }),
    deleteDatabase: (databaseId: string): Effect.Effect<void, CloudflareApiError> =>
      call({
        call: "d1.deleteDatabase",
        method: "DELETE",
        path: `${account}/d1/database/${segment(databaseId)}`,
        result: Schema.Unknown,
      }).pipe(Effect.asVoid),
    ensureDatabase: (name: string): Effect.Effect<D1Database, CloudflareApiError> =>
      ensure(
        findIn(d1.listDatabases(name), (database) => database.name === name),
        d1.createDatabase(name),
      ),
    /** Run `sql` (one or more statements; `params` bind the `?`s); one result per statement. */
    query: (
      databaseId: string,
      sql: string,
      params: ReadonlyArray<D1Param> = [],
    ): Effect.Effect<ReadonlyArray<D1QueryResult>, CloudflareApiError> =>
      call({
        call: "d1.query",
        method: "POST",
        path: `${account}/d1/database/${segment(databaseId)}/query`,
        json: params.length === 0 ? { sql } : { sql, params },
        result: Schema.Array(D1QueryResult),
      }),
  };

  const queueConsumerScript = (consumer: QueueConsumer): string | undefined =>
    consumer.script ?? consumer.script_name;

  /** Whether `existing` already has every setting (and the dead-letter queue) `wanted` asks for. */
  const consumerMatches = (existing: QueueConsumer, wanted: QueueConsumerInput): boolean => {
    const settings: Readonly<Record<string, unknown>> = existing.settings ?? {};
    const sameSettings = Object.entries(wanted.settings ?? {}).every(
      ([key, value]) => value === undefined || settings[key] === value,
    );
    return (
      sameSettings && (wanted.dead_letter_queue ?? undefined) === (existing.dead_letter_queue ?? undefined)
    );
  };

  const queues = {
    list: (): Effect.Effect<ReadonlyArray<Queue>, CloudflareApiError> =>
      listPages("queues.list", `${account}/queues`, Schema.Array(Queue)),
    create: (queueName: string): Effect.Effect<Queue, CloudflareApiError> =>
      call({
        call: "queues.create",
        method: "POST",
        path: `${account}/queues`,
        json: { queue_name: queueName },
        result: Queue,
      }),
    delete: (queueId: string): Effect.Effect<void, CloudflareApiError> =>
      call({
        call: "queues.delete",
        method: "DELETE",
        path: `${account}/queues/${segment(queueId)}`,
        result: Schema.Unknown,
      }).pipe(Effect.asVoid),
    ensure: (queueName: string): Effect.Effect<Queue, CloudflareApiError> =>
      ensure(
        findIn(queues.list(), (queue) => queue.queue_name === queueName),
        queues.create(queueName),
      ),
    listConsumers: (queueId: string): Effect.Effect<ReadonlyArray<QueueConsumer>, CloudflareApiError> =>
      call({
        call: "queues.listConsumers",
        method: "GET",
        path: `${account}/queues/${segment(queueId)}/consumers`,
        result: Schema.Array(QueueConsumer),
      }),
    createConsumer: (
      queueId: string,
      consumer: QueueConsumerInput,
    ): Effect.Effect<QueueConsumer, CloudflareApiError> =>
      call({
        call: "queues.createConsumer",
        method: "POST",
        path: `${account}/queues/${segment(queueId)}/consumers`,
        json: consumer,
        result: QueueConsumer,
      }),
    deleteConsumer: (queueId: string, consumerId: string): Effect.Effect<void, CloudflareApiError> =>
      call({
        call: "queues.deleteConsumer",
        method: "DELETE",
        path: `${account}/queues/${segment(queueId)}/consumers/${segment(consumerId)}`,
        result: Schema.Unknown,
      }).pipe(Effect.asVoid),
    /** Replace a consumer's configuration (`PUT …/consumers/:consumer_id`). */
    updateConsumer: (
      queueId: string,
      consumerId: string,
      consumer: QueueConsumerInput,
    ): Effect.Effect<QueueConsumer, CloudflareApiError> =>
      call({
        call: "queues.updateConsumer",
        method: "PUT",
        path: `${account}/queues/${segment(queueId)}/consumers/${segment(consumerId)}`,
        json: consumer,
        result: QueueConsumer,
      }),
    /**
     * The queue's consumer for `consumer.script_name` with these settings: created when there is none,
     * updated when its settings or dead-letter queue differ from the ones given.
     */
    ensureConsumer: (
      queueId: string,
      consumer: QueueConsumerInput,
    ): Effect.Effect<QueueConsumer, CloudflareApiError> =>
      Effect.flatMap(
        ensure(
          findIn(
            queues.listConsumers(queueId),
            (existing) => queueConsumerScript(existing) === consumer.script_name,
          ),
          queues.createConsumer(queueId, consumer),
        ),
        (existing) =>
          consumerMatches(existing, consumer)
            ? Effect.succeed(existing)
            : queues.updateConsumer(queueId, existing.consumer_id, consumer),
      ),
  };

  const dispatchPath = (namespace: string, scriptName: string) =>
    `${account}/workers/dispatch/namespaces/${segment(namespace)}/scripts/${segment(scriptName)}`;

  const dispatch = {
    listNamespaces: (): Effect.Effect<ReadonlyArray<DispatchNamespace>, CloudflareApiError> =>
      call({
        call: "dispatch.listNamespaces",
        method: "GET",
        path: `${account}/workers/dispatch/namespaces`,
        result: Schema.Array(DispatchNamespace),
      }),
    createNamespace: (name: string): Effect.Effect<DispatchNamespace, CloudflareApiError> =>
      call({
        call: "dispatch.createNamespace",
        method: "POST",
        path: `${account}/workers/dispatch/namespaces`,
        json: { name },
        result: DispatchNamespace,
      }),
    ensureNamespace: (name: string): Effect.Effect<DispatchNamespace, CloudflareApiError> =>
      ensure(
        findIn(dispatch.listNamespaces(), (namespace) => namespace.namespace_name === name),
        dispatch.createNamespace(name),
      ),
    /** Upload (create or replace) a module Worker in a dispatch namespace, as multipart/form-data. */
    uploadScript: (
      namespace: string,
      scriptName: string,
      upload: WorkerUpload,
    ): Effect.Effect<WorkerScript, CloudflareApiError> =>
      Effect.suspend(() =>
        call({
          call: "dispatch.uploadScript",
          method: "PUT",
          path: dispatchPath(namespace, scriptName),
          form: workerUploadForm(upload),
          result: WorkerScript,
        }),
      ),
    /** The scripts of a dispatch namespace. */
    listScripts: (namespace: string): Effect.Effect<ReadonlyArray<WorkerScript>, CloudflareApiError> =>
      call({
        call: "dispatch.listScripts",
        method: "GET",
        path: `${account}/workers/dispatch/namespaces/${segment(namespace)}/scripts`,
        result: Schema.Array(WorkerScript),
      }),
    getScript: (namespace: string, scriptName: string): Effect.Effect<DispatchScript, CloudflareApiError> =>
      call({
        call: "dispatch.getScript",
        method: "GET",
        path: dispatchPath(namespace, scriptName),
        result: DispatchScript,
      }),
    /** Delete a script (`force=true`: also when something is still bound to it). */
    deleteScript: (namespace: string, scriptName: string): Effect.Effect<void, CloudflareApiError> =>
      call({
        call: "dispatch.deleteScript",
        method: "DELETE",
        path: dispatchPath(namespace, scriptName),
        query: { force: "true" },
        result: Schema.Unknown,
      }).pipe(Effect.asVoid),
  };

  const routes = {
    list: (zoneId: string): Effect.Effect<ReadonlyArray<WorkerRoute>, CloudflareApiError> =>
      call({
        call: "routes.list",
        method: "GET",
        path: `/zones/${segment(zoneId)}/workers/routes`,
        result: Schema.Array(WorkerRoute),
      }),
    create: (
      zoneId: string,
      route: { readonly pattern: string; readonly script: string },
    ): Effect.Effect<WorkerRoute, CloudflareApiError> =>
      call({
        call: "routes.create",
        method: "POST",
        path: `/zones/${segment(zoneId)}/workers/routes`,
        json: { pattern: route.pattern, script: route.script },
        result: WorkerRoute,
      }),
    delete: (zoneId: string, routeId: string): Effect.Effect<IdResult, CloudflareApiError> =>
      call({
        call: "routes.delete",
        method: "DELETE",
        path: `/zones/${segment(zoneId)}/workers/routes/${segment(routeId)}`,
        result: IdResult,
      }),
  };

  const dns = {
    listRecords: (
      zoneId: string,
      filter: { readonly name?: string; readonly type?: string } = {},
    ): Effect.Effect<ReadonlyArray<DnsRecord>, CloudflareApiError> =>
      listPages("dns.listRecords", `/zones/${segment(zoneId)}/dns_records`, Schema.Array(DnsRecord), {
        name: filter.name,
        type: filter.type,
      }),
  };

  const customHostnames = {
    list: (
      zoneId: string,
      filter: { readonly hostname?: string } = {},
    ): Effect.Effect<ReadonlyArray<CustomHostname>, CloudflareApiError> =>
      listPages(
        "customHostnames.list",
        `/zones/${segment(zoneId)}/custom_hostnames`,
        Schema.Array(CustomHostname),
        { hostname: filter.hostname },
        50,
      ),
    /** Add a custom hostname; its certificate is validated over HTTP (`dv`) unless `ssl` says otherwise. */
    create: (
      zoneId: string,
      hostname: string,
      ssl: { readonly method: "http" | "txt" | "email"; readonly type: "dv" } = {
        method: "http",
        type: "dv",
      },
    ): Effect.Effect<CustomHostname, CloudflareApiError> =>
      call({
        call: "customHostnames.create",
        method: "POST",
        path: `/zones/${segment(zoneId)}/custom_hostnames`,
        json: { hostname, ssl },
        result: CustomHostname,
      }),
    ensure: (zoneId: string, hostname: string): Effect.Effect<CustomHostname, CloudflareApiError> =>
      ensure(
        findIn(customHostnames.list(zoneId, { hostname }), (entry) => entry.hostname === hostname),
        customHostnames.create(zoneId, hostname),
      ),
    delete: (zoneId: string, customHostnameId: string): Effect.Effect<IdResult, CloudflareApiError> =>
      call({
        call: "customHostnames.delete",
        method: "DELETE",
        path: `/zones/${segment(zoneId)}/custom_hostnames/${segment(customHostnameId)}`,
        result: IdResult,
      }),
  };

  return { accountId: options.accountId, zones, kv, r2, d1, queues, dispatch, routes, dns, customHostnames };
};

/** The client `makeCloudflareApi` returns. */
export type CloudflareApi = ReturnType<typeof makeCloudflareApi>;
