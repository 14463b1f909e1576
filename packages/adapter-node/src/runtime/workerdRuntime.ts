/**
 * BackendRuntime on workerd: one workerd process per live deployment, started on first use and stopped
 * after it idles, so idle apps use no process time and publishing one app never touches another. User
 * code never runs in the server process; each process sees only its own bindings, has no disk service,
 * an empty environment, and an outbound network limited to public addresses.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { type BackendBundle, BackendRuntime, RuntimeError } from "@w7s/core";
import { Effect, Layer } from "effect";
import { SUPPORTED_BINDING_TYPES, workerdConfig } from "./workerdConfig.js";

/** The `workerd` npm package ships no types: its main export is the binary path and its newest date. */
const workerdPackage = createRequire(import.meta.url)("workerd") as {
  default: string;
  compatibilityDate: string;
};
const workerd = workerdPackage.default;
const newestCompatibilityDate = workerdPackage.compatibilityDate;

export interface BackendRuntimeOptions {
  readonly dataDir: string;
  /** How long one request may take before the backend is stopped and the request answered 504. */
  readonly requestTimeoutMs?: number;
  /** V8 heap limit of each app, in MiB. */
  readonly memoryLimitMb?: number;
  /** How long a backend may go without requests before its process is stopped. */
  readonly idleTimeoutMs?: number;
  /** Base URL (`http://host:port`) that W7S_RPC/W7S_QUEUE/W7S_WORKFLOW/W7S_AI forward to. */
  readonly platformServiceUrl?: string;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MEMORY_LIMIT_MB = 256;
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
const STARTUP_TIMEOUT_MS = 15_000;
const STARTUP_SETTLE_MS = 250;
/** The published bundle, kept so a restarted server can run it again (it holds secrets: mode 0600). */
const BUNDLE_FILE = "bundle.json";
const COMPILE_FAILURE = /service app: Uncaught/;

interface Deployment {
  readonly bundle: BackendBundle;
  readonly directory: string;
  process: RunningProcess | undefined;
  starting: Promise<RunningProcess> | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  inFlight: number;
  /** The module graph has loaded once, so later (re)starts skip the compile check. */
  validated: boolean;
}

interface RunningProcess {
  readonly child: ChildProcess;
  /** Each process listens on its own Unix socket, so no other process can answer in its place. */
  readonly socketPath: string;
  readonly exited: Promise<void>;
  stderr: string;
}

const canConnect = (socketPath: string): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ path: socketPath });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

/**
 * Sends a request to a backend over its Unix socket. The `Host` header keeps the public host, so the app
 * sees the URL its users addressed (D.4); redirects are returned, never followed.
 */
const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

const forward = (socketPath: string, request: Request, signal: AbortSignal): Promise<Response> =>
  new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    headers["host"] = url.host;
    const outgoing = httpRequest(
      {
        socketPath,
        agent: keepAlive,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers,
        signal,
      },
      (incoming) => {
        const responseHeaders = new Headers();
        for (let index = 0; index + 1 < incoming.rawHeaders.length; index += 2) {
          responseHeaders.append(incoming.rawHeaders[index]!, incoming.rawHeaders[index + 1]!);
        }
        const status = incoming.statusCode ?? 502;
        const empty = request.method === "HEAD" || status === 204 || status === 304;
        if (empty) incoming.resume();
        const body = empty ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
        resolve(
          new Response(body, { status, statusText: incoming.statusMessage ?? "", headers: responseHeaders }),
        );
      },
    );
    outgoing.on("error", reject);
    if (request.body === null) outgoing.end();
    else Readable.fromWeb(request.body as NodeReadableStream).pipe(outgoing);
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const clampDate = (date: string): string => (date > newestCompatibilityDate ? newestCompatibilityDate : date);

const lastLines = (text: string, count = 8): string => text.trim().split("\n").slice(-count).join("\n");

const runtimeError = (reason: RuntimeError["reason"], operation: string, description: string) =>
  new RuntimeError({ reason, operation, description });

/**
 * Stops workerd processes a previous server left behind (after `kill -9` its children keep running):
 * every pid file under `runtime/` whose process is still a workerd.
 */
export const stopOrphanedBackends = (dataDir: string): number => {
  const runtimeRoot = join(dataDir, "runtime");
  let stopped = 0;
  for (const entry of existsSync(runtimeRoot) ? readdirSync(runtimeRoot) : []) {
    const pidFile = join(runtimeRoot, entry, "workerd.pid");
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, "utf8"));
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (command.includes("workerd")) {
        process.kill(pid, "SIGKILL");
        stopped += 1;
      }
    } catch {
      // Gone already, or not inspectable here: nothing to stop.
    }
    rmSync(pidFile, { force: true });
  }
  return stopped;
};

