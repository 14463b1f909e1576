/**
 * `pnpm bench` for the self-host server, every number a ratio against a baseline measured in the same run:
 *   1. a hello-world backend through the server vs the same module in a bare workerd process (and, for
 *      reference, the server with `--socket-front false`, a plain node:http proxy to that process and a
 *      lean node:net one);
 *   2. a static file through the server vs nginx serving the same file (skipped without nginx), and, for
 *      reference, the server with `--socket-front false` and plain node:http serving the same bytes;
 *   3. deploy request -> first 200 for a 1,000-file 20 MB static site and for a backend, vs unzip + copy;
 *   4. a backend and a static file with usage accounting and log capture on (the default) vs a server with
 *      both off.
 * `W7S_BENCH_ONLY=backend|static|deploy|accounting` runs only 1, 2, 3 or 4, for quick repeats.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { strToU8, zipSync } from "fflate";
import { type LoadResult, loadGenerator, runLoad } from "./load.ts";

const cli = resolve(import.meta.dirname, "../dist/cli.js");
const workerd = (
  createRequire(resolve(import.meta.dirname, "../../../packages/adapter-node/package.json"))("workerd") as {
    default: string;
  }
).default;
const TOKEN = "bench-token";
const HELLO = 'export default { fetch() { return new Response("hello"); } };';
const children: ChildProcess[] = [];
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

const freePort = () =>
  new Promise<number>((done) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

const waitFor = async (url: string, init: RequestInit = {}) => {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    try {
      if ((await fetch(url, init)).status < 500) return;
    } catch {}
    await new Promise((done) => setTimeout(done, 25));
  }
  throw new Error(`${url} did not come up`);
};

const startServer = async (extra: string[] = []) => {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "w7s-bench-"));
  const server = spawn(
    process.execPath,
    // The bench owner is exempt from limits (still counted): the load would pass the 300-a-minute burst
    // window at once and the app would be suspended.
    [
      cli,
      "serve",
      "--port",
      String(port),
      "--data-dir",
      dataDir,
      "--deploy-token",
      TOKEN,
      "--limit-exempt-owners",
      "bench",
      ...extra,
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  children.push(server);
  await waitFor(`http://127.0.0.1:${port}/health`);
  // SIGTERM lets the server stop its workerd processes; a SIGKILL at exit would leave them running.
  const stop = () =>
    new Promise<void>((done) => {
      server.once("exit", () => done());
      server.kill("SIGTERM");
    });
  return { port, stop };
};

/** fetch, tried once more when a pooled connection turns out to have been closed while the load ran. */
const post = async (url: string, init: RequestInit) => {
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, init);
  }
};

const deployZip = async (port: number, repo: string, zip: Uint8Array<ArrayBuffer>) => {
  const started = performance.now();
  const response = await post(`http://127.0.0.1:${port}/api/v1/deploy`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/zip",
      "x-github-repository": `bench/${repo}`,
      "x-github-sha": "b".repeat(40),
      "x-github-branch": "main",
    },
    body: zip,
  });
  if (response.status !== 200) throw new Error(`deploy failed: ${await response.text()}`);
  return { started };
};
const deploy = (port: number, repo: string, files: Record<string, Uint8Array>) =>
  deployZip(port, repo, zipSync(files, { level: 6 }));

const firstOk = async (port: number, path: string, started: number) => {
  const { request } = await import("node:http");
  for (;;) {
    const status = await new Promise<number>((done) =>
      request({ host: "127.0.0.1", port, path, headers: { host: "bench.w7s.localhost" } }, (response) => {
        response.resume();
        done(response.statusCode ?? 0);
      })
        .on("error", () => done(0))
        .end(),
    );
    if (status === 200) return performance.now() - started;
  }
};

/** Rounds per comparison: the two sides take turns, so a burst of load from elsewhere hits both. */
const ROUNDS = 5;
/**
 * The on/off pairs compare two servers that differ in little: on this kind of VM two identically set up
 * servers already measured 0.9x-1.1x of each other in 5 rounds, so these pairs take more.
 */
const PAIR_ROUNDS = 9;
const ROUND_MS = 2000;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

type Target = Parameters<typeof runLoad>[0];

interface Summary {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly failures: number;
}

