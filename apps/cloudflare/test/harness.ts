/**
 * Runs the core Worker inside workerd (Miniflare) with every binding its generated config declares: the
 * control-plane Durable Object (SQLite), R2, the platform Queue with the Worker as consumer, the Workflow
 * class, and a dispatch namespace whose scripts are the ones uploaded to the local Cloudflare REST stand-in.
 * An uploaded script whose metadata names the core Worker as tail consumer has its traces handed to the core
 * Worker's `tail` handler; with `analytics`, `ANALYTICS` is bound and its data points can be read back.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { workerBuildOptions } from "@w7s/adapter-cloudflare/bundle";
import { makeCloudflareApi } from "@w7s/cloudflare-api";
import { type ScriptUploadEvent, startCloudflareApiStandIn } from "@w7s/cloudflare-api/stand-in";
import { CORE_COMPATIBILITY_DATE } from "@w7s/cloudflare-ops/coreWorker";
import { Effect } from "effect";
import { build } from "esbuild";
import { Log, LogLevel, Miniflare, type WorkerOptions } from "miniflare";
import {
  ANALYTICS_RECORDER_SOURCE,
  D1_SHIM_SOURCE,
  DISPATCHER_WORKER_SOURCE,
  PLATFORM_BRIDGE_SOURCE,
  TAIL_FORWARDER_SOURCE,
  TEST_ENTRY_SOURCE,
} from "./dispatcher.js";

export const CORE_WORKER = "w7s-core";
export const DISPATCH_NAMESPACE = "w7s-isolate";
/** The generated wrangler config's date, so the Worker is tested as it is deployed. */
export const COMPATIBILITY_DATE = CORE_COMPATIBILITY_DATE;

let bundled: Promise<string> | undefined;
/** The core Worker's bundle (built once per test process). */
export const coreWorkerScript = (): Promise<string> => {
  bundled ??= build({
    ...workerBuildOptions,
    entryPoints: [fileURLToPath(new URL("../src/worker.ts", import.meta.url))],
    write: false,
  }).then((result) => result.outputFiles[0]!.text);
  return bundled;
};

export interface CoreHarness {
  readonly url: string;
  readonly mf: Miniflare;
  /** The Miniflare instance running the uploaded scripts. */
  readonly userPlane: Miniflare;
  readonly standIn: Awaited<ReturnType<typeof startCloudflareApiStandIn>>;
  readonly scripts: ReadonlyMap<string, ScriptUploadEvent>;
  /** The data points the core Worker wrote to `ANALYTICS` so far, in order (none unless `analytics` is set). */
  readonly dataPoints: () => Promise<ReadonlyArray<AnalyticsEngineDataPoint>>;
  readonly close: () => Promise<void>;
}

export interface CoreHarnessOptions {
  /** Worker variables on top of the harness's (zone `w7s.localhost`, http, the stand-in's API URL). */
  readonly vars?: Readonly<Record<string, string>>;
  readonly persistDir?: string;
  /** The HTTP port (default: any free one). */
  readonly port?: number;
  /** Bind the core Worker's optional `ANALYTICS` dataset, recording its data points in `dataPoints`. */
  readonly analytics?: boolean;
}

/** A port nothing listens on now. */
export const freePort = async (): Promise<number> => {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
};

const PLATFORM_SERVICE_BINDINGS = new Set(["PlatformService"]);
const TAIL_FORWARDER = "w7s-tail-forwarder";

