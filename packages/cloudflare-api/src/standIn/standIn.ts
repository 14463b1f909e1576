/**
 * A local stand-in for the part of the Cloudflare REST API (v4) that W7S calls, for tests and local runs.
 * It speaks Cloudflare's protocol: bearer-token auth, account ids in paths, the `{ success, errors, messages,
 * result, result_info }` envelope with page and cursor paging, Cloudflare-like error codes, multipart module
 * Worker uploads (parsed with the Web `Request.formData()`), and D1 queries run on a real SQLite. State is
 * kept in memory and is inspectable; `failNext` makes the next answers 429/5xx to exercise retries.
 * Node-only (`node:http`, `node:sqlite`), which is why it has its own entry point.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SQLInputValue } from "node:sqlite";
import type {
  CustomHostname,
  D1Database,
  DispatchNamespace,
  DnsRecord,
  KvNamespace,
  Queue,
  QueueConsumer,
  R2Bucket,
  WorkerRoute,
  Zone,
} from "../schemas.js";
import { StandInD1 } from "./d1Sql.js";

/** One module part of an upload, as the stand-in received it. */
export interface StandInModule {
  readonly name: string;
  readonly content: Uint8Array;
  readonly contentType: string;
}

export interface ScriptUploadEvent {
  readonly namespace: string;
  readonly scriptName: string;
  /** The parsed `metadata` part. */
  readonly metadata: Record<string, unknown>;
  readonly modules: ReadonlyArray<StandInModule>;
}

export interface ScriptDeleteEvent {
  readonly namespace: string;
  readonly scriptName: string;
}

export interface StandInScript extends ScriptUploadEvent {
  readonly etag: string;
  readonly createdOn: string;
  modifiedOn: string;
}

/** One request the stand-in received (the token is never recorded). */
export interface StandInRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  status: number;
}

export interface StandInState {
  readonly zones: Zone[];
  readonly kvNamespaces: KvNamespace[];
  readonly buckets: R2Bucket[];
  readonly databases: D1Database[];
  readonly queues: Queue[];
  readonly consumers: (QueueConsumer & { readonly queue_id: string })[];
  readonly dispatchNamespaces: DispatchNamespace[];
  readonly scripts: StandInScript[];
  readonly routes: (WorkerRoute & { readonly zone_id: string })[];
  readonly dnsRecords: (DnsRecord & { readonly zone_id: string })[];
  readonly customHostnames: (CustomHostname & { readonly zone_id: string })[];
  readonly requests: StandInRequest[];
}

export interface CloudflareApiStandInOptions {
  /** Listen on this port (default 0: any free one). */
  readonly port?: number | undefined;
  readonly accountId?: string | undefined;
  /** The only token accepted (`Authorization: Bearer <token>`). */
  readonly apiToken?: string | undefined;
  /** Zones the account has from the start (by name; ids are generated unless given). */
  readonly zones?: ReadonlyArray<{ readonly name: string; readonly id?: string }> | undefined;
  /** The largest `per_page` honoured (default 1000); small values make paging testable. */
  readonly maxPerPage?: number | undefined;
  /**
   * Refuse uploads whose KV, D1, R2 or queue bindings name a resource the account does not have, as
   * Cloudflare does (default true).
   */
  readonly checkBindings?: boolean | undefined;
  /**
   * Called with every accepted script upload, before it answers; a throw answers 500, or the thrown
   * error's `status` (4xx) and `code` when it has them (a script the runtime refuses to start).
   */
  readonly onScriptUpload?: ((event: ScriptUploadEvent) => void | Promise<void>) | undefined;
  readonly onScriptDelete?: ((event: ScriptDeleteEvent) => void | Promise<void>) | undefined;
}

export interface CloudflareApiStandIn {
  /** The API root to use as the client's `baseUrl` (ends in `/client/v4`). */
  readonly url: string;
  readonly port: number;
  readonly accountId: string;
  readonly apiToken: string;
  readonly state: StandInState;
  /** Answer the next `count` requests with `status` (429 or 5xx) and the error envelope. */
  failNext(count: number, status: number, options?: { readonly retryAfterSeconds?: number }): void;
  close(): Promise<void>;
}

const API_ROOT = "/client/v4";

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