/** Medians of `rounds` runs against each target, taking turns (the order rotates every round). */
const compare = async <Name extends string>(
  targets: Record<Name, Target>,
  rounds = ROUNDS,
): Promise<Record<Name, Summary>> => {
  const names = Object.keys(targets) as Name[];
  const runs = new Map<Name, LoadResult[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (let turn = 0; turn < names.length; turn += 1) {
      const name = names[(round + turn) % names.length]!;
      runs.get(name)!.push(await runLoad({ ...targets[name], durationMs: ROUND_MS }));
    }
  }
  const summary = (results: LoadResult[]): Summary => ({
    requestsPerSecond: median(results.map((run) => run.requestsPerSecond)),
    p50Ms: median(results.map((run) => run.p50Ms)),
    failures: results.reduce((sum, run) => sum + run.failures, 0),
  });
  return Object.fromEntries(names.map((name) => [name, summary(runs.get(name)!)])) as Record<Name, Summary>;
};

/** A plain Node server (`nodeReference.ts`) on a free port: the ceiling of a Node process on this machine. */
const startReference = async (mode: "static" | "proxy" | "lean", target: string) => {
  const referencePort = await freePort();
  children.push(
    spawn(
      process.execPath,
      [resolve(import.meta.dirname, "nodeReference.ts"), mode, String(referencePort), target],
      {
        stdio: ["ignore", "ignore", "inherit"],
      },
    ),
  );
  await waitFor(`http://127.0.0.1:${referencePort}/`);
  return referencePort;
};

const line = (label: string, ours: number, baseline: number, unit: string, goal: string, who = "ours ") =>
  console.log(
    `${label.padEnd(44)} ${who} ${ours.toFixed(1).padStart(9)} ${unit}  baseline ${baseline.toFixed(1).padStart(9)} ${unit}  ratio ${(ours / baseline).toFixed(2)}x  (${goal})`,
  );

const { port, stop: stopServer } = await startServer();
console.log(
  `W7S server benchmarks. Load: ${loadGenerator}; throughput and p50 are medians of ${ROUNDS} rounds (${PAIR_ROUNDS} for the on/off pairs) of ${ROUND_MS / 1000} s per target, the targets taking turns. The ratios are what count.\n`,
);

const page = strToU8(`<!doctype html><title>bench</title>${"<p>static bytes</p>".repeat(200)}`);
const only = process.env["W7S_BENCH_ONLY"];
const sections = ["backend", "static", "deploy", "accounting"];
if (only !== undefined && !sections.includes(only)) {
  throw new Error(`W7S_BENCH_ONLY is one of ${sections.join(", ")}, not "${only}"`);
}
const runs = (section: string) => only === undefined || only === section;
// The same server with every connection left to node:http: what the socket front is worth, in this run.
const nodeFront =
  runs("backend") || runs("static") ? await startServer(["--socket-front", "false"]) : undefined;