/** The user plane's worker for one uploaded script, with the bindings its metadata declares. */
const userWorkerOptions = (
  event: ScriptUploadEvent,
  platform: (request: Request) => Promise<Response>,
  d1: { readonly url: string; readonly accountId: string; readonly token: string },
): WorkerOptions => {
  const metadata = event.metadata as {
    main_module: string;
    compatibility_date: string;
    compatibility_flags?: string[];
    bindings: Array<Record<string, string> & { type: string; name: string }>;
    tail_consumers?: ReadonlyArray<{ service: string }>;
  };
  const decoder = new TextDecoder();
  const bindings: Record<string, string> = {};
  const kvNamespaces: Record<string, string> = {};
  const r2Buckets: Record<string, string> = {};
  const wrappedBindings: Record<string, { scriptName: string; bindings: Record<string, string> }> = {};
  const durableObjects: Record<string, { className: string; useSQLite: boolean }> = {};
  const serviceBindings: Record<string, (request: Request) => Promise<Response>> = {};
  for (const binding of metadata.bindings) {
    if (binding.type === "plain_text" || binding.type === "secret_text")
      bindings[binding.name] = binding.text!;
    else if (binding.type === "kv_namespace") kvNamespaces[binding.name] = binding.namespace_id!;
    else if (binding.type === "r2_bucket") r2Buckets[binding.name] = binding.bucket_name!;
    else if (binding.type === "d1")
      wrappedBindings[binding.name] = {
        scriptName: "w7s-d1-shim",
        bindings: { url: d1.url, accountId: d1.accountId, token: d1.token, databaseId: binding.id! },
      };
    else if (binding.type === "durable_object_namespace")
      durableObjects[binding.name] = { className: binding.class_name!, useSQLite: true };
    else if (binding.type === "service" && PLATFORM_SERVICE_BINDINGS.has(binding.entrypoint ?? ""))
      serviceBindings[binding.name] = platform;
  }
  const main = event.modules.find((module) => module.name === metadata.main_module);
  const ordered =
    main === undefined ? event.modules : [main, ...event.modules.filter((module) => module !== main)];
  return {
    name: event.scriptName,
    modulesRoot: "/",
    modules: ordered.map((module) => ({
      type: "ESModule" as const,
      path: `/${module.name}`,
      contents: decoder.decode(module.content),
    })),
    compatibilityDate: metadata.compatibility_date,
    compatibilityFlags: metadata.compatibility_flags ?? [],
    bindings,
    kvNamespaces,
    r2Buckets,
    wrappedBindings,
    durableObjects,
    serviceBindings,
    // The upload's tail consumer is the core Worker: its traces go to the forwarder, which hands them to it.
    ...(metadata.tail_consumers?.some((consumer) => consumer.service === CORE_WORKER)
      ? { tails: [{ name: TAIL_FORWARDER, props: { scriptName: event.scriptName } }] }
      : {}),
  };
};

