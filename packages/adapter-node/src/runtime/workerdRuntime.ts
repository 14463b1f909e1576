/**
 * BackendRuntime on workerd: one workerd process per live deployment, started on first use and stopped
 * after it idles, so idle apps use no process time and publishing one app never touches another. User
 * code never runs in the server process; each process sees only its own bindings, has no disk service,
 * an empty environment, and an outbound network limited to public addresses.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  type AppRef,
  type BackendBundle,
  BackendRuntime,
  type PublishedBackend,
  RuntimeError,
} from "@w7s/core";
import { Context, Effect, Layer, Result } from "effect";
import { makeDbGateway } from "../bindings/db/dbGateway.js";
import { makeFsGateway } from "../bindings/fs/fsGateway.js";
import type { UsageSink } from "../bindings/gateway.js";
import { makeGrantSigner } from "../bindings/grants.js";
import { type BindingsHost, startBindingsHost } from "../bindings/host.js";
import { makeKvGateway } from "../bindings/kv/kvGateway.js";
import { objectsDirectory } from "../bindings/layout.js";
import { makeLogGrants } from "../logs/logGrants.js";
import { type LogIngest, startLogIngest } from "../logs/logIngest.js";
import { BackendStreams, type NodeBackendRequest } from "./backendStreams.js";
import { forward } from "./forward.js";
import { type Http1Answer, makeHttp1Client } from "./http1Client.js";
import { type HyperdriveBindings, hyperdriveTarget, unknownHyperdriveMessage } from "./hyperdrive.js";
import { liveRuntimeInstances, stopOrphanedBackends } from "./orphans.js";
import { makeRequestDeadlines, type RequestDeadline } from "./requestDeadlines.js";
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
  /**
   * Where W7S_RPC/W7S_QUEUE/W7S_WORKFLOW/W7S_AI forward to: an origin (`http://host:port`) or a Unix socket
   * (`unix:/path`); unset: they answer 503.
   */
  readonly platformServiceUrl?: string;
  /** The operator's Postgres bindings: `bindings.hyperdrive` id -> connection string. */
  readonly hyperdrive?: HyperdriveBindings;
  /** Where storage operations are counted (F.1 metric names); unset, they are not counted. */
  readonly usage?: UsageSink;
  /** The clock storage expiry reads (tests move it). */
  readonly now?: () => number;
  /** How long one SQL database call may run before its process is stopped (default 30 s). */
  readonly databaseTimeLimitMs?: number;
  /** At most this many SQL processes run database calls (default 4). */
  readonly databaseProcesses?: number;
  /** Where captured tail events go (G.2); unset, backends run without a tail worker and nothing is captured. */
  readonly logs?: LogSink;
}

/** The tail events one workerd process sent, with what the runtime knows about the deployment that sent them. */
export interface TailBatch {
  readonly deploymentId: string;
  readonly app: AppRef;
  readonly scriptName: string;
  /** The bundle's `secret_text` values, never to be kept. */
  readonly secrets: ReadonlyArray<string>;
  readonly traces: ReadonlyArray<unknown>;
}

/** Receives captured batches; a rejected promise tells the tail worker the batch was not taken. */
/** What the log of an invocation names: its request. */
interface InvocationOf {
  readonly method: string;
  readonly url: string;
}

export type LogSink = (batch: TailBatch) => Promise<void>;

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MEMORY_LIMIT_MB = 256;
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
/** The published bundle, kept so a restarted server (or another server on the same data directory) can run it. */
const BUNDLE_FILE = "bundle.json";

interface StoredBundle {
  readonly bundle: BackendBundle;
  /** When it was published, ms: the newer of two deployments of one app owns the app's stateful objects. */
  readonly publishedAt: number;
}

