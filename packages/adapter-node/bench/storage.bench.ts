/**
 * `pnpm bench` for storage bindings: what an operation costs through a binding (app in workerd -> bindings
 * host -> gateway, and for SQL a SQL process) against the same operation on the same SQLite file from plain
 * Node, both measured in this run:
 *   1. a D1 point query, `select * from t where id = ?`, through `env.DB.prepare(...).bind(id).first()`;
 *   2. KV get and KV put through `env.KV`, against the KV namespace's file through node:sqlite.
 * The binding's cost per operation is taken from requests that each run BATCH operations in a loop, minus a
 * request that runs none, divided by BATCH; p50 is over those requests. Run with
 * `pnpm --filter @w7s/adapter-node bench`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { createKvTables, kvNamespace } from "../src/bindings/kv/kvNamespace.js";
import { databaseFile, kvNamespaceFile } from "../src/bindings/layout.js";
import { openResourceDatabase, openSqliteFile } from "../src/bindings/sqliteFiles.js";
import { makeWorkerdRuntime } from "../src/runtime/index.js";

const ROWS = 10_000;
const BATCH = 20;
const REQUESTS = 300;
const PLAIN_OPERATIONS = 20_000;

const dataDir = mkdtempSync(join(tmpdir(), "w7s-storage-bench-"));

const sqlite = openSqliteFile(databaseFile(dataDir, "bench"));
sqlite.exec("create table t (id integer primary key, name text not null, score real)");
const insert = sqlite.prepare("insert into t (id, name, score) values (?, ?, ?)");
sqlite.exec("begin");
for (let id = 1; id <= ROWS; id += 1) insert.run(id, `name-${id}`, id / 7);
sqlite.exec("commit");

const kv = kvNamespace(openResourceDatabase(kvNamespaceFile(dataDir, "bench"), createKvTables));
for (let id = 1; id <= ROWS; id += 1)
  kv.write(`key-${id}`, { value: Buffer.from(`value-${id}`), expiration: null, metadata: null }, Date.now());

const APP = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n"));
    const from = Number(url.searchParams.get("from"));
    const point = env.DB.prepare("select * from t where id = ?");
    for (let i = 0; i < n; i++) {
      const id = ((from + i) % ${ROWS}) + 1;
      if (url.pathname === "/d1") await point.bind(id).first();
      else if (url.pathname === "/kv-get") await env.KV.get("key-" + id);
      else if (url.pathname === "/kv-put") await env.KV.put("put-" + (id % 100), "value-" + id);
    }
    return new Response("ok");
  },
};`;

const runtime = makeWorkerdRuntime({ dataDir, idleTimeoutMs: 600_000 });
await Effect.runPromise(
  runtime.service.publish({
    deploymentId: "bench",
    app: { environment: "production", orgSlug: "bench", repoSlug: "storage" },
    scriptName: "bench",
    mainModule: "index.js",
    modules: [{ name: "index.js", content: APP }],
    bindings: [
      { type: "d1", name: "DB", databaseId: "bench" },
      { type: "kv_namespace", name: "KV", namespaceId: "bench" },
    ],
    compatibilityDate: "2026-05-23",
    compatibilityFlags: [],
    durableObjectClasses: [],
  }),
);

const percentile = (samples: number[], p: number): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
};

let cursor = 0;
const request = async (path: string, n: number): Promise<number> => {
  const started = performance.now();
  const response = await Effect.runPromise(
    runtime.service.dispatch("bench", new Request(`http://bench.test${path}?n=${n}&from=${cursor}`)),
  );
  if ((await response.text()) !== "ok") throw new Error(`${path} failed`);
  cursor += n;
  return performance.now() - started;
};

/** Milliseconds per operation through the binding: p50 and p99 over requests, and the mean of one long loop. */
const throughBinding = async (path: string) => {
  for (let warm = 0; warm < 20; warm += 1) await request(path, BATCH);
  const empty: number[] = [];
  const loaded: number[] = [];
  for (let index = 0; index < REQUESTS; index += 1) {
    empty.push(await request(path, 0));
    loaded.push(await request(path, BATCH));
  }
  const base = percentile(empty, 0.5);
  const perOperation = loaded.map((ms) => Math.max(0, ms - base) / BATCH);
  const long = 2_000;
  const mean = (await request(path, long)) / long;
  return { p50: percentile(perOperation, 0.5), p99: percentile(perOperation, 0.99), mean };
};

/** Milliseconds per operation on the same file from this process, each operation timed on its own. */
const plain = (operation: (index: number) => void) => {
  for (let warm = 0; warm < 2_000; warm += 1) operation(warm);
  const samples: number[] = [];
  const started = performance.now();
  for (let index = 0; index < PLAIN_OPERATIONS; index += 1) {
    const at = performance.now();
    operation(index);
    samples.push(performance.now() - at);
  }
  const mean = (performance.now() - started) / PLAIN_OPERATIONS;
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), mean };
};

const point = sqlite.prepare("select * from t where id = ?");
const baselines = {
  "D1 point query": plain((index) => point.get((index % ROWS) + 1)),
  "KV get": plain((index) => kv.read([`key-${(index % ROWS) + 1}`], Date.now())),
  "KV put": plain((index) =>
    kv.write(
      `put-${index % 100}`,
      { value: Buffer.from(`value-${index}`), expiration: null, metadata: null },
      Date.now(),
    ),
  ),
};
const measured = {
  "D1 point query": await throughBinding("/d1"),
  "KV get": await throughBinding("/kv-get"),
  "KV put": await throughBinding("/kv-put"),
};

const ms = (value: number) => `${value.toFixed(3)} ms`;
console.log(`storage bindings, ${BATCH} operations per request, ${REQUESTS} requests, per operation:`);
for (const [name, binding] of Object.entries(measured)) {
  const baseline = baselines[name as keyof typeof baselines];
  const added = binding.p50 - baseline.p50;
  console.log(
    `  ${name.padEnd(15)} binding p50 ${ms(binding.p50)} (p99 ${ms(binding.p99)}, loop mean ${ms(binding.mean)})` +
      ` | plain node:sqlite p50 ${ms(baseline.p50)} (mean ${ms(baseline.mean)})` +
      ` | ratio ${(binding.p50 / baseline.p50).toFixed(0)}x | added p50 ${ms(added)}${added < 1 ? " (< 1 ms goal)" : " (over the 1 ms goal)"}`,
  );
}

await Effect.runPromise(runtime.shutdown());
sqlite.close();
rmSync(dataDir, { recursive: true, force: true });