export const startCoreHarness = async (options: CoreHarnessOptions = {}): Promise<CoreHarness> => {
  const scripts = new Map<string, ScriptUploadEvent>();
  const persistRoot = options.persistDir ?? mkdtempSync(join(tmpdir(), "w7s-cf-harness-"));
  let core: Miniflare | undefined;
  const platform = async (request: Request): Promise<Response> => {
    const bridge = await core!.getWorker("w7s-platform-bridge");
    return (await bridge.fetch(request.url, request as never)) as unknown as Response;
  };
  const placeholder: WorkerOptions = {
    name: "w7s-user-plane",
    modules: true,
    script: "export default { fetch: () => new Response(null, { status: 404 }) };",
  };
  const d1Shim: WorkerOptions = { name: "w7s-d1-shim", modules: true, script: D1_SHIM_SOURCE };
  const tailForwarder: WorkerOptions = {
    name: TAIL_FORWARDER,
    modules: true,
    script: TAIL_FORWARDER_SOURCE,
    compatibilityDate: COMPATIBILITY_DATE,
    serviceBindings: {
      CORE: async (request: Request) => {
        const hooks = await core!.getWorker("w7s-test-hooks");
        return (await hooks.fetch("http://hooks/tail", {
          method: "POST",
          body: await request.text(),
        })) as unknown as Response;
      },
    },
  };
  let d1Target = { url: "", accountId: "", token: "" };
  const userPlaneWorkers = () => [
    placeholder,
    d1Shim,
    tailForwarder,
    ...[...scripts.values()].map((event) => userWorkerOptions(event, platform, d1Target)),
  ];
  const userPlane = new Miniflare({
    defaultPersistRoot: join(persistRoot, "user-plane"),
    ...(process.env.W7S_MINIFLARE_LOG === undefined ? {} : { log: new Log(LogLevel.DEBUG) }),
    workers: userPlaneWorkers(),
  });
  await userPlane.ready;
  // Uploads restart the user plane one at a time (its state is on disk, so nothing is lost).
  let restarting: Promise<void> = Promise.resolve();
  const restartUserPlane = () => {
    restarting = restarting.then(() =>
      userPlane.setOptions({
        defaultPersistRoot: join(persistRoot, "user-plane"),
        workers: userPlaneWorkers(),
      }),
    );
    return restarting;
  };
  const standIn = await startCloudflareApiStandIn({
    onScriptUpload: async (event) => {
      const previous = scripts.get(event.scriptName);
      scripts.set(event.scriptName, event);
      try {
        await restartUserPlane();
      } catch (error) {
        // Cloudflare refuses a script that does not start with 400 / 10021; the others keep running.
        if (previous === undefined) scripts.delete(event.scriptName);
        else scripts.set(event.scriptName, previous);
        restarting = Promise.resolve();
        await restartUserPlane();
        throw Object.assign(
          new Error(`Uncaught error while starting the Worker: ${String(error).slice(0, 500)}`),
          {
            status: 400,
            code: 10021,
          },
        );
      }
    },
    onScriptDelete: async (event) => {
      scripts.delete(event.scriptName);
      await restartUserPlane();
    },
  });
  d1Target = { url: standIn.url, accountId: standIn.accountId, token: standIn.apiToken };
  const api = makeCloudflareApi({
    accountId: standIn.accountId,
    apiToken: standIn.apiToken,
    baseUrl: standIn.url,
  });
  await Effect.runPromise(api.dispatch.ensureNamespace(DISPATCH_NAMESPACE));
  core = new Miniflare({
    port: options.port ?? 0,
    host: "127.0.0.1",
    ...(process.env.W7S_MINIFLARE_LOG === undefined ? {} : { log: new Log(LogLevel.DEBUG) }),
    defaultPersistRoot: join(persistRoot, "core"),
    workers: [
      {
        name: CORE_WORKER,
        modulesRoot: "/",
        modules: [
          { type: "ESModule", path: "/entry.js", contents: TEST_ENTRY_SOURCE },
          { type: "ESModule", path: "/worker.js", contents: await coreWorkerScript() },
        ],
        compatibilityDate: COMPATIBILITY_DATE,
        compatibilityFlags: ["nodejs_compat"],
        bindings: {
          W7S_ZONE_NAME: "w7s.localhost",
          W7S_PUBLIC_SCHEME: "http",
          W7S_CORE_WORKER_NAME: CORE_WORKER,
          W7S_DISPATCH_NAMESPACE: DISPATCH_NAMESPACE,
          CLOUDFLARE_ACCOUNT_ID: standIn.accountId,
          CLOUDFLARE_API_TOKEN: standIn.apiToken,
          CLOUDFLARE_API_BASE_URL: standIn.url,
          ...options.vars,
        },
        durableObjects: { CONTROL_PLANE: { className: "W7sControlPlane", useSQLite: true } },
        r2Buckets: ["STATIC_ASSETS"],
        kvNamespaces: ["DEPLOYMENTS_KV"],
        queueProducers: { W7S_QUEUE: "w7s-platform-queue" },
        queueConsumers: {
          "w7s-platform-queue": { maxBatchSize: 100, maxBatchTimeout: 0.05, maxRetries: 100 },
        },
        workflows: { W7S_WORKFLOWS: { name: "w7s-workflows", className: "W7sWorkflow" } },
        serviceBindings: { DISPATCHER: { name: "w7s-dispatcher", entrypoint: "Dispatcher" } },
        ...(options.analytics === true
          ? { wrappedBindings: { ANALYTICS: { scriptName: "w7s-analytics-recorder" } } }
          : {}),
      },
      ...(options.analytics === true
        ? [{ name: "w7s-analytics-recorder", modules: true, script: ANALYTICS_RECORDER_SOURCE }]
        : []),
      {
        name: "w7s-test-hooks",
        modules: true,
        script: PLATFORM_BRIDGE_SOURCE,
        compatibilityDate: COMPATIBILITY_DATE,
        serviceBindings: { PLATFORM: { name: CORE_WORKER, entrypoint: "TestHooks" } },
      },
      {
        name: "w7s-dispatcher",
        modules: true,
        script: DISPATCHER_WORKER_SOURCE,
        compatibilityDate: COMPATIBILITY_DATE,
        serviceBindings: {
          USER_PLANE: async (request: Request) => {
            const name = request.headers.get("x-w7s-test-script") ?? "";
            if (!scripts.has(name)) return new Response("Worker not found.", { status: 599 });
            await restarting;
            const headers = new Headers(request.headers);
            headers.delete("x-w7s-test-script");
            const worker = await userPlane.getWorker(name);
            const init = {
              method: request.method,
              headers,
              ...(request.method === "GET" || request.method === "HEAD"
                ? {}
                : { body: await request.arrayBuffer() }),
              redirect: "manual",
            };
            return (await worker.fetch(request.url, init as never)) as unknown as Response;
          },
        },
      },
      {
        name: "w7s-platform-bridge",
        modules: true,
        script: PLATFORM_BRIDGE_SOURCE,
        compatibilityDate: COMPATIBILITY_DATE,
        serviceBindings: { PLATFORM: { name: CORE_WORKER, entrypoint: "PlatformService" } },
      },
    ],
  });
  const url = (await core.ready).toString().replace(/\/$/, "");
  const coreInstance = core;
  return {
    url,
    mf: coreInstance,
    userPlane,
    standIn,
    scripts,
    dataPoints: async () => {
      const hooks = await coreInstance.getWorker("w7s-test-hooks");
      return (await (await hooks.fetch("http://hooks/analytics")).json()) as AnalyticsEngineDataPoint[];
    },
    close: async () => {
      await coreInstance.dispose();
      await userPlane.dispose();
      await standIn.close();
    },
  };
};
