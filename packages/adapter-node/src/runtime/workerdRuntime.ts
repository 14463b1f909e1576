/**
 * BackendRuntime on workerd: one workerd process per live deployment, started on first use and stopped
 * after it idles, so idle apps use no process time and publishing one app never touches another. User
 * code never runs in the server process; each process sees only its own bindings, has no disk service,
 * an empty environment, and an outbound network limited to public addresses.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type BackendBundle, BackendRuntime, RuntimeError } from "@w7s/core";
import { Context, Effect, Layer, Result } from "effect";
import { BackendStreams, type NodeBackendRequest } from "./backendStreams.js";
import { forward, forwardIncoming } from "./forward.js";
import { liveRuntimeInstances, stopOrphanedBackends } from "./orphans.js";
import { clampCompatibilityDate, findWorkerd } from "./workerdBinary.js";
import { SUPPORTED_BINDING_TYPES, workerdConfig } from "./workerdConfig.js";
import { startWorkerdProcess, type WorkerdProcess } from "./workerdProcess.js";

export interface BackendRuntimeOptions {
  readonly dataDir: string;
  /** How long a backend may take to send its response headers; then its process is killed (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Memory each app may use beyond what workerd itself needs, in MiB (default 256). */
  readonly memoryLimitMb?: number;
  /** How long a backend may go without requests before its process is stopped (default 5 minutes). */
  readonly idleTimeoutMs?: number;
  /** Origin (`http://host:port`) that W7S_RPC/W7S_QUEUE/W7S_WORKFLOW/W7S_AI forward to; unset: they answer 503. */
  readonly platformServiceUrl?: string;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MEMORY_LIMIT_MB = 256;
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
/** The published bundle, kept so a restarted server (or another server on the same data directory) can run it. */
const BUNDLE_FILE = "bundle.json";

interface Deployment {
  readonly bundle: BackendBundle;
  readonly directory: string;
  process: WorkerdProcess | undefined;
  starting: Promise<WorkerdProcess> | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  inFlight: number;
  /** The module graph has loaded once, so later (re)starts skip the compile check. */
  validated: boolean;
}

const runtimeError = (reason: RuntimeError["reason"], operation: string, description: string) =>
  new RuntimeError({ reason, operation, description });

const asRuntimeError = (operation: string) => (error: unknown) =>
  error instanceof RuntimeError
    ? error
    : runtimeError("Unavailable", operation, error instanceof Error ? error.message : String(error));

/** Writes through a temporary name, so another server reading the same data directory never sees half a file. */
const writeAtomically = (path: string, content: string) => {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomUUID()}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, path);
};

const secretsOf = (bundle: BackendBundle): string[] =>
  bundle.bindings.flatMap((binding) => (binding.type === "secret_text" ? [binding.text] : []));