const ok = (result: unknown, resultInfo?: Record<string, unknown>, status = 200): Answer => ({
  status,
  body: {
    success: true,
    errors: [],
    messages: [],
    result,
    ...(resultInfo === undefined ? {} : { result_info: resultInfo }),
  },
});

const refuse = (status: number, code: number, message: string, headers?: Record<string, string>): Answer => ({
  status,
  body: { success: false, errors: [{ code, message }], messages: [], result: null },
  ...(headers === undefined ? {} : { headers }),
});

const hex32 = (): string => randomUUID().replaceAll("-", "");
const now = (): string => new Date().toISOString();

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export const startCloudflareApiStandIn = async (
  options: CloudflareApiStandInOptions = {},
): Promise<CloudflareApiStandIn> => {
  const accountId = options.accountId ?? "023e105f4ecef8ad9ca31a8372d0c353";
  const apiToken = options.apiToken ?? "stand-in-api-token";
  const maxPerPage = options.maxPerPage ?? 1000;
  const d1 = new StandInD1();
  const state: StandInState = {
    zones: (options.zones ?? []).map((zone) => ({
      id: zone.id ?? hex32(),
      name: zone.name,
      status: "active",
      account: { id: accountId },
    })),
    kvNamespaces: [],
    buckets: [],
    databases: [],
    queues: [],
    consumers: [],
    dispatchNamespaces: [],
    scripts: [],
    routes: [],
    dnsRecords: [],
    customHostnames: [],
    requests: [],
  };
  let failures: { count: number; status: number; retryAfterSeconds: number | undefined } = {
    count: 0,
    status: 500,
    retryAfterSeconds: undefined,
  };

  /** A page of `items` per `page`/`per_page`, with the page-based `result_info`. */
  const paged = (items: ReadonlyArray<unknown>, url: URL, defaultPerPage: number): Answer => {
    const page = Math.max(1, Number.parseInt(url.searchParams.get("page") ?? "1", 10) || 1);
    const asked = Number.parseInt(url.searchParams.get("per_page") ?? String(defaultPerPage), 10);
    const perPage = Math.max(1, Math.min(maxPerPage, Number.isNaN(asked) ? defaultPerPage : asked));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    return ok(slice, {
      page,
      per_page: perPage,
      count: slice.length,
      total_count: items.length,
      total_pages: Math.ceil(items.length / perPage),
    });
  };

  const jsonBody = async (request: Request): Promise<Record<string, unknown> | undefined> => {
    try {
      const value: unknown = await request.json();
      return typeof value === "object" && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  };

  const stringField = (body: Record<string, unknown> | undefined, field: string): string | undefined => {
    const value = body?.[field];
    return typeof value === "string" && value !== "" ? value : undefined;
  };

  const invalidBody = (field: string): Answer => refuse(400, 10026, `Invalid request: ${field} is required`);

  const handleAccount = async (request: Request, url: URL, rest: string[]): Promise<Answer> => {
    const method = request.method;
    const route = rest.join("/");

    // KV namespaces
    if (route === "storage/kv/namespaces") {
      if (method === "GET") return paged(state.kvNamespaces, url, 20);
      if (method === "POST") {
        const title = stringField(await jsonBody(request), "title");
        if (title === undefined) return invalidBody("title");
        if (state.kvNamespaces.some((namespace) => namespace.title === title)) {
          return refuse(400, 10014, "a namespace with this account ID and title already exists");
        }
        const namespace: KvNamespace = { id: hex32(), title, supports_url_encoding: true };
        state.kvNamespaces.push(namespace);
        return ok(namespace);
      }
    }

    if (rest[0] === "storage" && rest[1] === "kv" && rest[2] === "namespaces" && rest.length === 4) {
      if (method !== "DELETE") return noRoute();
      const index = state.kvNamespaces.findIndex((namespace) => namespace.id === rest[3]);
      if (index === -1) return refuse(404, 10013, "namespace not found");
      state.kvNamespaces.splice(index, 1);
      return ok(null);
    }

    // R2 buckets (cursor paging)
    if (route === "r2/buckets") {
      if (method === "GET") {
        const start = Number.parseInt(url.searchParams.get("cursor") ?? "0", 10) || 0;
        const asked = Number.parseInt(url.searchParams.get("per_page") ?? "20", 10) || 20;
        const perPage = Math.max(1, Math.min(maxPerPage, asked));
        const buckets = state.buckets.slice(start, start + perPage);
        const more = start + perPage < state.buckets.length;
        return ok(
          { buckets },
          more ? { cursor: String(start + perPage), per_page: perPage } : { per_page: perPage },
        );
      }
      if (method === "POST") {
        const name = stringField(await jsonBody(request), "name");
        if (name === undefined) return invalidBody("name");
        if (!BUCKET_NAME.test(name)) return refuse(400, 10005, "The specified bucket name is not valid.");
        if (state.buckets.some((bucket) => bucket.name === name)) {
          return refuse(409, 10004, "The bucket you tried to create already exists, and you own it.");
        }
        const bucket: R2Bucket = { name, creation_date: now(), location: "WEUR", storage_class: "Standard" };
        state.buckets.push(bucket);
        return ok(bucket);
      }
    }

    if (rest[0] === "r2" && rest[1] === "buckets" && rest.length === 3) {
      if (method !== "DELETE") return noRoute();
      const index = state.buckets.findIndex((bucket) => bucket.name === rest[2]);
      if (index === -1) return refuse(404, 10006, "The specified bucket does not exist.");
      state.buckets.splice(index, 1);
      return ok({});
    }

    // D1 databases
    if (route === "d1/database") {
      if (method === "GET") {
        const name = url.searchParams.get("name");
        const found =
          name === null
            ? state.databases
            : state.databases.filter((database) => database.name.includes(name));
        return paged(found, url, 1000);
      }
      if (method === "POST") {
        const name = stringField(await jsonBody(request), "name");
        if (name === undefined) return invalidBody("name");
        if (state.databases.some((database) => database.name === name)) {
          return refuse(400, 7502, "A database with that name already exists");
        }
        const database: D1Database = {
          uuid: randomUUID(),
          name,
          version: "production",
          created_at: now(),
          num_tables: 0,
          file_size: 0,
        };
        state.databases.push(database);
        d1.database(database.uuid);
        return ok(database);
      }
    }
    if (rest[0] === "d1" && rest[1] === "database" && rest.length === 3) {
      if (method !== "DELETE") return noRoute();
      const index = state.databases.findIndex((database) => database.uuid === rest[2]);
      if (index === -1) return refuse(404, 7404, `The database ${rest[2]} could not be found.`);
      state.databases.splice(index, 1);
      d1.drop(rest[2]!);
      return ok(null);
    }
    if (rest[0] === "d1" && rest[1] === "database" && rest[3] === "query" && rest.length === 4) {
      if (method !== "POST") return noRoute();
      const databaseId = rest[2]!;
      if (!state.databases.some((database) => database.uuid === databaseId)) {
        return refuse(404, 7404, `The database ${databaseId} could not be found.`);
      }
      const body = await jsonBody(request);
      const sql = stringField(body, "sql");
      if (sql === undefined) return invalidBody("sql");
      // SQLite has no booleans; D1 stores them as 1 and 0.
      const params = (Array.isArray(body?.["params"]) ? (body["params"] as unknown[]) : []).map(
        (param): SQLInputValue => (typeof param === "boolean" ? (param ? 1 : 0) : (param as SQLInputValue)),
      );
      try {
        return ok(d1.query(databaseId, sql, params));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return refuse(400, 7500, `${message}: SQLITE_ERROR`);
      }
    }

    // Queues and their consumers
    if (route === "queues") {
      if (method === "GET") return paged(state.queues, url, 100);
      if (method === "POST") {
        const name = stringField(await jsonBody(request), "queue_name");
        if (name === undefined) return invalidBody("queue_name");
        if (state.queues.some((queue) => queue.queue_name === name)) {
          return refuse(409, 11009, "Queue name already taken");
        }
        const queue: Queue = {
          queue_id: hex32(),
          queue_name: name,
          created_on: now(),
          modified_on: now(),
          producers_total_count: 0,
          consumers_total_count: 0,
        };
        state.queues.push(queue);
        return ok(queue);
      }
    }
    if (rest[0] === "queues" && rest.length === 2) {
      if (method !== "DELETE") return noRoute();
      const index = state.queues.findIndex((queue) => queue.queue_id === rest[1]);
      if (index === -1) return refuse(404, 11000, "Queue does not exist");
      state.queues.splice(index, 1);
      for (let at = state.consumers.length - 1; at >= 0; at -= 1) {
        if (state.consumers[at]?.queue_id === rest[1]) state.consumers.splice(at, 1);
      }
      return ok(null);
    }
    if (rest[0] === "queues" && rest[2] === "consumers" && rest.length === 3) {
      const queueId = rest[1]!;
      if (!state.queues.some((queue) => queue.queue_id === queueId)) {
        return refuse(404, 11000, "Queue does not exist");
      }
      if (method === "GET") return ok(state.consumers.filter((consumer) => consumer.queue_id === queueId));
      if (method === "POST") {
        const body = await jsonBody(request);
        const scriptName = stringField(body, "script_name");
        if (scriptName === undefined) return invalidBody("script_name");
        if (body?.["type"] !== "worker")
          return refuse(400, 11005, "Invalid consumer type: only worker is supported");
        if (state.consumers.some((consumer) => consumer.queue_id === queueId && consumer.type === "worker")) {
          return refuse(409, 11004, "Queue already has a worker consumer");
        }
        const deadLetter = stringField(body, "dead_letter_queue");
        const consumer = {
          consumer_id: hex32(),
          queue_id: queueId,
          type: "worker",
          script: scriptName,
          settings: (body?.["settings"] as QueueConsumer["settings"]) ?? {},
          ...(deadLetter === undefined ? {} : { dead_letter_queue: deadLetter }),
          created_on: now(),
        };
        state.consumers.push(consumer);
        return ok(consumer);
      }
    }

    if (rest[0] === "queues" && rest[2] === "consumers" && rest.length === 4 && method === "DELETE") {
      const index = state.consumers.findIndex(
        (consumer) => consumer.queue_id === rest[1] && consumer.consumer_id === rest[3],
      );
      if (index === -1) return refuse(404, 11001, "Consumer does not exist");
      state.consumers.splice(index, 1);
      return ok(null);
    }
    if (rest[0] === "queues" && rest[2] === "consumers" && rest.length === 4 && method === "PUT") {
      const index = state.consumers.findIndex(
        (consumer) => consumer.queue_id === rest[1] && consumer.consumer_id === rest[3],
      );
      const existing = state.consumers[index];
      if (existing === undefined) return refuse(404, 11001, "Consumer does not exist");
      const body = await jsonBody(request);
      const scriptName = stringField(body, "script_name");
      if (scriptName === undefined) return invalidBody("script_name");
      const deadLetter = stringField(body, "dead_letter_queue");
      const { dead_letter_queue: _previous, ...kept } = existing;
      const updated = {
        ...kept,
        script: scriptName,
        settings: (body?.["settings"] as QueueConsumer["settings"]) ?? {},
        ...(deadLetter === undefined ? {} : { dead_letter_queue: deadLetter }),
      };
      state.consumers[index] = updated;
      return ok(updated);
    }

    // Workers for Platforms
    if (route === "workers/dispatch/namespaces") {
      if (method === "GET") return ok(state.dispatchNamespaces);
      if (method === "POST") {
        const name = stringField(await jsonBody(request), "name");
        if (name === undefined) return invalidBody("name");
        if (state.dispatchNamespaces.some((namespace) => namespace.namespace_name === name)) {
          return refuse(409, 100119, "A dispatch namespace with this name already exists");
        }
        const namespace: DispatchNamespace = {
          namespace_id: randomUUID(),
          namespace_name: name,
          created_on: now(),
          modified_on: now(),
          script_count: 0,
          trusted_workers: false,
        };
        state.dispatchNamespaces.push(namespace);
        return ok(namespace);
      }
    }
    if (
      rest[0] === "workers" &&
      rest[1] === "dispatch" &&
      rest[2] === "namespaces" &&
      rest[4] === "scripts" &&
      rest.length === 5 &&
      method === "GET"
    ) {
      const namespace = rest[3]!;
      if (!state.dispatchNamespaces.some((entry) => entry.namespace_name === namespace)) {
        return refuse(404, 100118, `Dispatch namespace ${namespace} not found`);
      }
      return ok(state.scripts.filter((script) => script.namespace === namespace).map(scriptRecord));
    }
    if (
      rest[0] === "workers" &&
      rest[1] === "dispatch" &&
      rest[2] === "namespaces" &&
      rest[4] === "scripts" &&
      rest.length === 6
    ) {
      const namespace = rest[3]!;
      const scriptName = rest[5]!;
      if (!state.dispatchNamespaces.some((entry) => entry.namespace_name === namespace)) {
        return refuse(404, 100118, `Dispatch namespace ${namespace} not found`);
      }
      const index = state.scripts.findIndex(
        (script) => script.namespace === namespace && script.scriptName === scriptName,
      );
      if (method === "PUT") return uploadScript(request, namespace, scriptName, index);
      if (method === "GET") {
        const script = state.scripts[index];
        if (script === undefined) return refuse(404, 10007, "This Worker does not exist on your account.");
        return ok({
          created_on: script.createdOn,
          modified_on: script.modifiedOn,
          dispatch_namespace: namespace,
          script: scriptRecord(script),
        });
      }
      if (method === "DELETE") {
        if (index === -1) return refuse(404, 10007, "This Worker does not exist on your account.");
        await options.onScriptDelete?.({ namespace, scriptName });
        state.scripts.splice(index, 1);
        countScripts(namespace);
        return ok(null);
      }
    }
    return noRoute();
  };

  const scriptRecord = (script: StandInScript) => ({
    id: script.scriptName,
    etag: script.etag,
    created_on: script.createdOn,
    modified_on: script.modifiedOn,
    compatibility_date: script.metadata["compatibility_date"],
    handlers: ["fetch"],
    usage_model: "standard",
  });

  const countScripts = (namespace: string) => {
    const entry = state.dispatchNamespaces.find((candidate) => candidate.namespace_name === namespace);
    if (entry === undefined) return;
    const count = state.scripts.filter((script) => script.namespace === namespace).length;
    state.dispatchNamespaces[state.dispatchNamespaces.indexOf(entry)] = { ...entry, script_count: count };
  };

  /** Bindings must be `{ type, name }` objects, and those naming an account resource must name one that exists. */
  const checkBindings = (bindings: unknown): Answer | undefined => {
    if (bindings === undefined) return undefined;
    if (!Array.isArray(bindings)) return refuse(400, 10021, "metadata.bindings must be an array");
    for (const binding of bindings as unknown[]) {
      const entry = (typeof binding === "object" && binding !== null ? binding : {}) as Record<
        string,
        unknown
      >;
      const { type, name } = entry;
      if (typeof type !== "string" || typeof name !== "string" || name === "") {
        return refuse(400, 10021, "Every binding needs a string type and name");
      }
      if (!(options.checkBindings ?? true)) continue;
      const reference = (field: string) => (typeof entry[field] === "string" ? (entry[field] as string) : "");
      if (type === "kv_namespace") {
        const id = reference("namespace_id");
        if (!state.kvNamespaces.some((namespace) => namespace.id === id)) {
          return refuse(400, 10041, `KV namespace '${id}' is not valid. (binding ${name})`);
        }
      } else if (type === "d1") {
        const id = reference("id");
        if (!state.databases.some((database) => database.uuid === id)) {
          return refuse(400, 10021, `D1 database '${id}' of binding ${name} was not found`);
        }
      } else if (type === "r2_bucket") {
        const bucket = reference("bucket_name");
        if (!state.buckets.some((entry) => entry.name === bucket)) {
          return refuse(400, 10085, `R2 bucket '${bucket}' of binding ${name} does not exist`);
        }
      } else if (type === "queue") {
        const queue = reference("queue_name");
        if (!state.queues.some((entry) => entry.queue_name === queue)) {
          return refuse(400, 11000, `Queue '${queue}' of binding ${name} does not exist`);
        }
      }
    }
    return undefined;
  };

  const uploadScript = async (
    request: Request,
    namespace: string,
    scriptName: string,
    index: number,
  ): Promise<Answer> => {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      return refuse(400, 10001, "Expected a multipart/form-data body with a metadata part");
    }
    const metadataPart = form.get("metadata");
    if (metadataPart === null) {
      return refuse(400, 10021, "Missing metadata part: a module Worker upload needs its metadata as JSON");
    }
    let metadata: Record<string, unknown>;
    try {
      const text = typeof metadataPart === "string" ? metadataPart : await metadataPart.text();
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new Error("not an object");
      metadata = parsed as Record<string, unknown>;
    } catch {
      return refuse(400, 10021, "The metadata part is not a JSON object");
    }
    const modules: StandInModule[] = [];
    for (const [name, value] of form.entries()) {
      if (name === "metadata") continue;
      if (typeof value === "string") {
        modules.push({ name, content: new TextEncoder().encode(value), contentType: "text/plain" });
      } else {
        modules.push({ name, content: new Uint8Array(await value.arrayBuffer()), contentType: value.type });
      }
    }
    const mainModule = metadata["main_module"];
    if (typeof mainModule !== "string" || mainModule === "") {
      return refuse(400, 10021, "metadata.main_module is required for a module Worker");
    }
    if (!modules.some((module) => module.name === mainModule)) {
      return refuse(
        400,
        10021,
        `No such module "${mainModule}": main_module must be one of the uploaded parts`,
      );
    }
    if (typeof metadata["compatibility_date"] !== "string") {
      return refuse(400, 10021, "metadata.compatibility_date is required");
    }
    const bindingProblem = checkBindings(metadata["bindings"]);
    if (bindingProblem !== undefined) return bindingProblem;
    const event: ScriptUploadEvent = { namespace, scriptName, metadata, modules };
    try {
      await options.onScriptUpload?.(event);
    } catch (error) {
      // A hook that refuses the script as Cloudflare would (a 4xx and an API error code) is answered so.
      const { status, code } = error as { status?: unknown; code?: unknown };
      if (typeof status === "number" && status >= 400 && status < 500)
        return refuse(
          status,
          typeof code === "number" ? code : 10021,
          error instanceof Error ? error.message : String(error),
        );
      throw error;
    }
    const previous = state.scripts[index];
    const script: StandInScript = {
      ...event,
      etag: hex32(),
      createdOn: previous?.createdOn ?? now(),
      modifiedOn: now(),
    };
    if (previous === undefined) state.scripts.push(script);
    else state.scripts[index] = script;
    countScripts(namespace);
    return ok(scriptRecord(script));
  };

  const handleZone = async (request: Request, url: URL, zoneId: string, rest: string[]): Promise<Answer> => {
    if (!state.zones.some((zone) => zone.id === zoneId)) {
      return refuse(
        400,
        7003,
        `Could not route to ${url.pathname.slice(API_ROOT.length)}, perhaps your object identifier is invalid?`,
      );
    }
    const method = request.method;
    const route = rest.join("/");
    if (route === "workers/routes") {
      if (method === "GET") {
        return ok(
          state.routes
            .filter((entry) => entry.zone_id === zoneId)
            .map(({ id, pattern, script }) => ({ id, pattern, script })),
        );
      }
      if (method === "POST") {
        const body = await jsonBody(request);
        const pattern = stringField(body, "pattern");
        if (pattern === undefined) return invalidBody("pattern");
        const script = stringField(body, "script");
        if (state.routes.some((entry) => entry.zone_id === zoneId && entry.pattern === pattern)) {
          return refuse(409, 10020, "A route with the same pattern already exists.");
        }
        const route = { id: hex32(), pattern, ...(script === undefined ? {} : { script }), zone_id: zoneId };
        state.routes.push(route);
        return ok({ id: route.id, pattern, ...(script === undefined ? {} : { script }) });
      }
    }
    if (rest[0] === "workers" && rest[1] === "routes" && rest.length === 3 && method === "DELETE") {
      const index = state.routes.findIndex((entry) => entry.zone_id === zoneId && entry.id === rest[2]);
      if (index === -1) return refuse(404, 10019, "Route not found");
      state.routes.splice(index, 1);
      return ok({ id: rest[2] });
    }
    if (route === "custom_hostnames") {
      if (method === "GET") {
        const hostname = url.searchParams.get("hostname");
        const entries = state.customHostnames
          .filter((entry) => entry.zone_id === zoneId && (hostname === null || entry.hostname === hostname))
          .map(({ zone_id: _zone, ...entry }) => entry);
        return paged(entries, url, 20);
      }
      if (method === "POST") {
        const body = await jsonBody(request);
        const hostname = stringField(body, "hostname");
        if (hostname === undefined) return invalidBody("hostname");
        if (state.customHostnames.some((entry) => entry.hostname === hostname)) {
          return refuse(409, 1406, "Duplicate custom hostname found.");
        }
        const ssl = (body?.["ssl"] ?? {}) as { method?: string; type?: string };
        const entry = {
          id: randomUUID(),
          hostname,
          status: "pending",
          ssl: { status: "pending_validation", method: ssl.method ?? "http", type: ssl.type ?? "dv" },
          created_at: now(),
        };
        state.customHostnames.push({ ...entry, zone_id: zoneId });
        return ok(entry);
      }
    }
    if (rest[0] === "custom_hostnames" && rest.length === 2 && method === "DELETE") {
      const index = state.customHostnames.findIndex(
        (entry) => entry.zone_id === zoneId && entry.id === rest[1],
      );
      if (index === -1) return refuse(404, 1436, "The custom hostname was not found.");
      state.customHostnames.splice(index, 1);
      return ok({ id: rest[1] });
    }
    if (route === "dns_records" && method === "GET") {
      const name = url.searchParams.get("name");
      const type = url.searchParams.get("type");
      const records = state.dnsRecords
        .filter((record) => record.zone_id === zoneId)
        .filter(
          (record) => (name === null || record.name === name) && (type === null || record.type === type),
        )
        .map(({ zone_id: _zone, ...record }) => record);
      return paged(records, url, 100);
    }
    return noRoute();
  };

  const noRoute = (): Answer => refuse(400, 7000, "No route for that URI");

  const route = async (request: Request, url: URL): Promise<Answer> => {
    if (failures.count > 0) {
      failures.count -= 1;
      const headers =
        failures.retryAfterSeconds === undefined
          ? undefined
          : { "retry-after": String(failures.retryAfterSeconds) };
      return failures.status === 429
        ? refuse(429, 971, "Please wait and consider throttling your request speed", headers)
        : refuse(failures.status, 10013, "An unknown error has occurred", headers);
    }
    if (request.headers.get("authorization") !== `Bearer ${apiToken}`) {
      return refuse(401, 10000, "Authentication error");
    }
    if (!url.pathname.startsWith(`${API_ROOT}/`)) return noRoute();
    const parts = url.pathname
      .slice(API_ROOT.length + 1)
      .split("/")
      .map((part) => decodeURIComponent(part));
    if (parts[0] === "accounts" && parts.length >= 3) {
      if (parts[1] !== accountId) return refuse(403, 9109, "Unauthorized to access requested resource");
      return handleAccount(request, url, parts.slice(2));
    }
    if (parts[0] === "zones" && parts.length === 1 && request.method === "GET") {
      const name = url.searchParams.get("name");
      const account = url.searchParams.get("account.id");
      const zones = state.zones.filter(
        (zone) => (name === null || zone.name === name) && (account === null || zone.account?.id === account),
      );
      return paged(zones, url, 20);
    }
    if (parts[0] === "zones" && parts.length >= 3) return handleZone(request, url, parts[1]!, parts.slice(2));
    return noRoute();
  };

  const serve = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const url = new URL(incoming.url ?? "/", "http://stand-in");
    const entry: StandInRequest = {
      method: incoming.method ?? "GET",
      path: url.pathname.startsWith(API_ROOT) ? url.pathname.slice(API_ROOT.length) : url.pathname,
      query: url.search,
      status: 0,
    };
    state.requests.push(entry);
    let answer: Answer;
    try {
      const body = await readBody(incoming);
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (typeof value === "string") headers.set(name, value);
        else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
      }
      const request = new Request(url, {
        method: entry.method,
        headers,
        ...(body.length === 0 || entry.method === "GET" || entry.method === "HEAD"
          ? {}
          : { body: new Uint8Array(body) }),
      });
      answer = await route(request, url);
    } catch (error) {
      answer = refuse(
        500,
        10013,
        `Internal error: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    entry.status = answer.status;
    outgoing.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
    outgoing.end(JSON.stringify(answer.body));
  };

  const server = createServer((incoming, outgoing) => {
    void serve(incoming, outgoing);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}${API_ROOT}`,
    port,
    accountId,
    apiToken,
    state,
    failNext: (count, status, failOptions = {}) => {
      failures = { count, status, retryAfterSeconds: failOptions.retryAfterSeconds };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          d1.close();
          if (error) reject(error);
          else resolve();
        });
      }),
  };
};