export const makeWorkerdRuntime = (options: BackendRuntimeOptions) => {
  stopOrphanedBackends(options.dataDir);
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const memoryLimitMb = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const platformAddress =
    options.platformServiceUrl === undefined ? undefined : new URL(options.platformServiceUrl).host;
  const runtimeRoot = join(options.dataDir, "runtime");
  const deployments = new Map<string, Deployment>();
  // Socket paths must stay short (about 100 bytes), so they live in a private temporary folder.
  let sockets: string | undefined;
  let socketCounter = 0;
  const socketDir = () => {
    sockets ??= mkdtempSync(join(tmpdir(), "w7s-rt-"));
    return sockets;
  };

  const stopProcess = async (deployment: Deployment) => {
    const running = deployment.process;
    deployment.process = undefined;
    deployment.starting = undefined;
    if (deployment.idleTimer !== undefined) clearTimeout(deployment.idleTimer);
    deployment.idleTimer = undefined;
    if (running === undefined) return;
    running.child.kill("SIGKILL");
    await running.exited;
  };

  const scheduleIdleStop = (deployment: Deployment) => {
    if (deployment.idleTimer !== undefined) clearTimeout(deployment.idleTimer);
    deployment.idleTimer = setTimeout(() => {
      if (deployment.inFlight === 0) void stopProcess(deployment);
      else scheduleIdleStop(deployment);
    }, idleTimeoutMs);
    deployment.idleTimer.unref();
  };

  /** `validate` waits for workerd to report a failed compile; only the first start of a deployment needs it. */
  const startProcess = async (deployment: Deployment, validate: boolean): Promise<RunningProcess> => {
    socketCounter += 1;
    const socketPath = join(socketDir(), `${socketCounter}.sock`);
    await rm(socketPath, { force: true });
    const { config, files } = workerdConfig({
      bundle: deployment.bundle,
      address: `unix:${socketPath}`,
      compatibilityDate: clampDate(deployment.bundle.compatibilityDate),
      memoryLimitMb,
      platformServiceAddress: platformAddress,
    });
    for (const file of files) {
      const path = join(deployment.directory, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content, { mode: 0o600 });
    }
    writeFileSync(join(deployment.directory, "config.capnp"), config, { mode: 0o600 });
    const child = spawn(workerd, ["serve", "config.capnp", "--experimental"], {
      cwd: deployment.directory,
      env: {},
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid !== undefined) writeFileSync(join(deployment.directory, "workerd.pid"), String(child.pid));
    const running: RunningProcess = {
      child,
      socketPath,
      stderr: "",
      exited: new Promise((resolve) => child.once("exit", () => resolve())),
    };
    const capture = (chunk: Buffer) => {
      running.stderr = (running.stderr + chunk.toString("utf8")).slice(-8192);
    };
    child.stdout?.on("data", capture);
    child.stderr?.on("data", capture);
    let exited = false;
    void running.exited.then(() => {
      exited = true;
      if (deployment.process === running) deployment.process = undefined;
    });
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (!exited && Date.now() < deadline) {
      if (await canConnect(socketPath)) {
        // workerd listens while it compiles the app and reports a failed compile on stderr instead of
        // exiting, so give it a moment to speak up before calling the backend ready.
        const settled = Date.now() + (validate ? STARTUP_SETTLE_MS : 0);
        while (!exited && Date.now() < settled && !COMPILE_FAILURE.test(running.stderr)) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        if (!exited && !COMPILE_FAILURE.test(running.stderr)) return running;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill("SIGKILL");
    throw runtimeError(
      "Rejected",
      "BackendRuntime.publish",
      lastLines(running.stderr) ||
        (exited ? "workerd exited during start-up" : "workerd did not start in time"),
    );
  };

  const isAlive = (running: RunningProcess) =>
    running.child.exitCode === null && running.child.signalCode === null;

  const ensureRunning = (deployment: Deployment): Promise<RunningProcess> => {
    if (deployment.process !== undefined && isAlive(deployment.process))
      return Promise.resolve(deployment.process);
    deployment.process = undefined;
    if (deployment.starting === undefined) {
      deployment.starting = startProcess(deployment, !deployment.validated).then(
        (running) => {
          deployment.validated = true;
          deployment.process = running;
          deployment.starting = undefined;
          return running;
        },
        (error: unknown) => {
          deployment.starting = undefined;
          throw error;
        },
      );
    }
    return deployment.starting;
  };

  const directoryOf = (deploymentId: string) =>
    join(runtimeRoot, deploymentId.replace(/[^A-Za-z0-9-]/g, "_"));

  /** After a restart, a deployment published by an earlier server process is loaded from its bundle file. */
  const restore = (deploymentId: string): Deployment | undefined => {
    const directory = directoryOf(deploymentId);
    let bundle: BackendBundle;
    try {
      bundle = JSON.parse(readFileSync(join(directory, BUNDLE_FILE), "utf8")) as BackendBundle;
    } catch {
      return undefined;
    }
    if (bundle.deploymentId !== deploymentId) return undefined;
    const deployment: Deployment = {
      bundle,
      directory,
      process: undefined,
      starting: undefined,
      idleTimer: undefined,
      inFlight: 0,
      validated: true,
    };
    deployments.set(deploymentId, deployment);
    return deployment;
  };

  const publish = (bundle: BackendBundle) =>
    Effect.tryPromise({
      try: async () => {
        const unsupported = bundle.bindings.find((binding) => !SUPPORTED_BINDING_TYPES.has(binding.type));
        if (unsupported !== undefined) {
          throw runtimeError(
            "Rejected",
            "BackendRuntime.publish",
            `Binding ${unsupported.name} of type ${unsupported.type} is not supported by this runtime yet.`,
          );
        }
        const previous = deployments.get(bundle.deploymentId);
        if (previous !== undefined) await stopProcess(previous);
        const directory = directoryOf(bundle.deploymentId);
        await rm(directory, { recursive: true, force: true });
        mkdirSync(directory, { recursive: true, mode: 0o700 });
        const deployment: Deployment = {
          bundle,
          directory,
          process: undefined,
          starting: undefined,
          idleTimer: undefined,
          inFlight: 0,
          validated: false,
        };
        writeFileSync(join(directory, BUNDLE_FILE), JSON.stringify(bundle), { mode: 0o600 });
        const started = Date.now();
        await ensureRunning(deployment);
        deployments.set(bundle.deploymentId, deployment);
        scheduleIdleStop(deployment);
        return { startupTimeMs: Date.now() - started };
      },
      catch: (error) =>
        error instanceof RuntimeError
          ? error
          : runtimeError(
              "Unavailable",
              "BackendRuntime.publish",
              error instanceof Error ? error.message : String(error),
            ),
    });

  const dispatch = (deploymentId: string, request: Request) =>
    Effect.tryPromise({
      try: async (signal) => {
        const deployment = deployments.get(deploymentId) ?? restore(deploymentId);
        if (deployment === undefined) {
          throw runtimeError(
            "NotFound",
            "BackendRuntime.dispatch",
            `No backend is published as ${deploymentId}.`,
          );
        }
        deployment.inFlight += 1;
        try {
          const running = await ensureRunning(deployment);
          scheduleIdleStop(deployment);
          const timeout = AbortSignal.timeout(requestTimeoutMs);
          try {
            return await forward(running.socketPath, request, AbortSignal.any([timeout, signal]));
          } catch (error) {
            if (timeout.aborted) {
              // A stuck isolate would block every later request; a fresh process serves the next one.
              if (deployment.process === running) await stopProcess(deployment);
              throw runtimeError(
                "Timeout",
                "BackendRuntime.dispatch",
                `no response within ${requestTimeoutMs} ms`,
              );
            }
            if (
              !isAlive(running) ||
              (await Promise.race([running.exited.then(() => true), sleep(50).then(() => false)]))
            ) {
              if (deployment.process === running) deployment.process = undefined;
              throw runtimeError(
                "Unavailable",
                "BackendRuntime.dispatch",
                "The backend stopped while handling the request (it may have run out of memory).",
              );
            }
            throw error;
          }
        } finally {
          deployment.inFlight -= 1;
        }
      },
      catch: (error) =>
        error instanceof RuntimeError
          ? error
          : runtimeError(
              "Unavailable",
              "BackendRuntime.dispatch",
              error instanceof Error ? error.message : String(error),
            ),
    });

  const retire = (deploymentId: string) =>
    Effect.promise(async () => {
      const deployment = deployments.get(deploymentId);
      if (deployment === undefined) return;
      deployments.delete(deploymentId);
      await stopProcess(deployment);
      await rm(deployment.directory, { recursive: true, force: true });
    });

  const shutdown = () =>
    Effect.promise(async () => {
      await Promise.all([...deployments.values()].map(stopProcess));
      if (sockets !== undefined) await rm(sockets, { recursive: true, force: true });
    });

  /** Pids of running backends, for tests and diagnostics. */
  const processIds = (): ReadonlyMap<string, number> =>
    new Map(
      [...deployments].flatMap(([id, deployment]) =>
        deployment.process?.child.pid === undefined ? [] : [[id, deployment.process.child.pid] as const],
      ),
    );

  return { service: { publish, dispatch, retire } satisfies BackendRuntime["Service"], shutdown, processIds };
};

/** BackendRuntime on workerd; every backend process is stopped when the Layer's scope closes. */
export const backendRuntimeLayer = (options: BackendRuntimeOptions): Layer.Layer<BackendRuntime> =>
  Layer.effect(
    BackendRuntime,
    Effect.acquireRelease(
      Effect.sync(() => makeWorkerdRuntime(options)),
      (runtime) => runtime.shutdown(),
    ).pipe(Effect.map((runtime) => runtime.service)),
  );