if (nodeFront) {
  await deploy(nodeFront.port, "hello", { "backend/index.js": strToU8(HELLO) });
  await deploy(nodeFront.port, "site", { "dist/index.html": page });
}
if (nodeFront && runs("backend")) {
  // 1. Backend throughput.
  await deploy(port, "hello", { "backend/index.js": strToU8(HELLO) });
  const bareDir = mkdtempSync(join(tmpdir(), "w7s-bare-"));
  const barePort = await freePort();
  writeFileSync(join(bareDir, "index.js"), HELLO);
  writeFileSync(
    join(bareDir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (services = [(name = "app", worker = .app)], sockets = [(name = "http", address = "127.0.0.1:${barePort}", http = (), service = "app"), (name = "unix", address = "unix:${join(bareDir, "w.sock")}", http = (), service = "app")]);
const app :Workerd.Worker = (modules = [(name = "index.js", esModule = embed "index.js")], compatibilityDate = "2026-05-23");
`,
  );
  children.push(spawn(workerd, ["serve", "config.capnp"], { cwd: bareDir, stdio: "ignore" }));
  await waitFor(`http://127.0.0.1:${barePort}/`);
  await runLoad({ port, path: "/hello/", host: "bench.w7s.localhost", durationMs: 500 });
  await runLoad({ port: nodeFront.port, path: "/hello/", host: "bench.w7s.localhost", durationMs: 500 });
  const proxyPort = await startReference("proxy", join(bareDir, "w.sock"));
  const leanPort = await startReference("lean", join(bareDir, "w.sock"));
  const backendRuns = await compare({
    ours: { port, path: "/hello/", host: "bench.w7s.localhost" },
    bare: { port: barePort, path: "/" },
    onNodeHttp: { port: nodeFront.port, path: "/hello/", host: "bench.w7s.localhost" },
    plainProxy: { port: proxyPort, path: "/" },
    leanProxy: { port: leanPort, path: "/" },
  });
  const { ours: throughServer, bare, onNodeHttp, plainProxy, leanProxy } = backendRuns;
  line(
    "hello-world backend, requests/s",
    throughServer.requestsPerSecond,
    bare.requestsPerSecond,
    "req/s",
    "goal >= 0.6x",
  );
  line("hello-world backend, p50 latency", throughServer.p50Ms, bare.p50Ms, "ms   ", "reported");
  line(
    "  reference: the server with --socket-front false",
    onNodeHttp.requestsPerSecond,
    bare.requestsPerSecond,
    "req/s",
    "node:http reads every request",
    "node ",
  );
  line(
    "  reference: plain node:http proxy, req/s",
    plainProxy.requestsPerSecond,
    bare.requestsPerSecond,
    "req/s",
    "a Node hop and nothing else",
    "plain",
  );
  line(
    "  reference: lean node:net proxy, req/s",
    leanProxy.requestsPerSecond,
    bare.requestsPerSecond,
    "req/s",
    "no node:http on either side",
    "lean ",
  );
  if (throughServer.failures + bare.failures > 0) {
    console.log(`  non-2xx/3xx answers: ours ${throughServer.failures}, bare ${bare.failures}`);
  }
}

if (nodeFront && runs("static")) {
  // 2. Static file.
  await deploy(port, "site", { "dist/index.html": page });
  let nginx: string | undefined;
  try {
    nginx = execFileSync("sh", ["-c", "command -v nginx || ls /usr/sbin/nginx"], { encoding: "utf8" })
      .trim()
      .split("\n")[0];
  } catch {}
  if (nginx) {
    const root = mkdtempSync(join(tmpdir(), "w7s-nginx-"));
    const nginxPort = await freePort();
    mkdirSync(join(root, "html"));
    chmodSync(root, 0o755);
    writeFileSync(join(root, "html", "index.html"), page);
    writeFileSync(
      join(root, "nginx.conf"),
      `daemon off; master_process off; worker_processes 1; pid ${root}/nginx.pid; error_log ${root}/error.log;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:${nginxPort}; root ${root}/html; } }
`,
    );
    children.push(spawn(nginx, ["-p", root, "-c", join(root, "nginx.conf")], { stdio: "ignore" }));
    await waitFor(`http://127.0.0.1:${nginxPort}/`);
    await runLoad({ port, path: "/site/", host: "bench.w7s.localhost", durationMs: 500 });
    await runLoad({ port: nodeFront.port, path: "/site/", host: "bench.w7s.localhost", durationMs: 500 });
    const plainPort = await startReference("static", join(root, "html", "index.html"));
    const staticRuns = await compare({
      ours: { port, path: "/site/", host: "bench.w7s.localhost" },
      nginx: { port: nginxPort, path: "/" },
      onNodeHttp: { port: nodeFront.port, path: "/site/", host: "bench.w7s.localhost" },
      plainNode: { port: plainPort, path: "/" },
    });
    const { ours, nginx: theirs, onNodeHttp: staticOnNodeHttp, plainNode } = staticRuns;
    line(
      "static file, requests/s",
      ours.requestsPerSecond,
      theirs.requestsPerSecond,
      "req/s",
      "goal >= 0.5x",
    );
    line("static file, p50 latency", ours.p50Ms, theirs.p50Ms, "ms   ", "reported");
    line(
      "  reference: the server with --socket-front false",
      staticOnNodeHttp.requestsPerSecond,
      theirs.requestsPerSecond,
      "req/s",
      "node:http reads every request",
      "node ",
    );
    line(
      "  reference: plain node:http, req/s",
      plainNode.requestsPerSecond,
      theirs.requestsPerSecond,
      "req/s",
      "one Node process, same bytes, no routing",
      "plain",
    );
    if (ours.failures + theirs.failures > 0)
      console.log(`  non-2xx/3xx answers: ours ${ours.failures}, nginx ${theirs.failures}`);
  } else {
    console.log("static file vs nginx: skipped, no nginx here (`apt-get install nginx-light` to run it)");
  }
}
await nodeFront?.stop();

if (runs("deploy")) {
  // 3. Deploy to first 200, in rounds: each round a new site of fresh random bytes (nothing to deduplicate),
  // deployed to a new app, and the same zip unpacked and copied; the two take turns, as the load rounds do.
  const siteMs: number[] = [];
  const backendMs: number[] = [];
  const unzipMs: number[] = [];
  const siteRatios: number[] = [];
  // Another client asks for /health all along, from its own process: its slowest answer while a deploy
  // runs, against its slowest in a quiet second before, shows how long a deploy holds up other requests.
  const pinger = spawn(
    process.execPath,
    [
      "-e",
      `const http = require("node:http");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const ping = () => { const started = performance.now();
  http.get({ host: "127.0.0.1", port: ${port}, path: "/health", agent }, (response) => {
    response.resume();
    response.on("end", () => { process.stdout.write(Date.now() + " " + (performance.now() - started) + "\\n"); setTimeout(ping, 2); });
  }).on("error", () => setTimeout(ping, 2)); };
ping();`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(pinger);
  const pings: Array<[at: number, ms: number]> = [];
  let pending = "";
  pinger.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const text of lines) pings.push(text.split(" ").map(Number) as [number, number]);
  });
  const slowestPing = (from: number, to: number) =>
    Math.max(0, ...pings.filter(([at]) => at >= from && at <= to).map(([, ms]) => ms));
  const slowestDeploying: number[] = [];
  const slowestQuiet: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const siteFiles: Record<string, Uint8Array> = { "dist/index.html": page };
    for (let index = 0; index < 999; index += 1) {
      siteFiles[`dist/assets/file-${index}.bin`] = randomBytes(20 * 1024);
    }
    const zip = zipSync(siteFiles, { level: 6 });
    const quietFrom = Date.now();
    await new Promise((done) => setTimeout(done, 1000));
    slowestQuiet.push(slowestPing(quietFrom, Date.now()));
    const ours = async () => {
      const deployFrom = Date.now();
      const site = await deployZip(port, `big-site-${round}`, zip);
      siteMs.push(await firstOk(port, `/big-site-${round}/`, site.started));
      slowestDeploying.push(slowestPing(deployFrom, Date.now()));
    };
    const baseline = () => {
      const baselineDir = mkdtempSync(join(tmpdir(), "w7s-unzip-"));
      writeFileSync(join(baselineDir, "site.zip"), zip);
      const unzipStarted = performance.now();
      execFileSync("unzip", ["-q", "site.zip", "-d", "unpacked"], { cwd: baselineDir });
      cpSync(join(baselineDir, "unpacked"), join(baselineDir, "copied"), { recursive: true });
      unzipMs.push(performance.now() - unzipStarted);
      rmSync(baselineDir, { recursive: true, force: true });
    };
    if (round % 2 === 0) {
      await ours();
      baseline();
    } else {
      baseline();
      await ours();
    }
    siteRatios.push(siteMs[round]! / unzipMs[round]!);
    const backend = await deploy(port, `api-${round}`, { "backend/index.js": strToU8(HELLO) });
    backendMs.push(await firstOk(port, `/api-${round}/`, backend.started));
  }
  const range = (values: readonly number[]) =>
    `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}x`;
  line(
    "deploy -> first 200, 1,000 files / 20 MB",
    median(siteMs),
    median(unzipMs),
    "ms   ",
    `goal <= 3x of unzip + copy; rounds ${range(siteRatios)}`,
  );
  line(
    "deploy -> first 200, backend",
    median(backendMs),
    median(unzipMs),
    "ms   ",
    "reported next to the same baseline",
  );
  line(
    "slowest /health answer, deploying vs quiet",
    median(slowestDeploying),
    median(slowestQuiet),
    "ms   ",
    "reported: how long a deploy holds up others",
  );
  pinger.kill();
}

