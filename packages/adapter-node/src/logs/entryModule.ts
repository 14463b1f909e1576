/**
 * The entry module workerd runs as each app's main module when log capture is on: it imports the app's
 * own main module, re-exports its named exports and wraps two things, all inside the app's isolate.
 *
 * - The default export's handlers (`fetch`, `scheduled`, `queue`; an object or a `WorkerEntrypoint` class):
 *   each invocation runs in an `AsyncLocalStorage` context, so its `console.*` calls (also those made after
 *   the response, in `ctx.waitUntil` or while a body streams) and an uncaught exception are recorded with
 *   the request's method, URL and the response status, in the `TailTrace` shape the core reads.
 * - Every stateful-object class: a subclass whose `ctx.storage` counts what it does (4 KB read and write
 *   units and deletes for the key-value calls, rows from each `sql.exec` cursor) and whose invocations
 *   (`fetch`, `alarm`, RPC methods) are counted with their wall time, as one `objectUsage` trace per flush.
 *
 * Records are buffered in the isolate and sent in batches (10 ms window) to the log sink, a service binding
 * the wrapper removes from the `env` it hands to the app; workerd adds the deployment's log grant to those
 * requests. A quiet invocation (no console call, no exception) sends nothing.
 */

/** The binding the entry module flushes through; never visible on the app's `env`. */
export const LOG_SINK_BINDING = "__W7S_LOG_SINK";

export interface EntryModuleInput {
  /** The app's main module, as named in the bundle. */
  readonly mainModule: string;
  /** The bundle's module names, so the entry's own name never collides with one of them. */
  readonly moduleNames: ReadonlyArray<string>;
  /** Exported stateful-object classes to count. */
  readonly objectClasses: ReadonlyArray<string>;
  /** `secret_text` binding names: their values are replaced before a value is cut to its limit. */
  readonly secretNames: ReadonlyArray<string>;
  /** The app's module sources: see `needsInvocationContext`. */
  readonly sources: ReadonlyArray<string>;
}

/**
 * Whether invocations need an AsyncLocalStorage context: for `console` calls made after an `await` (or in
 * `ctx.waitUntil`, or while a body streams) to be recorded with their request, and for stateful objects'
 * storage counting. An app none of whose modules names `console` (or holds a `\u` escape, which could
 * spell it) has no such calls to attribute; only code that reaches `console` by a name it computes (a
 * global looked up by a built string) would go unrecorded, and then only its calls after an `await`.
 */
export const needsInvocationContext = (input: {
  readonly objectClasses: ReadonlyArray<string>;
  readonly sources: ReadonlyArray<string>;
}): boolean => input.objectClasses.length > 0 || input.sources.some((source) => /console|\\u/.test(source));

export interface EntryModule {
  readonly name: string;
  readonly source: string;
}

