/**
 * The test stand-in for the dispatch namespace (Miniflare has no such binding). The core Worker's
 * `DISPATCHER` is a service binding to a small Worker whose `Dispatcher.get(scriptName)` answers a stub whose
 * `fetch` hands the request to the "user plane": a second Miniflare instance that runs every script the REST
 * stand-in received, each with the bindings its upload metadata declares. The core Worker's
 * `DISPATCHER.get(name, args, options).fetch(request)` is unchanged (JS RPC pipelines the `get`).
 */
export const DISPATCHER_WORKER_SOURCE = `
import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";

class UserWorker extends RpcTarget {
  constructor(env, name) {
    super();
    this.env = env;
    this.name = name;
  }
  async fetch(request) {
    const forwarded = new Request(request);
    forwarded.headers.set("x-w7s-test-script", this.name);
    const response = await this.env.USER_PLANE.fetch(forwarded);
    if (response.status === 599) throw new Error("Worker not found.");
    return response;
  }
}

export class Dispatcher extends WorkerEntrypoint {
  get(name) {
    return new UserWorker(this.env, name);
  }
}

export default { fetch: () => new Response("dispatcher", { status: 404 }) };
`;

/** In the core's Miniflare: forwards the user plane's `W7S_*` calls to the core Worker's `PlatformService`. */
export const PLATFORM_BRIDGE_SOURCE = `
export default { fetch: (request, env) => env.PLATFORM.fetch(request) };
`;

/**
 * In the user plane: an app's D1 binding over the REST stand-in's database query endpoint, so that the
 * database the core's Provisioner migrated through the REST API is the one the app reads (Miniflare's own
 * D1 would be a second, unmigrated copy). Only the D1 calls the scenarios make are here.
 */
export const D1_SHIM_SOURCE = `
export default function (env) {
  const query = async (sql, params) => {
    const response = await fetch(env.url + "/accounts/" + env.accountId + "/d1/database/" + env.databaseId + "/query", {
      method: "POST",
      headers: { authorization: "Bearer " + env.token, "content-type": "application/json" },
      body: JSON.stringify(params.length === 0 ? { sql } : { sql, params }),
    });
    const body = await response.json();
    if (!body.success) throw new Error("D1_ERROR: " + (body.errors?.[0]?.message ?? response.status));
    return body.result;
  };
  const shape = (result) => ({ results: result?.results ?? [], success: true, meta: result?.meta ?? {} });
  class Statement {
    constructor(sql, params = []) {
      this.sql = sql;
      this.params = params;
    }
    bind(...values) {
      return new Statement(this.sql, values);
    }
    async all() {
      const [result] = await query(this.sql, this.params);
      return shape(result);
    }
    run() {
      return this.all();
    }
    async first(column) {
      const row = (await this.all()).results[0] ?? null;
      return column === undefined || row === null ? row : (row[column] ?? null);
    }
    async raw(options) {
      const { results } = await this.all();
      const rows = results.map((row) => Object.values(row));
      return options?.columnNames ? [Object.keys(results[0] ?? {}), ...rows] : rows;
    }
  }
  return {
    prepare: (sql) => new Statement(sql),
    batch: async (statements) => {
      // Statements without parameters go as one query: one transaction, as a D1 batch is.
      if (statements.every((statement) => statement.params.length === 0))
        return (await query(statements.map((statement) => statement.sql.replace(/;?\\s*$/, ";")).join("\\n"), [])).map(shape);
      const results = [];
      for (const statement of statements) results.push(await statement.all());
      return results;
    },
    exec: async (sql) => ({ count: (await query(sql, [])).length, duration: 0 }),
  };
}
`;

/**
 * In the user plane: the tail consumer of every script whose upload names the core Worker in
 * `tail_consumers`. Miniflare delivers each invocation's traces here; they go on, JSON-serialised as
 * workerd produced them, to the core Worker's own `tail` handler in the other Miniflare (`TEST_ENTRY_SOURCE`).
 * One change: local workerd leaves `scriptName` null, where Cloudflare names the dispatch script that
 * produced the trace; the harness passes that name in the tail's props and it is filled in only when null.
 */
export const TAIL_FORWARDER_SOURCE = `
export default {
  async tail(traces, env, ctx) {
    const named = traces.map((trace) => {
      const plain = JSON.parse(JSON.stringify(trace));
      return { ...plain, scriptName: plain.scriptName ?? ctx.props.scriptName };
    });
    await env.CORE.fetch("http://tail/", { method: "POST", body: JSON.stringify(named) });
  },
};
`;

/**
 * In the core's Miniflare: the bundled core Worker (`./worker.js`) re-exported unchanged, plus one test-only
 * entrypoint for the harness. Production deploys `worker.js` itself, which has no such entrypoint.
 * `POST /tail` hands forwarded traces to the Worker's real `tail(traces, env, ctx)`; `GET /analytics` answers
 * the data points `ANALYTICS_RECORDER_SOURCE` kept in this isolate.
 */
export const TEST_ENTRY_SOURCE = `
import { WorkerEntrypoint } from "cloudflare:workers";
import worker from "./worker.js";
export * from "./worker.js";
export default worker;
export class TestHooks extends WorkerEntrypoint {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/tail") {
      await worker.tail(await request.json(), this.env, this.ctx);
      return new Response(null, { status: 204 });
    }
    if (pathname === "/analytics") return Response.json(globalThis.__w7sAnalyticsDataPoints ?? []);
    return new Response(null, { status: 404 });
  }
}
`;

/**
 * In the core's Miniflare: the core Worker's `ANALYTICS` binding. Miniflare's own Analytics Engine simulator
 * drops every point and offers no way to read them back, so this one keeps each point (as the JSON the
 * product would receive) in the core Worker's isolate, where the test entry's `GET /analytics` reads them.
 * The write stays synchronous, as `writeDataPoint` is.
 */
export const ANALYTICS_RECORDER_SOURCE = `
export default function () {
  globalThis.__w7sAnalyticsDataPoints ??= [];
  return {
    writeDataPoint(point) {
      globalThis.__w7sAnalyticsDataPoints.push(JSON.parse(JSON.stringify(point ?? {})));
    },
  };
}
`;