if (runs("accounting")) {
  // 4. Accounting and log capture on (this server, the default) vs off (a second server), measured in turns.
  const { port: offPort, stop: stopOff } = await startServer([
    "--usage-accounting",
    "false",
    "--log-capture",
    "false",
  ]);
  const LOGGING =
    'export default { fetch(request) { console.log("served", new URL(request.url).pathname); return new Response("hello"); } };';
  for (const target of [port, offPort]) {
    await deploy(target, "counted", { "backend/index.js": strToU8(HELLO) });
    await deploy(target, "logging", { "backend/index.js": strToU8(LOGGING) });
    await deploy(target, "counted-site", { "dist/index.html": page });
  }
  const turns = async (path: string) => {
    const host = "bench.w7s.localhost";
    for (const target of [port, offPort]) await runLoad({ port: target, path, host, durationMs: 500 });
    const { on, off } = await compare(
      { on: { port, path, host }, off: { port: offPort, path, host } },
      PAIR_ROUNDS,
    );
    return { on: on.requestsPerSecond, off: off.requestsPerSecond };
  };
  const counted = await turns("/counted/");
  line("backend, accounting + log capture on vs off", counted.on, counted.off, "req/s", "goal >= 0.9x");
  const countedSite = await turns("/counted-site/");
  line("static file, accounting on vs off", countedSite.on, countedSite.off, "req/s", "goal >= 0.9x");
  const logging = await turns("/logging/");
  line("backend logging a line per request, on vs off", logging.on, logging.off, "req/s", "reported");
  await stopOff();
}
await stopServer();
process.exit(0);
