/**
 * KV on the protocol workerd's KV binding speaks: `GET`, `PUT`, `DELETE /<key>`, `GET /?prefix=` for a
 * page of keys and `POST /bulk/get`; refusals are a status and its text, which the binding turns into the
 * app's `KV GET failed: 414 ...` error. Limits and texts are those of Workers KV.
 */

import {
  type BindingGateway,
  GatewayFailure,
  type GatewayRequest,
  readBody,
  utf8Length,
} from "../gateway.js";
import { kvNamespaceFile } from "../layout.js";
import { makeResourceDatabases } from "../sqliteFiles.js";
import { createKvTables, type KvEntry, kvNamespace } from "./kvNamespace.js";

/** Workers KV limits. */
export const KV_LIMITS = {
  keyBytes: 512,
  valueBytes: 25 * 1024 * 1024,
  metadataBytes: 1024,
  listKeys: 1000,
  bulkKeys: 100,
  bulkBytes: 25 * 1024 * 1024,
  minExpirationTtlSeconds: 60,
  minCacheTtlSeconds: 30,
} as const;

export const kvMessages = {
  emptyKey: "Key names must not be empty",
  illegalKey: (key: string) => `Illegal key name "${key}". Please use a different name.`,
  keyTooLong: (bytes: number) =>
    `UTF-8 encoded length of ${bytes} exceeds key length limit of ${KV_LIMITS.keyBytes}.`,
  keyEncoding: "Invalid key encoding",
  valueTooLarge: (bytes: number) => `Value length of ${bytes} exceeds limit of ${KV_LIMITS.valueBytes}.`,
  metadataTooLarge: (bytes: number) =>
    `Metadata length of ${bytes} exceeds limit of ${KV_LIMITS.metadataBytes}.`,
  metadataNotJson: "Metadata must be valid JSON.",
  badTtl: (text: string) => `Invalid expiration_ttl of ${text}. Please specify integer greater than 0.`,
  shortTtl: (text: string) =>
    `Invalid expiration_ttl of ${text}. Expiration TTL must be at least ${KV_LIMITS.minExpirationTtlSeconds}.`,
  pastExpiration: (text: string) =>
    `Invalid expiration of ${text}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
  nearExpiration: (text: string) =>
    `Invalid expiration of ${text}. Expiration times must be at least ${KV_LIMITS.minExpirationTtlSeconds} seconds in the future.`,
  badCacheTtl: (text: string) =>
    `Invalid cache_ttl of ${text}. Cache TTL must be at least ${KV_LIMITS.minCacheTtlSeconds}.`,
  badListLimit: (text: string) =>
    `Invalid key_count_limit of ${text}. Please specify an integer greater than 0.`,
  listLimitTooHigh: (text: string) =>
    `Invalid key_count_limit of ${text}. Please specify an integer less than ${KV_LIMITS.listKeys}.`,
  badCursor: "Invalid cursor.",
  badBulkBody: "Invalid JSON",
  badBulkType: (type: string) => `"${type}" is not a valid type. Use "json" or "text"`,
  tooManyBulkKeys: `You can request a maximum of ${KV_LIMITS.bulkKeys} keys`,
  noBulkKeys: "You must request a minimum of 1 key",
  bulkNotJson: "At least one of the requested keys corresponds to a non-json value",
  bulkTooLarge: `Total size of request exceeds the limit of ${KV_LIMITS.bulkBytes / 1024 / 1024}MB`,
  methodNotAllowed: "Method Not Allowed",
} as const;

const fail = (status: number, message: string) => new GatewayFailure(status, message);

const checkKey = (key: string): void => {
  if (key === "") throw fail(400, kvMessages.emptyKey);
  if (key === "." || key === "..") throw fail(400, kvMessages.illegalKey(key));
  const bytes = utf8Length(key);
  if (bytes > KV_LIMITS.keyBytes) throw fail(414, kvMessages.keyTooLong(bytes));
};

const decodeKey = (path: string): string => {
  try {
    return decodeURIComponent(path.slice(1));
  } catch {
    throw fail(400, kvMessages.keyEncoding);
  }
};

const checkCacheTtl = (text: string | null | undefined): void => {
  if (text === null || text === undefined) return;
  const ttl = Number(text);
  if (!Number.isInteger(ttl) || ttl < KV_LIMITS.minCacheTtlSeconds)
    throw fail(400, kvMessages.badCacheTtl(String(text)));
};

/** `expiration_ttl` (seconds from now) wins over `expiration` (epoch seconds); the answer is in ms. */
const expirationOf = (query: URLSearchParams, now: number): number | null => {
  const nowSeconds = Math.floor(now / 1000);
  const ttlText = query.get("expiration_ttl");
  if (ttlText !== null) {
    const ttl = Number.parseInt(ttlText, 10);
    if (Number.isNaN(ttl) || ttl <= 0) throw fail(400, kvMessages.badTtl(ttlText));
    if (ttl < KV_LIMITS.minExpirationTtlSeconds) throw fail(400, kvMessages.shortTtl(ttlText));
    return (nowSeconds + ttl) * 1000;
  }
  const atText = query.get("expiration");
  if (atText === null) return null;
  const at = Number.parseInt(atText, 10);
  if (Number.isNaN(at) || at <= nowSeconds) throw fail(400, kvMessages.pastExpiration(atText));
  if (at < nowSeconds + KV_LIMITS.minExpirationTtlSeconds) throw fail(400, kvMessages.nearExpiration(atText));
  return at * 1000;
};

const encodeCursor = (key: string): string => Buffer.from(key, "utf8").toString("base64url");

const decodeCursor = (cursor: string): string => {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (encodeCursor(key) !== cursor.replace(/=+$/, "")) throw fail(400, kvMessages.badCursor);
  return key;
};

const json = (request: GatewayRequest, body: unknown): void => {
  const text = JSON.stringify(body);
  request.response.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  request.response.end(text);
};

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder();

export interface KvGatewayOptions {
  readonly dataDir: string;
  /** The clock, injectable for expiry tests. */
  readonly now?: () => number;
}

export const makeKvGateway = (options: KvGatewayOptions): BindingGateway => {
  const files = makeResourceDatabases();
  const now = options.now ?? Date.now;
  const namespaceOf = (request: GatewayRequest) =>
    kvNamespace(files.open(kvNamespaceFile(options.dataDir, request.grant.resourceId), createKvTables));

  const get = (request: GatewayRequest, key: string) => {
    checkKey(key);
    checkCacheTtl(request.query.get("cache_ttl"));
    const [entry] = namespaceOf(request).read([key], now());
    request.count("kv.read", "success");
    if (entry === null || entry === undefined) {
      request.response.writeHead(404, { "content-length": 0, "cf-cache-status": "MISS" });
      request.response.end();
      return;
    }
    const headers: Record<string, string | number> = {
      "content-length": entry.value.length,
      "cf-cache-status": "MISS",
    };
    if (entry.metadata !== null) headers["cf-kv-metadata"] = entry.metadata;
    request.response.writeHead(200, headers);
    request.response.end(entry.value);
  };

  const put = async (request: GatewayRequest, key: string) => {
    checkKey(key);
    const at = now();
    const expiration = expirationOf(request.query, at);
    const header = request.request.headers["cf-kv-metadata"];
    const metadata = typeof header === "string" ? header : null;
    if (metadata !== null) {
      const bytes = utf8Length(metadata);
      if (bytes > KV_LIMITS.metadataBytes) throw fail(413, kvMessages.metadataTooLarge(bytes));
      try {
        JSON.parse(metadata);
      } catch {
        throw fail(400, kvMessages.metadataNotJson);
      }
    }
    const value = await readBody(request.request, KV_LIMITS.valueBytes, (size) =>
      fail(413, kvMessages.valueTooLarge(size)),
    );
    const entry: KvEntry = { value, expiration, metadata };
    namespaceOf(request).write(key, entry, at);
    request.count("kv.write", "success");
    request.response.writeHead(200, { "content-length": 0 });
    request.response.end();
  };

  const remove = (request: GatewayRequest, key: string) => {
    checkKey(key);
    namespaceOf(request).remove(key);
    request.count("kv.delete", "success");
    request.response.writeHead(200, { "content-length": 0 });
    request.response.end();
  };

  const list = (request: GatewayRequest) => {
    const limitText = request.query.get("key_count_limit");
    const limit = limitText === null ? KV_LIMITS.listKeys : Number.parseInt(limitText, 10);
    if (Number.isNaN(limit) || limit < 1) throw fail(400, kvMessages.badListLimit(String(limitText)));
    if (limit > KV_LIMITS.listKeys) throw fail(400, kvMessages.listLimitTooHigh(String(limitText)));
    const prefix = request.query.get("prefix") ?? "";
    const prefixBytes = utf8Length(prefix);
    if (prefixBytes > KV_LIMITS.keyBytes) throw fail(414, kvMessages.keyTooLong(prefixBytes));
    const cursor = request.query.get("cursor");
    const after = cursor === null || cursor === "" ? "" : decodeCursor(cursor);
    const rows = namespaceOf(request).list(prefix, after, limit + 1, now());
    const keys = rows.slice(0, limit).map((row) => ({
      name: row.key,
      ...(row.expiration === null ? {} : { expiration: Math.floor(row.expiration / 1000) }),
      // The binding parses this text itself.
      ...(row.metadata === null ? {} : { metadata: row.metadata }),
    }));
    const complete = rows.length <= limit;
    request.count("kv.list", "success");
    json(request, {
      keys,
      list_complete: complete,
      ...(complete ? {} : { cursor: encodeCursor(keys[keys.length - 1]!.name) }),
    });
  };

  const bulkGet = async (request: GatewayRequest) => {
    const text = await readBody(request.request, 1024 * 1024, () => fail(413, kvMessages.badBulkBody));
    let body: unknown;
    try {
      body = JSON.parse(text.toString("utf8"));
    } catch {
      throw fail(400, kvMessages.badBulkBody);
    }
    if (typeof body !== "object" || body === null) throw fail(400, kvMessages.badBulkBody);
    const fields = body as { keys?: unknown; type?: unknown; withMetadata?: unknown; cacheTtl?: unknown };
    const keys = Array.isArray(fields.keys) ? fields.keys.map(String) : [];
    const type = fields.type ?? "text";
    if (type !== "text" && type !== "json") throw fail(400, kvMessages.badBulkType(String(type)));
    if (keys.length > KV_LIMITS.bulkKeys) throw fail(400, kvMessages.tooManyBulkKeys);
    if (keys.length < 1) throw fail(400, kvMessages.noBulkKeys);
    for (const key of keys) checkKey(key);
    checkCacheTtl(fields.cacheTtl === undefined ? undefined : String(fields.cacheTtl));
    const entries = namespaceOf(request).read(keys, now());
    let total = 0;
    const answer: Record<string, unknown> = {};
    keys.forEach((key, index) => {
      const entry = entries[index] ?? null;
      if (entry === null) {
        answer[key] = null;
        return;
      }
      total += entry.value.length;
      if (total > KV_LIMITS.bulkBytes) throw fail(413, kvMessages.bulkTooLarge);
      let value: unknown;
      if (type === "json") {
        try {
          value = JSON.parse(strictUtf8.decode(entry.value));
        } catch {
          throw fail(400, kvMessages.bulkNotJson);
        }
      } else {
        value = lenientUtf8.decode(entry.value);
      }
      answer[key] =
        fields.withMetadata === true
          ? { value, metadata: entry.metadata === null ? null : JSON.parse(entry.metadata) }
          : value;
    });
    request.count("kv.read", "success", keys.length);
    json(request, answer);
  };

  const metricOf = (request: GatewayRequest): string => {
    const { method } = request.request;
    if (method === "PUT") return "kv.write";
    if (method === "DELETE") return "kv.delete";
    if (method === "GET" && (request.path === "/" || request.path === "")) return "kv.list";
    return "kv.read";
  };

  return {
    handle: async (request) => {
      const { method } = request.request;
      try {
        if (method === "POST" && request.path === "/bulk/get") return await bulkGet(request);
        if (method === "GET" && (request.path === "/" || request.path === "")) return list(request);
        const key = decodeKey(request.path);
        if (method === "GET") return get(request, key);
        if (method === "PUT") return await put(request, key);
        if (method === "DELETE") return remove(request, key);
        throw fail(405, kvMessages.methodNotAllowed);
      } catch (error) {
        request.count(metricOf(request), "error");
        throw error;
      }
    },
    close: () => files.close(),
  };
};