interface Deployment {
  readonly bundle: BackendBundle;
  readonly publishedAt: number;
  readonly directory: string;
  process: WorkerdProcess | undefined;
  starting: Promise<WorkerdProcess> | undefined;
  /** Counts stops, so a start that finishes after a stop knows its process is not wanted. */
  stops: number;
  idleTimer: NodeJS.Timeout | undefined;
  /** When the last request was sent (`performance.now()`), read by the idle timer. */
  lastUsedAt: number;
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

/** Apps with stateful objects, whose storage one workerd process at a time may hold. */
const hasObjects = (bundle: BackendBundle): boolean => bundle.durableObjectClasses.length > 0;

const appKeyOf = (bundle: BackendBundle): string =>
  `${bundle.app.environment}\u0000${bundle.app.orgSlug}\u0000${bundle.app.repoSlug}`;

/**
 * The deployments of one app with stateful objects. workerd locks an object folder for as long as it runs,
 * and an object must have one live instance, so one process at a time serves the whole app. The live
 * deployment (`activate`) takes the folder over at once (the older process finishes its requests and
 * stops), and a request still addressed to another deployment is served by the live one. Before the
 * runtime has been told which one is live, the newest published one that was asked for serves.
 */
interface ObjectGroup {
  owner: Deployment | undefined;
  handoff: Promise<void> | undefined;
  live: Deployment | undefined;
}

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
  // The fast path's connections to backend sockets (`BackendStreams`).
  const http1 = makeHttp1Client();
  const groups = new Map<string, ObjectGroup>();
  const grants = makeGrantSigner(options.dataDir);
  const hyperdrive = options.hyperdrive ?? {};
  const usage: UsageSink = options.usage ?? (() => undefined);
  // Socket paths must stay short (about 100 bytes), so they live in a private temporary folder.
  let sockets: string | undefined;
  let socketCounter = 0;
  const nextSocketPath = () => {
    sockets ??= mkdtempSync(join(tmpdir(), "w7s-rt-"));
    socketCounter += 1;
    return join(sockets, `${socketCounter}.sock`);
  };

  // Started with the first backend that has storage bindings; shared by every backend of this server.
  let host: Promise<BindingsHost> | undefined;
  const gateways = {
    kv: makeKvGateway({
      dataDir: options.dataDir,
      ...(options.now === undefined ? {} : { now: options.now }),
    }),
    fs: makeFsGateway({ dataDir: options.dataDir }),
    db: makeDbGateway({
      dataDir: options.dataDir,
      ...(options.databaseTimeLimitMs === undefined ? {} : { timeLimitMs: options.databaseTimeLimitMs }),
      ...(options.databaseProcesses === undefined ? {} : { processes: options.databaseProcesses }),
    }),
  };
  const bindingsHost = (): Promise<BindingsHost> => {
    host ??= startBindingsHost({
      socketPath: nextSocketPath(),
      grants,
      gateways,
      usage,
    }).catch((error: unknown) => {
      host = undefined;
      throw error;
    });
    return host;
  };

  // Started with the first backend when log capture is on; shared by every backend of this server.
  const logSink = options.logs;
  const logGrants = logSink === undefined ? undefined : makeLogGrants(options.dataDir);
  let ingest: Promise<LogIngest> | undefined;
  const logIngest = (): Promise<LogIngest> => {
    ingest ??= startLogIngest({
      socketPath: nextSocketPath(),
      grants: logGrants!,
      receive: async (deploymentId, traces) => {
        const deployment = deployments.get(deploymentId) ?? restore(deploymentId);
        if (deployment === undefined) return;
        const { bundle } = deployment;
        await logSink!({
          deploymentId,
          app: bundle.app,
          scriptName: bundle.scriptName,
          secrets: secretsOf(bundle),
          traces,
        });
      },
    }).catch((error: unknown) => {
      ingest = undefined;
      throw error;
    });
    return ingest;
  };

  const fileNameOf = (deploymentId: string) => deploymentId.replace(/[^A-Za-z0-9-]/g, "_");
  const directoryOf = (deploymentId: string) => join(runtimeRoot, fileNameOf(deploymentId));

  // Every process this runtime started and every start still under way, so that shutdown leaves none behind,
  // including one started for a publish not yet recorded or one that comes up after its deployment stopped.
  const processes = new Set<WorkerdProcess>();
  const starts = new Set<Promise<unknown>>();
  let closing = false;

  const stopProcess = async (deployment: Deployment) => {
    const running = deployment.process;
    deployment.process = undefined;
    deployment.starting = undefined;
    deployment.stops += 1;
    if (deployment.idleTimer !== undefined) clearTimeout(deployment.idleTimer);
    deployment.idleTimer = undefined;
    await running?.stop();
  };