/** The part of the module that does not depend on the bundle (plain JavaScript, no template holes). */
const RUNTIME = String.raw`
const als = new AsyncLocalStorage();
const LIMIT = 4096;
const TRUNCATED = "...[truncated]";
const MAX_RECORDS = 100;
const WINDOW_MS = 10;
const MAX_TRACES = 500;
const UNIT_BYTES = 4096;

let sink;
// The invocation running synchronously right now: its console calls are recorded even without a context.
let current;
let needles = [];
const cleanEnvs = new WeakMap();
/** The app's view of env: everything but the log sink (kept here, in the module). */
const strip = (env) => {
  if (env === null || typeof env !== "object" || !(SINK in env)) return env;
  let clean = cleanEnvs.get(env);
  if (clean === undefined) {
    sink = env[SINK];
    const found = [];
    for (const name of SECRET_NAMES) {
      const value = env[name];
      if (typeof value === "string" && value !== "") found.push(value, encodeURIComponent(value));
    }
    needles = [...new Set(found)].filter((needle) => needle !== "").sort((a, b) => b.length - a.length);
    clean = {};
    for (const key of Object.keys(env)) if (key !== SINK) clean[key] = env[key];
    cleanEnvs.set(env, clean);
  }
  return clean;
};

const redact = (text) => {
  for (const needle of needles) if (text.includes(needle)) text = text.split(needle).join("[secret]");
  return text;
};
const cut = (text) => (text.length > LIMIT ? text.slice(0, LIMIT) + TRUNCATED : text);
const clean = (text) => cut(redact(String(text)));

/** A console argument as a JSON value, cut like the core cuts it (secrets replaced first). */
const snap = (value, depth, seen) => {
  switch (typeof value) {
    case "string":
      return clean(value);
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      return value;
    case "undefined":
      return "[undefined]";
    case "bigint":
      return value.toString();
    case "symbol":
      return clean(value.toString());
    case "function":
      return "[function " + (redact(value.name) || "anonymous") + "]";
  }
  if (value === null) return null;
  if (seen.includes(value)) return "[circular]";
  if (depth >= 4) return "[max-depth]";
  seen.push(value);
  try {
    if (value instanceof Error) {
      const error = { name: clean(value.name), message: clean(value.message) };
      if (typeof value.stack === "string") error.stack = clean(value.stack);
      return error;
    }
    if (Array.isArray(value)) return value.slice(0, 25).map((item) => snap(item, depth + 1, seen));
    const out = {};
    for (const key of Object.keys(value).slice(0, 25)) out[clean(key)] = snap(value[key], depth + 1, seen);
    return out;
  } catch {
    return "[unreadable]";
  } finally {
    seen.pop();
  }
};

const exceptionOf = (error) => {
  const object = error !== null && typeof error === "object" ? error : undefined;
  const exception = {
    name: clean(object?.name ?? "Error"),
    message: clean(object === undefined ? error : object.message),
    timestamp: Date.now(),
  };
  if (typeof object?.stack === "string") exception.stack = clean(object.stack);
  return exception;
};

// Traces waiting for the next flush, and the object usage counted since the last one.
const queue = [];
const sent = new WeakSet();
const usage = { dirty: false, requests: 0, errors: 0, durationMs: 0, rowsRead: 0, rowsWritten: 0, readUnits: 0, writeUnits: 0, deletes: 0 };
const takeUsage = () => {
  const { dirty, ...objectUsage } = usage;
  for (const key of Object.keys(objectUsage)) usage[key] = 0;
  usage.dirty = false;
  return { executionModel: "durableObject", outcome: "ok", eventTimestamp: Date.now(), event: {}, logs: [], exceptions: [], objectUsage };
};

let drainingSince = 0;
const bigints = (_key, value) => (typeof value === "bigint" ? value.toString() : value);
const drain = async () => {
  try {
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    while (queue.length > 0 || usage.dirty) {
      const traces = queue.splice(0, MAX_TRACES);
      for (const trace of traces) sent.add(trace);
      if (usage.dirty) traces.push(takeUsage());
      try {
        const response = await sink.fetch("http://w7s-log-sink/traces", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(traces, bigints),
        });
        await response.arrayBuffer();
      } catch {
        // The ingest refused or is gone: the batch is dropped, as the ingest's own back-pressure intends.
      }
    }
  } finally {
    drainingSince = 0;
  }
};
/** Starts a flush from the current invocation unless one is running (a stuck one is replaced after 15 s). */
const schedule = (ctx) => {
  if (sink === undefined) {
    queue.length = 0;
    return;
  }
  const now = Date.now();
  if (drainingSince !== 0 && now - drainingSince < 15000) return;
  drainingSince = now;
  const running = drain();
  try {
    ctx.waitUntil(running);
  } catch {}
};

const traceOf = (store, logs, exceptions) => {
  const trace = { outcome: store.outcome, eventTimestamp: store.at, event: {}, logs, exceptions };
  const request = store.request;
  if (request !== undefined) {
    trace.event.request = { method: request.method, url: request.url, cf: { colo: request.cf?.colo } };
    if (store.status !== undefined) trace.event.response = { status: store.status };
  }
  return trace;
};

/** A console call or exception of an invocation; after its end, it goes out in a trace of its own. */
const note = (store, field, entry) => {
  if (store.count >= MAX_RECORDS) return;
  store.count += 1;
  if (!store.sealed) {
    store[field].push(entry);
    return;
  }
  let pending = store.pending;
  if (pending === undefined || sent.has(pending)) {
    pending = traceOf(store, [], []);
    store.pending = pending;
    queue.push(pending);
    schedule(store.ctx);
  }
  pending[field].push(entry);
};

for (const level of ["debug", "info", "log", "warn", "error"]) {
  const original = console[level];
  if (typeof original !== "function") continue;
  console[level] = function (...args) {
    const store = als.getStore() ?? current;
    if (store !== undefined) {
      note(store, "logs", { level, message: args.slice(0, 25).map((arg) => snap(arg, 1, [])), timestamp: Date.now() });
    }
    return original.apply(this, args);
  };
}

const seal = (store) => {
  store.sealed = true;
  if (store.logs.length === 0 && store.exceptions.length === 0 && store.outcome === "ok") return;
  const trace = traceOf(store, store.logs, store.exceptions);
  store.pending = trace;
  queue.push(trace);
  schedule(store.ctx);
};

const newStore = (request, ctx) => ({
  request,
  status: undefined,
  outcome: "ok",
  at: Date.now(),
  logs: [],
  exceptions: [],
  count: 0,
  sealed: false,
  pending: undefined,
  ctx,
  object: undefined,
  cursors: undefined,
  started: 0,
});

const finished = (store, value) => {
  if (store.object !== undefined) objectDone(store, false);
  if (store.request !== undefined && value instanceof Response) store.status = value.status;
  seal(store);
  return value;
};
const failed = (store, error) => {
  if (store.object !== undefined) objectDone(store, true);
  store.outcome = "exception";
  note(store, "exceptions", exceptionOf(error));
  seal(store);
};

const invoke = (store, self, method, args) => {
  let result;
  const outer = current;
  current = store;
  try {
    result = method.apply(self, args);
  } catch (error) {
    failed(store, error);
    throw error;
  } finally {
    current = outer;
  }
  if (result !== null && typeof result === "object" && typeof result.then === "function") {
    return result.then(
      (value) => finished(store, value),
      (error) => {
        failed(store, error);
        throw error;
      },
    );
  }
  return finished(store, result);
};
/**
 * Runs one invocation and records how it ended: in its own AsyncLocalStorage context when the app can log
 * or has stateful objects (a context per invocation costs more than a small backend's whole request).
 */
const run = INVOCATION_CONTEXT ? (store, self, method, args) => als.run(store, invoke, store, self, method, args) : invoke;

const OBSERVED = new Set(["fetch", "scheduled", "queue"]);

const wrapDefault = (entry) => {
  if (typeof entry === "function") {
    class Entry extends entry {
      constructor(ctx, env, ...rest) {
        super(ctx, strip(env), ...rest);
      }
    }
    for (const name of OBSERVED) {
      const method = entry.prototype?.[name];
      if (typeof method !== "function") continue;
      Object.defineProperty(Entry.prototype, name, {
        configurable: true,
        writable: true,
        value: {
          [name](...args) {
            const store = newStore(name === "fetch" ? args[0] : undefined, this.ctx);
            return run(store, this, method, args);
          },
        }[name],
      });
    }
    Object.defineProperty(Entry, "name", { value: entry.name });
    return Entry;
  }
  if (entry === null || typeof entry !== "object") return entry;
  const names = new Set();
  for (let object = entry; object !== null && object !== Object.prototype; object = Object.getPrototypeOf(object)) {
    for (const name of Object.getOwnPropertyNames(object)) if (name !== "constructor") names.add(name);
  }
  const wrapped = {};
  for (const name of names) {
    let value;
    try {
      value = entry[name];
    } catch {
      continue;
    }
    if (typeof value !== "function") wrapped[name] = value;
    else if (OBSERVED.has(name)) {
      wrapped[name] = (event, env, ctx) =>
        run(newStore(name === "fetch" ? event : undefined, ctx), entry, value, [event, strip(env), ctx]);
    } else {
      wrapped[name] = (...args) => {
        if (args.length > 1) args[1] = strip(args[1]);
        return value.apply(entry, args);
      };
    }
  }
  return wrapped;
};

// Stateful objects: storage counted through ctx.storage, invocations timed.
const sizeOf = (value) => {
  if (value === undefined) return 0;
  if (typeof value === "string") return value.length;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value.byteLength;
  if (typeof value !== "object") return 8;
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return 0;
  }
};
const unitsOf = (bytes) => Math.max(1, Math.ceil(bytes / UNIT_BYTES));
const count = (field, units) => {
  usage[field] += units;
  usage.dirty = true;
};
const readUnits = (key, value) => {
  if (Array.isArray(key)) {
    let units = 0;
    for (const name of key) units += unitsOf(String(name).length + sizeOf(value?.get?.(name)));
    count("readUnits", units);
  } else count("readUnits", unitsOf(String(key).length + sizeOf(value)));
  return value;
};
const listUnits = (entries) => {
  let units = 0;
  if (entries instanceof Map) for (const [key, value] of entries) units += unitsOf(key.length + sizeOf(value));
  count("readUnits", Math.max(1, units));
  return entries;
};
const writeUnits = (key, value) => {
  if (key !== null && typeof key === "object") {
    let units = 0;
    for (const name of Object.keys(key)) units += unitsOf(name.length + sizeOf(key[name]));
    count("writeUnits", units);
  } else count("writeUnits", unitsOf(String(key).length + sizeOf(value)));
};

const strayCursors = [];
const harvest = (cursors) => {
  for (const cursor of cursors) {
    try {
      usage.rowsRead += cursor.rowsRead;
      usage.rowsWritten += cursor.rowsWritten;
      usage.dirty = true;
    } catch {}
  }
  cursors.length = 0;
};

/** A proxy that hands out bound methods of target, with some of them replaced. */
const counting = (target, replaced) => {
  const bound = new Map();
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(replaced, property)) return replaced[property];
      const value = Reflect.get(object, property, object);
      if (typeof value !== "function") return value;
      let method = bound.get(property);
      if (method === undefined) {
        method = value.bind(object);
        bound.set(property, method);
      }
      return method;
    },
  });
};

const countingSql = (sql) =>
  counting(sql, {
    exec(query, ...bindings) {
      const cursor = sql.exec(query, ...bindings);
      (als.getStore()?.cursors ?? strayCursors).push(cursor);
      return cursor;
    },
  });

const countingStorage = (storage) => {
  let sql;
  const replaced = {
    get: (key, options) => storage.get(key, options).then((value) => readUnits(key, value)),
    put: (key, value, options) => {
      writeUnits(key, value);
      return storage.put(key, value, options);
    },
    delete: (key, options) => {
      count("deletes", Array.isArray(key) ? key.length : 1);
      return storage.delete(key, options);
    },
    list: (options) => storage.list(options).then(listUnits),
    deleteAll: (options) => {
      count("deletes", 1);
      return storage.deleteAll(options);
    },
    setAlarm: (time, options) => {
      count("writeUnits", 1);
      return storage.setAlarm(time, options);
    },
    transaction: (closure, options) => storage.transaction((txn) => closure(countingStorage(txn)), options),
  };
  Object.defineProperty(replaced, "sql", {
    enumerable: true,
    get: () => {
      if (sql === undefined && storage.sql !== undefined) sql = countingSql(storage.sql);
      return sql;
    },
  });
  return counting(storage, replaced);
};

const objectStates = new WeakMap();
const objectDone = (store, error) => {
  if (error) usage.errors += 1;
  else usage.requests += 1;
  usage.durationMs += Math.max(0, Date.now() - store.started);
  usage.dirty = true;
  harvest(store.cursors);
  harvest(strayCursors);
  schedule(store.ctx);
};
const objectCall = (self, method, args) => {
  const current = als.getStore();
  // A method the object calls on itself is part of the invocation already running.
  if (current !== undefined && current.object === self) return method.apply(self, args);
  const store = newStore(args[0] instanceof Request ? args[0] : undefined, objectStates.get(self));
  store.object = self;
  store.cursors = [];
  store.started = Date.now();
  return run(store, self, method, args);
};

const wrapObject = (Base, className) => {
  // A declared class the app does not export: the namespace still loads, and using it fails (as without us).
  if (typeof Base !== "function") {
    return class extends DurableObject {
      constructor() {
        throw new Error("The app does not export the stateful-object class " + className + ".");
      }
    };
  }
  class Counted extends Base {
    constructor(state, env, ...rest) {
      try {
        Object.defineProperty(state, "storage", { configurable: true, enumerable: true, value: countingStorage(state.storage) });
      } catch {}
      super(state, strip(env), ...rest);
      objectStates.set(this, state);
    }
  }
  const names = new Set();
  for (let proto = Base.prototype; proto !== null && proto !== Object.prototype && proto !== DurableObject.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === "constructor") continue;
      if (typeof Object.getOwnPropertyDescriptor(proto, name)?.value === "function") names.add(name);
    }
  }
  for (const name of names) {
    const method = Base.prototype[name];
    Object.defineProperty(Counted.prototype, name, {
      configurable: true,
      writable: true,
      value: {
        [name](...args) {
          return objectCall(this, method, args);
        },
      }[name],
    });
  }
  Object.defineProperty(Counted, "name", { value: Base.name });
  return Counted;
};
`;

