/**
 * What log capture costs inside workerd: a hello-world module served by bare workerd, the same module behind
 * the entry module (its sink a worker that answers 204) as generated for it (it never names `console`, so
 * no AsyncLocalStorage context per request), the entry module as generated for an app that logs (a context
 * per request), and the module with a tail worker that does nothing (what this adapter used before), all in
 * this run, taking turns round by round (wrk, 1 thread, 16 connections). Run with
 * `node --conditions=source --import ../core/bench/resolveTs.ts bench/entryModule.bench.ts`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { entryModule, LOG_SINK_BINDING } from "../src/logs/entryModule.js";

const ROUNDS = Number(process.env["ROUNDS"] ?? 7);
try {
  execFileSync("sh", ["-c", "command -v wrk"], { stdio: "ignore" });
} catch {
  console.log("entry module vs bare workerd: skipped, no wrk here (`apt-get install wrk` to run it)");
  process.exit(0);
}
const workerd = (createRequire(import.meta.url)("workerd") as { default: string }).default;
const directory = mkdtempSync(join(tmpdir(), "w7s-entry-bench-"));
const hello = 'export default { fetch() { return new Response("hello"); } };';
writeFileSync(join(directory, "index.js"), hello);
const entryFor = (sources: string[]) =>
  entryModule({
    mainModule: "index.js",
    moduleNames: ["index.js"],
    objectClasses: [],
    secretNames: [],
    sources,
  }).source;
writeFileSync(join(directory, "entry.js"), entryFor([hello]));
writeFileSync(join(directory, "entry-context.js"), entryFor([hello, 'console.log("an app that logs");']));
writeFileSync(
  join(directory, "sink.js"),
  "export default { fetch() { return new Response(null, { status: 204 }); } };",
);
writeFileSync(join(directory, "tail.js"), "export default { tail() {} };");

const variants = { bare: 18801, wrapped: 18802, context: 18804, tail: 18803 } as const;
type Variant = keyof typeof variants;
const configOf = (variant: Variant) => `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "app", worker = .app),
    (name = "sink", worker = (modules = [(name = "sink.js", esModule = embed "sink.js")], compatibilityDate = "2024-01-01")),
    (name = "tail", worker = (modules = [(name = "tail.js", esModule = embed "tail.js")], compatibilityDate = "2024-09-23")),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${variants[variant]}", http = (), service = "app")],
);
const app :Workerd.Worker = (
  modules = [${variant === "wrapped" ? '(name = "w7s-entry.js", esModule = embed "entry.js"), ' : variant === "context" ? '(name = "w7s-entry.js", esModule = embed "entry-context.js"), ' : ""}(name = "index.js", esModule = embed "index.js")],
  compatibilityDate = "2026-05-23",
  compatibilityFlags = ["nodejs_als"],
  bindings = [(name = "${LOG_SINK_BINDING}", service = "sink")],${variant === "tail" ? '\n  tails = ["tail"],' : ""}
);
`;

const children: ChildProcess[] = [];
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});
for (const variant of Object.keys(variants) as Variant[]) {
  writeFileSync(join(directory, `${variant}.capnp`), configOf(variant));
  children.push(spawn(workerd, ["serve", `${variant}.capnp`], { cwd: directory, stdio: "ignore" }));
}
const load = (port: number, seconds: number) => {
  const output = execFileSync("wrk", ["-t1", "-c16", `-d${seconds}s`, `http://127.0.0.1:${port}/`], {
    encoding: "utf8",
  });
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN);
};
for (let attempt = 0; attempt < 100; attempt += 1) {
  try {
    for (const port of Object.values(variants)) await fetch(`http://127.0.0.1:${port}/`);
    break;
  } catch {
    await new Promise((done) => setTimeout(done, 50));
  }
}
for (const port of Object.values(variants)) load(port, 1);
const runs: Record<Variant, number[]> = { bare: [], wrapped: [], context: [], tail: [] };
const names = Object.keys(variants) as Variant[];
for (let round = 0; round < ROUNDS; round += 1) {
  for (let turn = 0; turn < names.length; turn += 1) {
    const variant = names[(round + turn) % names.length]!;
    runs[variant].push(load(variants[variant], 2));
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const bare = median(runs.bare);
for (const variant of names) {
  const value = median(runs[variant]);
  console.log(
    `${variant.padEnd(8)} ${value.toFixed(0).padStart(7)} req/s  ratio ${(value / bare).toFixed(2)}x`,
  );
}
process.exit(0);