  // A request only notes the time: one timer per running backend checks it when it fires and sets itself
  // again for the rest of the idle time, instead of a timer cleared and set on every request.
  const armIdleTimer = (deployment: Deployment, delayMs: number) => {
    deployment.idleTimer = setTimeout(() => {
      deployment.idleTimer = undefined;
      const idleFor = performance.now() - deployment.lastUsedAt;
      if (deployment.inFlight === 0 && idleFor >= idleTimeoutMs) void stopProcess(deployment);
      else armIdleTimer(deployment, Math.max(1, idleTimeoutMs - idleFor));
    }, delayMs);
    deployment.idleTimer.unref();
  };
  const scheduleIdleStop = (deployment: Deployment) => {
    deployment.lastUsedAt = performance.now();
    if (deployment.idleTimer === undefined) armIdleTimer(deployment, idleTimeoutMs);
  };

  /** `objects` overrides where stateful objects live (publish checks a bundle without touching the app's). */
  const startProcess = (deployment: Deployment, objects?: string): Promise<WorkerdProcess> => {
    if (closing) {
      return Promise.reject(
        runtimeError("Unavailable", "BackendRuntime.dispatch", "The server is stopping."),
      );
    }
    const start = spawnBackend(deployment, objects).then(async (started) => {
      processes.add(started);
      void started.exited.then(() => processes.delete(started));
      if (closing) {
        await started.stop();
        throw runtimeError("Unavailable", "BackendRuntime.dispatch", "The server is stopping.");
      }
      return started;
    });
    starts.add(start);
    void start.then(
      () => starts.delete(start),
      () => starts.delete(start),
    );
    return start;
  };