export const makeWorkerdRuntime = (options: BackendRuntimeOptions) => {
  const instanceId = randomUUID();
  liveRuntimeInstances.add(instanceId);
  stopOrphanedBackends(options.dataDir);
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const memoryLimitMb = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const platformServiceUrl =
    options.platformServiceUrl === undefined ? undefined : new URL(options.platformServiceUrl);
  const runtimeRoot = join(options.dataDir, "runtime");
  const logRoot = join(options.dataDir, "logs");
  const deployments = new Map<string, Deployment>();
  // Socket paths must stay short (about 100 bytes), so they live in a private temporary folder.
  let sockets: string | undefined;
  let socketCounter = 0;
  const nextSocketPath = () => {
    sockets ??= mkdtempSync(join(tmpdir(), "w7s-rt-"));
    socketCounter += 1;
    return join(sockets, `${socketCounter}.sock`);
  };

  const fileNameOf = (deploymentId: string) => deploymentId.replace(/[^A-Za-z0-9-]/g, "_");
  const directoryOf = (deploymentId: string) => join(runtimeRoot, fileNameOf(deploymentId));

  const stopProcess = async (deployment: Deployment) => {
    const running = deployment.process;
    deployment.process = undefined;
    deployment.starting = undefined;
    if (deployment.idleTimer !== undefined) clearTimeout(deployment.idleTimer);
    deployment.idleTimer = undefined;
    await running?.stop();
  };

  const scheduleIdleStop = (deployment: Deployment) => {
    if (deployment.idleTimer !== undefined) clearTimeout(deployment.idleTimer);
    deployment.idleTimer = setTimeout(() => {
      if (deployment.inFlight === 0) void stopProcess(deployment);
      else scheduleIdleStop(deployment);
    }, idleTimeoutMs);
    deployment.idleTimer.unref();
  };

  const startProcess = async (deployment: Deployment): Promise<WorkerdProcess> => {
    const binary = findWorkerd();
    if (typeof binary === "string") throw runtimeError("Unavailable", "BackendRuntime.publish", binary);
    const socketPath = nextSocketPath();
    await rm(socketPath, { force: true });
    const { config, files } = workerdConfig({
      bundle: deployment.bundle,
      address: `unix:${socketPath}`,
      compatibilityDate: clampCompatibilityDate(
        deployment.bundle.compatibilityDate,
        binary.newestCompatibilityDate,
      ),
      memoryLimitMb,
      platformServiceUrl,
    });
    // Module and binding files are the same for every server; each server's config names its own socket.
    for (const file of files) {
      const path = join(deployment.directory, file.path);
      if (!existsSync(path)) writeAtomically(path, file.content);
    }
    const configFile = `config.${instanceId}.capnp`;
    writeAtomically(join(deployment.directory, configFile), config);
    const running = await startWorkerdProcess({
      binary: binary.path,
      directory: deployment.directory,
      configFile,
      ownerId: instanceId,
      socketPath,
      memoryLimitMb,
      logFile: join(logRoot, `${fileNameOf(deployment.bundle.deploymentId)}.log`),
      validate: !deployment.validated,
      secrets: secretsOf(deployment.bundle),
    });
    void running.exited.then(() => {
      if (deployment.process === running) deployment.process = undefined;
    });
    return running;
  };

  const ensureRunning = (deployment: Deployment): Promise<WorkerdProcess> => {
    if (deployment.process?.isAlive()) return Promise.resolve(deployment.process);
    deployment.process = undefined;
    deployment.starting ??= startProcess(deployment).then(
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
    return deployment.starting;
  };

  const newDeployment = (bundle: BackendBundle, validated: boolean): Deployment => ({
    bundle,
    directory: directoryOf(bundle.deploymentId),
    process: undefined,
    starting: undefined,
    idleTimer: undefined,
    inFlight: 0,
    validated,
  });

  /** A deployment published by an earlier server process, or another server on this data directory. */
  const restore = (deploymentId: string): Deployment | undefined => {
    let bundle: BackendBundle;
    try {
      bundle = JSON.parse(
        readFileSync(join(directoryOf(deploymentId), BUNDLE_FILE), "utf8"),
      ) as BackendBundle;
    } catch {
      return undefined;
    }
    if (bundle.deploymentId !== deploymentId) return undefined;
    const deployment = newDeployment(bundle, true);
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
        if (previous !== undefined) {
          deployments.delete(bundle.deploymentId);
          await stopProcess(previous);
        }
        const deployment = newDeployment(bundle, false);
        await rm(deployment.directory, { recursive: true, force: true });
        mkdirSync(deployment.directory, { recursive: true, mode: 0o700 });
        const started = Date.now();
        await ensureRunning(deployment);
        // Only a bundle that loaded is kept, so a restart never revives a rejected one.
        writeAtomically(join(deployment.directory, BUNDLE_FILE), JSON.stringify(bundle));
        deployments.set(bundle.deploymentId, deployment);
        scheduleIdleStop(deployment);
        return { startupTimeMs: Date.now() - started };
      },
      catch: asRuntimeError("BackendRuntime.publish"),
    });

  /** Waits for response headers at most `requestTimeoutMs`; a stuck process is killed, not reused. */
  const send = async <A>(
    deployment: Deployment,
    call: (socketPath: string, signal: AbortSignal) => Promise<A>,
    interrupted: AbortSignal | undefined,
  ) => {
    let running: WorkerdProcess;
    try {
      running = await ensureRunning(deployment);
    } catch (error) {
      // Start-up output may hold app internals; the visitor gets a plain message, the log file the details.
      throw runtimeError(
        "Unavailable",
        "BackendRuntime.dispatch",
        error instanceof RuntimeError && error.reason === "Unavailable"
          ? (error.description ?? "The backend could not be started.")
          : "The backend could not be started.",
      );
    }
    scheduleIdleStop(deployment);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), requestTimeoutMs);
    try {
      const response = await call(
        running.socketPath,
        interrupted === undefined ? timeout.signal : AbortSignal.any([timeout.signal, interrupted]),
      );
      running.settleMemoryLimit();
      return response;
    } catch (error) {
      if (timeout.signal.aborted) {
        // A stuck isolate would block every later request; a fresh process serves the next one.
        if (deployment.process === running) await stopProcess(deployment);
        else await running.stop();
        throw runtimeError(
          "Timeout",
          "BackendRuntime.dispatch",
          `The backend did not answer within ${requestTimeoutMs} ms.`,
        );
      }
      const died = await Promise.race([
        running.exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(!running.isAlive()), 50)),
      ]);
      if (died) {
        throw runtimeError(
          "Unavailable",
          "BackendRuntime.dispatch",
          "The backend stopped while handling the request (it may have run out of memory).",
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };

  /** Runs `call` against the process of a published backend (restored from the data directory if need be). */
  const dispatchWith = async <A>(
    deploymentId: string,
    call: (socketPath: string, signal: AbortSignal) => Promise<A>,
    interrupted?: AbortSignal,
  ) => {
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
      return await send(deployment, call, interrupted);
    } finally {
      deployment.inFlight -= 1;
    }
  };

  const dispatch = (deploymentId: string, request: Request) =>
    Effect.tryPromise({
      try: (interrupted) =>
        dispatchWith(deploymentId, (socketPath, signal) => forward(socketPath, request, signal), interrupted),
      catch: asRuntimeError("BackendRuntime.dispatch"),
    });

  /** `dispatch` with Node's response as it arrives (BackendStreams). */
  const dispatchIncoming = (deploymentId: string, request: NodeBackendRequest) =>
    dispatchWith(deploymentId, (socketPath, signal) => forwardIncoming(socketPath, request, signal)).then(
      Result.succeed,
      (error: unknown) => Result.fail(asRuntimeError("BackendRuntime.dispatch")(error)),
    );

  const retire = (deploymentId: string) =>
    Effect.tryPromise({
      try: async () => {
        const deployment = deployments.get(deploymentId);
        deployments.delete(deploymentId);
        if (deployment !== undefined) await stopProcess(deployment);
        await rm(directoryOf(deploymentId), { recursive: true, force: true });
      },
      catch: asRuntimeError("BackendRuntime.retire"),
    });

  /** Stops every backend process this runtime started. */
  const shutdown = () =>
    Effect.promise(async () => {
      await Promise.all([...deployments.values()].map(stopProcess));
      liveRuntimeInstances.delete(instanceId);
      if (sockets !== undefined) await rm(sockets, { recursive: true, force: true });
    });

  /** Pids of running backends, for tests and diagnostics. */
  const processIds = (): ReadonlyMap<string, number> =>
    new Map(
      [...deployments].flatMap(([id, deployment]) =>
        deployment.process?.child.pid === undefined ? [] : [[id, deployment.process.child.pid] as const],
      ),
    );

  return {
    service: { publish, dispatch, retire } satisfies BackendRuntime["Service"],
    streams: { dispatch: dispatchIncoming } satisfies BackendStreams["Service"],
    shutdown,
    processIds,
  };
};

/** BackendRuntime (and its BackendStreams) on workerd; every backend process stops when the Layer's scope closes. */
export const backendRuntimeLayer = (
  options: BackendRuntimeOptions,
): Layer.Layer<BackendRuntime | BackendStreams> =>
  Layer.effectContext(
    Effect.acquireRelease(
      Effect.sync(() => makeWorkerdRuntime(options)),
      (runtime) => runtime.shutdown(),
    ).pipe(
      Effect.map((runtime) =>
        Context.make(BackendRuntime, runtime.service).pipe(Context.add(BackendStreams, runtime.streams)),
      ),
    ),
  );