const isIdentifier = (name: string) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);

/** The entry module's name and source for one bundle. */
export const entryModule = (input: EntryModuleInput): EntryModule => {
  const taken = new Set(input.moduleNames);
  let name = "w7s-entry.js";
  for (let index = 1; taken.has(name); index += 1) name = `w7s-entry-${index}.js`;
  // Module names resolve like paths relative to the importing module; the entry sits at the root.
  const specifier = JSON.stringify(
    input.mainModule.startsWith("/") ? input.mainModule : `./${input.mainModule}`,
  );
  const objects = input.objectClasses.map((className, index) => {
    const local = `__w7s_object_${index}`;
    const exported = isIdentifier(className) ? className : JSON.stringify(className);
    return `const ${local} = wrapObject(app[${JSON.stringify(className)}], ${JSON.stringify(className)});\nexport { ${local} as ${exported} };`;
  });
  const source = `import * as app from ${specifier};
import { AsyncLocalStorage } from "node:async_hooks";
import { DurableObject } from "cloudflare:workers";
export * from ${specifier};
const SINK = ${JSON.stringify(LOG_SINK_BINDING)};
const SECRET_NAMES = ${JSON.stringify(input.secretNames)};
const INVOCATION_CONTEXT = ${JSON.stringify(needsInvocationContext(input))};
${RUNTIME}
export default wrapDefault(app.default) ?? {};
${objects.join("\n")}
`;
  return { name, source };
};