  const spawnBackend = async (
    deployment: Deployment,
    objects: string | undefined,
  ): Promise<WorkerdProcess> => {
    const binary = findWorkerd();
    if (typeof binary === "string") throw runtimeError("Unavailable", "BackendRuntime.publish", binary);
    const socketPath = nextSocketPath();
    await rm(socketPath, { force: true });
    const { bundle } = deployment;
    const usesStorage = bundle.bindings.some(
      (binding) => binding.type === "kv_namespace" || binding.type === "r2_bucket" || binding.type === "d1",
    );
    const bindingsSocket = usesStorage ? (await bindingsHost()).socketPath : "";
    const logs =
      logGrants === undefined
        ? undefined
        : { socketPath: (await logIngest()).socketPath, grant: logGrants.issue(bundle.deploymentId) };
    const grantOf = (binding: { type: string; name: string }, resourceId: string, kind: "kv" | "fs" | "db") =>
      grants.issue({ kind, resourceId, binding: binding.name, app: bundle.app });
    const { config, files } = workerdConfig({
      bundle,
      address: `unix:${socketPath}`,
      compatibilityDate: clampCompatibilityDate(bundle.compatibilityDate, binary.newestCompatibilityDate),
      memoryLimitMb,
      platformServiceUrl,
      logs,
      storage: {
        bindingsSocket,
        grant: (binding) =>
          binding.type === "kv_namespace"
            ? grantOf(binding, binding.namespaceId, "kv")
            : binding.type === "r2_bucket"
              ? grantOf(binding, binding.bucketName, "fs")
              : grantOf(binding, binding.databaseId, "db"),
        hyperdrive: (id) => {
          const connectionString = hyperdrive[id];
          return connectionString === undefined ? undefined : hyperdriveTarget(connectionString);
        },
        objectsDirectory: hasObjects(bundle)
          ? (objects ?? objectsDirectory(options.dataDir, bundle.app))
          : undefined,
      },
    });
    if (objects === undefined && hasObjects(bundle))
      mkdirSync(objectsDirectory(options.dataDir, bundle.app), { recursive: true, mode: 0o700 });
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
    const stops = deployment.stops;
    deployment.starting ??= startProcess(deployment).then(
      async (running) => {
        deployment.validated = true;
        if (deployment.stops !== stops) {
          // Stopped (retired, replaced) while it started: the stop wins.
          await running.stop();
          throw runtimeError(
            "Unavailable",
            "BackendRuntime.dispatch",
            "The backend was stopped while it started.",
          );
        }
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

  const newDeployment = (bundle: BackendBundle, publishedAt: number, validated: boolean): Deployment => ({
    bundle,
    publishedAt,
    directory: directoryOf(bundle.deploymentId),
    process: undefined,
    starting: undefined,
    stops: 0,
    idleTimer: undefined,
    lastUsedAt: 0,
    inFlight: 0,
    validated,
  });

  /** A deployment published by an earlier server process, or another server on this data directory. */
  const restore = (deploymentId: string): Deployment | undefined => {
    let stored: StoredBundle;
    try {
      stored = JSON.parse(readFileSync(join(directoryOf(deploymentId), BUNDLE_FILE), "utf8")) as StoredBundle;
    } catch {
      return undefined;
    }
    if (stored.bundle?.deploymentId !== deploymentId) return undefined;
    const deployment = newDeployment(stored.bundle, stored.publishedAt, true);
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
        for (const binding of bundle.bindings) {
          if (binding.type === "hyperdrive" && hyperdrive[binding.id] === undefined) {
            throw runtimeError("NotFound", "BackendRuntime.publish", unknownHyperdriveMessage(binding));
          }
        }
        const previous = deployments.get(bundle.deploymentId);
        if (previous !== undefined) {
          deployments.delete(bundle.deploymentId);
          await stopProcess(previous);
        }
        const deployment = newDeployment(bundle, Date.now(), false);
        await rm(deployment.directory, { recursive: true, force: true });
        mkdirSync(deployment.directory, { recursive: true, mode: 0o700 });
        const started = Date.now();
        if (hasObjects(bundle)) {
          // The app's object folder belongs to its live deployment until this one takes over, so the
          // bundle is checked against an empty folder of its own and started for real on its first request.
          const scratch = mkdtempSync(join(tmpdir(), "w7s-objects-"));
          try {
            await (await startProcess(deployment, scratch)).stop();
          } finally {
            await rm(scratch, { recursive: true, force: true });
          }
          deployment.validated = true;
        } else {
          await ensureRunning(deployment);
        }
        // Only a bundle that loaded is kept, so a restart never revives a rejected one.
        const stored: StoredBundle = { bundle, publishedAt: deployment.publishedAt };
        writeAtomically(join(deployment.directory, BUNDLE_FILE), JSON.stringify(stored));
        deployments.set(bundle.deploymentId, deployment);
        if (!hasObjects(bundle)) scheduleIdleStop(deployment);
        return { startupTimeMs: Date.now() - started };
      },
      catch: asRuntimeError("BackendRuntime.publish"),
    });

  /**
   * An invocation the isolate could not report itself (it was stopped for taking too long, or its process
   * died), logged as the non-OK outcome the app owner needs to see, with its request.
   */
  const reportEndedFromOutside = (
    deployment: Deployment,
    about: InvocationOf,
    outcome: string,
    status: number,
  ) => {
    if (logSink === undefined) return;
    const { bundle } = deployment;
    void logSink({
      deploymentId: bundle.deploymentId,
      app: bundle.app,
      scriptName: bundle.scriptName,
      secrets: secretsOf(bundle),
      traces: [
        {
          outcome,
          eventTimestamp: Date.now(),
          event: { request: { method: about.method, url: about.url }, response: { status } },
          logs: [],
          exceptions: [],
        },
      ],
    }).catch(() => {});
  };

  const timedOut = () =>
    runtimeError(
      "Timeout",
      "BackendRuntime.dispatch",
      `The backend did not answer within ${requestTimeoutMs} ms.`,
    );
  const deadlines = makeRequestDeadlines(requestTimeoutMs, timedOut);

  /**
   * What a failed call means: past its deadline, the stuck process is killed, not reused (a stuck isolate
   * would block every later request; a fresh process serves the next one); a process that died with it is
   * reported as such; anything else is the call's own error.
   */
  const failedCall = async (
    deployment: Deployment,
    running: WorkerdProcess,
    deadline: RequestDeadline,
    error: unknown,
    about: InvocationOf,
  ): Promise<never> => {
    if (deadline.aborted) {
      if (deployment.process === running) await stopProcess(deployment);
      else await running.stop();
      reportEndedFromOutside(deployment, about, "exceededWallTime", 504);
      throw timedOut();
    }
    const died = await Promise.race([
      running.exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(!running.isAlive()), 50)),
    ]);
    if (died) {
      reportEndedFromOutside(deployment, about, "exceededMemory", 502);
      throw runtimeError(
        "Unavailable",
        "BackendRuntime.dispatch",
        "The backend stopped while handling the request (it may have run out of memory).",
      );
    }
    throw error;
  };

  /**
   * Calls a running backend and waits for its response headers at most `requestTimeoutMs` (see
   * `failedCall`). Nothing is awaited before `call` starts; `about` is only built when the call fails.
   */
  const callRunning = <A>(
    deployment: Deployment,
    running: WorkerdProcess,
    call: (socketPath: string, deadline: RequestDeadline) => Promise<A>,
    about: () => InvocationOf,
  ): Promise<A> => {
    scheduleIdleStop(deployment);
    const deadline = deadlines.start();
    return call(running.socketPath, deadline).then(
      (response) => {
        deadlines.end(deadline);
        running.settleMemoryLimit();
        return response;
      },
      (error: unknown) =>
        failedCall(deployment, running, deadline, error, about()).finally(() => deadlines.end(deadline)),
    );
  };

  /** Starts the deployment's process if need be, then `callRunning`. */
  const send = async <A>(
    deployment: Deployment,
    call: (socketPath: string, deadline: RequestDeadline) => Promise<A>,
    about: () => InvocationOf,
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
    return callRunning(deployment, running, call, about);
  };

  /** Waits until `deployment` has no request in flight (at most the request timeout), then stops it. */
  const drainAndStop = async (deployment: Deployment) => {
    const deadline = Date.now() + requestTimeoutMs;
    while (deployment.inFlight > 0 && Date.now() < deadline)
      await new Promise((done) => setTimeout(done, 10));
    await stopProcess(deployment);
  };

  const groupOf = (deployment: Deployment): ObjectGroup => {
    const key = appKeyOf(deployment.bundle);
    let group = groups.get(key);
    if (group === undefined) {
      group = { owner: undefined, handoff: undefined, live: undefined };
      groups.set(key, group);
    }
    return group;
  };

  /** The deployment that serves a request for `deployment` (see `ObjectGroup`). */
  const servingDeployment = async (deployment: Deployment): Promise<Deployment> => {
    if (!hasObjects(deployment.bundle)) return deployment;
    const group = groupOf(deployment);
    while (group.handoff !== undefined) await group.handoff;
    const owner = group.owner;
    if (owner === undefined || owner === deployment || !deployments.has(owner.bundle.deploymentId)) {
      group.owner = deployment;
      return deployment;
    }
    const live =
      group.live !== undefined && deployments.has(group.live.bundle.deploymentId) ? group.live : undefined;
    if (live === owner) return owner;
    if (live !== deployment && deployment.publishedAt <= owner.publishedAt) return owner;
    group.owner = deployment;
    const handoff = drainAndStop(owner).finally(() => {
      if (group.handoff === handoff) group.handoff = undefined;
    });
    group.handoff = handoff;
    await handoff;
    return deployment;
  };

  /** Runs `call` against the process serving a published backend (restored from the data directory if need be). */
  const dispatchWith = async <A>(
    deploymentId: string,
    about: () => InvocationOf,
    call: (socketPath: string, deadline: RequestDeadline) => Promise<A>,
  ) => {
    const addressed = deployments.get(deploymentId) ?? restore(deploymentId);
    if (addressed === undefined) {
      throw runtimeError(
        "NotFound",
        "BackendRuntime.dispatch",
        `No backend is published as ${deploymentId}.`,
      );
    }
    const deployment = await servingDeployment(addressed);
    deployment.inFlight += 1;
    try {
      return await send(deployment, call, about);
    } finally {
      deployment.inFlight -= 1;
    }
  };

  const dispatch = (deploymentId: string, request: Request) =>
    Effect.tryPromise({
      try: (interrupted) =>
        dispatchWith(
          deploymentId,
          () => request,
          (socketPath, deadline) =>
            forward(socketPath, request, AbortSignal.any([deadline.toAbortSignal(), interrupted])),
        ),
      catch: asRuntimeError("BackendRuntime.dispatch"),
    });

  const invocationOf = (request: NodeBackendRequest): InvocationOf => ({
    method: request.method,
    url: `http://${request.headers["host"] ?? "localhost"}${request.path}`,
  });
  const incomingFailure = (error: unknown) => Result.fail(asRuntimeError("BackendRuntime.dispatch")(error));

  /**
   * `dispatch` with Node's response as it arrives (BackendStreams). A backend already running, without
   * stateful objects to hand over, is called at once, with nothing awaited before its socket is written.
   */
  const dispatchIncoming = (
    deploymentId: string,
    request: NodeBackendRequest,
  ): Promise<Result.Result<Http1Answer, RuntimeError>> => {
    const call = (socketPath: string, deadline: RequestDeadline) =>
      http1.request(socketPath, request, deadline);
    const about = () => invocationOf(request);
    const deployment = deployments.get(deploymentId);
    const running = deployment?.process;
    if (
      deployment === undefined ||
      running === undefined ||
      hasObjects(deployment.bundle) ||
      !running.isAlive()
    )
      return dispatchWith(deploymentId, about, call).then(Result.succeed, incomingFailure);
    deployment.inFlight += 1;
    return callRunning(deployment, running, call, about).then(
      (answer) => {
        deployment.inFlight -= 1;
        return Result.succeed(answer);
      },
      (error: unknown) => {
        deployment.inFlight -= 1;
        return incomingFailure(error);
      },
    );
  };

  const retire = (deploymentId: string) =>
    Effect.tryPromise({
      try: async () => {
        const deployment = deployments.get(deploymentId);
        deployments.delete(deploymentId);
        if (deployment !== undefined) {
          const group = groups.get(appKeyOf(deployment.bundle));
          if (group?.owner === deployment) group.owner = undefined;
          if (group?.live === deployment) group.live = undefined;
          await stopProcess(deployment);
        }
        await rm(directoryOf(deploymentId), { recursive: true, force: true });
      },
      catch: asRuntimeError("BackendRuntime.retire"),
    });

  /**
   * An app with stateful objects hands its object folder to the live deployment and starts it, so the
   * objects' alarms fire without waiting for a request; the handoff runs behind the answer. Apps without
   * objects have nothing to hand over.
   */
  const activate = (deploymentId: string) =>
    Effect.try({
      try: () => {
        const deployment = deployments.get(deploymentId) ?? restore(deploymentId);
        if (deployment === undefined || !hasObjects(deployment.bundle)) return;
        groupOf(deployment).live = deployment;
        void servingDeployment(deployment)
          .then(ensureRunning)
          .catch(() => {
            // The next request starts it and reports what went wrong.
          });
      },
      catch: asRuntimeError("BackendRuntime.activate"),
    });

  /** Every bundle kept in the data directory (this server's and others'), for retention cleanup. */
  const listPublished = () =>
    Effect.tryPromise({
      try: async () => {
        const names = await readdir(runtimeRoot).catch(() => [] as string[]);
        const published: PublishedBackend[] = [];
        for (const name of names) {
          try {
            const stored = JSON.parse(
              await readFile(join(runtimeRoot, name, BUNDLE_FILE), "utf8"),
            ) as StoredBundle;
            if (typeof stored.bundle?.deploymentId !== "string" || !Number.isFinite(stored.publishedAt))
              continue;
            published.push({
              deploymentId: stored.bundle.deploymentId,
              publishedAt: new Date(stored.publishedAt).toISOString(),
            });
          } catch {
            // A folder without a finished bundle: a publish in progress or one that failed; not ours to judge.
          }
        }
        return published;
      },
      catch: asRuntimeError("BackendRuntime.listPublished"),
    });

  /** Stops every backend process this runtime started. */
  const shutdown = () =>
    Effect.promise(async () => {
      closing = true;
      await Promise.all([...deployments.values()].map(stopProcess));
      await Promise.allSettled([...starts]);
      await Promise.all([...processes].map((started) => started.stop()));
      http1.close();
      if (host !== undefined) await (await host.catch(() => undefined))?.close();
      if (ingest !== undefined) await (await ingest.catch(() => undefined))?.close();
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
    service: { publish, dispatch, listPublished, retire, activate } satisfies BackendRuntime["Service"],
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
