/**
 * Runs the core Worker inside workerd (Miniflare) with every binding its generated config declares: the
 * control-plane Durable Object (SQLite), R2, the platform Queue with the Worker as consumer, the Workflow
 * class, and a dispatch namespace whose scripts are the ones uploaded to the local Cloudflare REST stand-in.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { workerBuildOptions } from "@w7s/adapter-cloudflare/bundle";
import { makeCloudflareApi } from "@w7s/cloudflare-api";
import { type ScriptUploadEvent, startCloudflareApiStandIn } from "@w7s/cloudflare-api/stand-in";
import { Effect } from "effect";
import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";
import { DISPATCHER_WORKER_SOURCE } from "./dispatcher.js";

export const CORE_WORKER = "w7s-core";
export const DISPATCH_NAMESPACE = "w7s-isolate";
export const COMPATIBILITY_DATE = "2026-06-01";

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
  readonly standIn: Awaited<ReturnType<typeof startCloudflareApiStandIn>>;
  readonly scripts: ReadonlyMap<string, ScriptUploadEvent>;
  readonly close: () => Promise<void>;
}

export interface CoreHarnessOptions {
  /** Worker variables on top of the harness's (zone `w7s.localhost`, http, the stand-in's API URL). */
  readonly vars?: Readonly<Record<string, string>>;
  readonly persistDir?: string;
  /** The HTTP port (default: any free one). */
  readonly port?: number;
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

export const startCoreHarness = async (options: CoreHarnessOptions = {}): Promise<CoreHarness> => {
  const scripts = new Map<string, ScriptUploadEvent & { readonly etag: string }>();
  let uploads = 0;
  const standIn = await startCloudflareApiStandIn({
    onScriptUpload: (event) => {
      uploads += 1;
      scripts.set(event.scriptName, { ...event, etag: String(uploads) });
    },
    onScriptDelete: (event) => {
      scripts.delete(event.scriptName);
    },
  });
  const api = makeCloudflareApi({
    accountId: standIn.accountId,
    apiToken: standIn.apiToken,
    baseUrl: standIn.url,
  });
  await Effect.runPromise(api.dispatch.ensureNamespace(DISPATCH_NAMESPACE));
  const decoder = new TextDecoder();
  const mf = new Miniflare({
    port: options.port ?? 0,
    host: "127.0.0.1",
    ...(process.env.W7S_MINIFLARE_LOG === undefined ? {} : { log: new Log(LogLevel.DEBUG) }),
    ...(options.persistDir === undefined ? {} : { defaultPersistRoot: options.persistDir }),
    workers: [
      {
        name: CORE_WORKER,
        modules: true,
        script: await coreWorkerScript(),
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
        queueProducers: { W7S_QUEUE: "w7s-platform-queue" },
        queueConsumers: {
          "w7s-platform-queue": { maxBatchSize: 100, maxBatchTimeout: 0.05, maxRetries: 100 },
        },
        workflows: { W7S_WORKFLOWS: { name: "w7s-workflows", className: "W7sWorkflow" } },
        serviceBindings: { DISPATCHER: { name: "w7s-dispatcher", entrypoint: "Dispatcher" } },
      },
      {
        name: "w7s-dispatcher",
        modules: true,
        script: DISPATCHER_WORKER_SOURCE,
        compatibilityDate: COMPATIBILITY_DATE,
        workerLoaders: { LOADER: {} },
        serviceBindings: {
          PLATFORM: { name: CORE_WORKER, entrypoint: "PlatformService" },
          SCRIPTS: async (request: Request) => {
            const name = decodeURIComponent(new URL(request.url).pathname.slice(1));
            const script = scripts.get(name);
            if (script === undefined) return new Response("not found", { status: 404 });
            // The Worker Loader reads a module's kind from its name unless told; uploads say it in the part's type.
            const modules = Object.fromEntries(
              script.modules.map((module) => [module.name, { js: decoder.decode(module.content) }]),
            );
            return Response.json({ metadata: script.metadata, modules, etag: script.etag });
          },
        },
      },
    ],
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return {
    url,
    mf,
    standIn,
    scripts,
    close: async () => {
      await mf.dispose();
      await standIn.close();
    },
  };
};
