/**
 * The app's own backend under `w7s dev`: its module graph (as a deploy would collect it) published to a
 * workerd process by adapter-node's runtime, with the storage its `w7s.json` declares provisioned by
 * adapter-node's Provisioner in a local data directory (KV, FS, DB with migrations, stateful objects,
 * Postgres), the platform bindings of E.1, and a republish on every change.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { deployFiles } from "@w7s/action";
import { makeWorkerdRuntime, provisionerLayer } from "@w7s/adapter-node";
import {
  type AppRef,
  applyMigrations,
  collectBackendModules,
  type DeployLayout,
  defaultPlatformConfig,
  detectLayout,
  type ProvisionedStorage,
  provisionStorage,
  type RuntimeBinding,
} from "@w7s/core";
import { type Manifest, parseManifest } from "@w7s/manifest";
import { Effect, ManagedRuntime, Result } from "effect";

/** The folder under the app root where `w7s dev` keeps its data (one stable layout, see the README). */
export const LOCAL_DATA_DIR = ".w7s-local";

/** The per-process tokens the backend's platform bindings carry (E.2); the dev router checks them. */
export interface PlatformTokens {
  readonly rpc: string;
  readonly queue: string;
  readonly workflow: string;
  readonly ai: string;
  readonly events: string;
}

export const issuePlatformTokens = (): PlatformTokens => ({
  rpc: randomBytes(32).toString("base64url"),
  queue: randomBytes(32).toString("base64url"),
  workflow: randomBytes(32).toString("base64url"),
  ai: randomBytes(32).toString("base64url"),
  events: randomBytes(32).toString("base64url"),
});

/** The app's files as a deploy would see them, without the dev data folder. */
export const appPaths = (root: string, dataDir = join(root, LOCAL_DATA_DIR)): string[] => {
  const data = `${relative(root, dataDir).replaceAll("\\", "/")}/`;
  return deployFiles(root, (path) => path === data || path.startsWith(data)).filter(
    (path) => !path.endsWith("/"),
  );
};

/** What the last load found. */
export interface LoadedApp {
  readonly layout: DeployLayout | undefined;
  /** Why nothing deployable was found (the deploy's 400 text). */
  readonly layoutError: string | undefined;
  readonly manifest: Manifest | undefined;
  readonly backend:
    | {
        readonly deploymentId: string;
        readonly entrypoint: string;
        readonly bindings: ReadonlyArray<{ readonly name: string; readonly type: string }>;
        readonly migrationsApplied: number;
      }
    | undefined;
}

export interface DevBackendOptions {
  readonly root: string;
  readonly dataDir: string;
  readonly app: AppRef;
  readonly repository: string;
  readonly branch: string;
  readonly sha: string;
  /** Where W7S_RPC / W7S_QUEUE / W7S_WORKFLOW / W7S_AI / W7S_EVENTS send their requests: this dev router. */
  readonly platformServiceUrl: string;
  readonly tokens: PlatformTokens;
  /** Where declared vars and secrets take their values (the process environment). */
  readonly environmentVariables: Readonly<Record<string, string | undefined>>;
  /** Postgres bindings: `bindings.hyperdrive` id -> connection string. */
  readonly hyperdrive?: Readonly<Record<string, string>>;
}

/** E.1 upload order: vars, secrets, storage, then RPC, identity, queue, workflow, AI and events bindings. */
const runtimeBindings = (
  options: DevBackendOptions,
  manifest: Manifest,
  storage: ProvisionedStorage,
  deployedAt: string,
): RuntimeBinding[] => {
  const values = (names: readonly string[]) =>
    [...new Set(names)].flatMap((name) => {
      const value = options.environmentVariables[name];
      return value === undefined ? [] : [{ name, text: value }];
    });
  const text = (name: string, value: string): RuntimeBinding => ({ type: "plain_text", name, text: value });
  const { app } = options;
  return [
    ...values(manifest.vars).map(({ name, text: value }) => text(name, value)),
    ...values(manifest.secrets).map(
      ({ name, text: value }): RuntimeBinding => ({ type: "secret_text", name, text: value }),
    ),
    ...storage.bindings,
    { type: "platform_service", name: "W7S_RPC", service: "rpc" },
    { type: "secret_text", name: "W7S_RPC_TOKEN", text: options.tokens.rpc },
    text("W7S_OWNER", app.orgSlug),
    text("W7S_REPO", app.repoSlug),
    text("W7S_REPOSITORY", `${app.orgSlug}/${app.repoSlug}`),
    text("W7S_ENVIRONMENT", app.environment),
    text("W7S_SOURCE_REPOSITORY", options.repository),
    text("W7S_APPLICATION", manifest.name ?? app.repoSlug),
    text("W7S_BRANCH", options.branch),
    text("W7S_COMMIT_HASH", options.sha),
    text("W7S_DEPLOYED_AT", deployedAt),
    text("GIT_BRANCH", options.branch),
    text("GIT_COMMIT_HASH", options.sha),
    text("DEPLOYED_AT", deployedAt),
    text("W7S_LOCAL", "true"),
    { type: "platform_service", name: "W7S_QUEUE", service: "queue" },
    { type: "secret_text", name: "W7S_QUEUE_TOKEN", text: options.tokens.queue },
    { type: "platform_service", name: "W7S_WORKFLOW", service: "workflow" },
    { type: "secret_text", name: "W7S_WORKFLOW_TOKEN", text: options.tokens.workflow },
    { type: "platform_service", name: "W7S_AI", service: "ai" },
    { type: "secret_text", name: "W7S_AI_TOKEN", text: options.tokens.ai },
    { type: "platform_service", name: "W7S_EVENTS", service: "events" },
    { type: "secret_text", name: "W7S_EVENTS_TOKEN", text: options.tokens.events },
  ];
};

/** A failure of loading the app that the user should read: the deploy's own message. */
export class LoadError extends Error {
  override readonly name = "LoadError";
}

const messageOf = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string")
    return error.message;
  return String(error);
};

export const makeDevBackend = (options: DevBackendOptions) => {
  const runtime = makeWorkerdRuntime({
    dataDir: options.dataDir,
    platformServiceUrl: options.platformServiceUrl,
    idleTimeoutMs: 24 * 60 * 60_000,
    requestTimeoutMs: 60_000,
    ...(options.hyperdrive === undefined ? {} : { hyperdrive: options.hyperdrive }),
  });
  const storage = ManagedRuntime.make(provisionerLayer({ dataDir: options.dataDir }));
  let current: LoadedApp = {
    layout: undefined,
    layoutError: undefined,
    manifest: undefined,
    backend: undefined,
  };
  let generation = 0;

  /** Reads the app again and, when it has a backend, publishes it; the old one serves until the new one loaded. */
  const load = async (): Promise<LoadedApp> => {
    const paths = appPaths(options.root, options.dataDir);
    const layout = detectLayout(paths);
    const manifestPath = join(options.root, "w7s.json");
    let manifestText: string | undefined;
    try {
      manifestText = readFileSync(manifestPath, "utf8");
    } catch {}
    const parsed = parseManifest(manifestText);
    if (Result.isFailure(parsed))
      throw new LoadError(parsed.failure.issues.map((issue) => issue.message).join("\n"));
    const manifest = parsed.success.manifest;
    if (Result.isFailure(layout)) {
      await retireCurrent();
      current = { layout: undefined, layoutError: layout.failure.message, manifest, backend: undefined };
      return current;
    }
    const detected = layout.success;
    const backend =
      detected._tag === "Fullstack" || detected._tag === "Backend" ? detected.backend : undefined;
    if (backend === undefined) {
      await retireCurrent();
      current = { layout: detected, layoutError: undefined, manifest, backend: undefined };
      return current;
    }
    const wanted = (path: string) =>
      path.startsWith(`${backend.root}/`) ||
      manifest.bindings.db.some((db) => db.migrations !== undefined && path.startsWith(`${db.migrations}/`));
    const files = new Map<string, Uint8Array>(
      paths.filter(wanted).map((path) => [path, new Uint8Array(readFileSync(join(options.root, path)))]),
    );
    const modules = collectBackendModules(files, backend);
    if (Result.isFailure(modules)) throw new LoadError(modules.failure.message);
    const provisioned = await storage
      .runPromise(provisionStorage(manifest, options.app))
      .catch((error: unknown) => Promise.reject(new LoadError(messageOf(error))));
    generation += 1;
    const deploymentId = `dev-${process.pid}-${Date.now().toString(36)}-${generation}`;
    const deployedAt = new Date().toISOString();
    const bindings = runtimeBindings(options, manifest, provisioned, deployedAt);
    await Effect.runPromise(
      runtime.service.publish({
        deploymentId,
        app: options.app,
        scriptName: `${options.app.orgSlug}--${options.app.repoSlug}--${options.app.environment}--dev`,
        mainModule: modules.success.mainModule,
        modules: [...modules.success.modules],
        bindings,
        compatibilityDate:
          modules.success.compatibilityDate ?? defaultPlatformConfig.defaultCompatibilityDate,
        compatibilityFlags: [...modules.success.compatibilityFlags],
        durableObjectClasses: [...provisioned.durableObjectClasses],
      }),
    ).catch((error: unknown) => Promise.reject(new LoadError(messageOf(error))));
    const applied = await storage
      .runPromise(applyMigrations(provisioned.databases, files))
      .catch(async (error: unknown) => {
        await Effect.runPromise(Effect.ignore(runtime.service.retire(deploymentId)));
        return Promise.reject(new LoadError(messageOf(error)));
      });
    const previous = current.backend?.deploymentId;
    current = {
      layout: detected,
      layoutError: undefined,
      manifest,
      backend: {
        deploymentId,
        entrypoint: backend.entrypoint,
        bindings: bindings
          .filter(
            (binding) =>
              !binding.name.startsWith("W7S_") &&
              !binding.name.startsWith("GIT_") &&
              binding.name !== "DEPLOYED_AT",
          )
          .map((binding) => ({ name: binding.name, type: binding.type })),
        migrationsApplied: [...applied.values()].reduce((sum, count) => sum + count, 0),
      },
    };
    if (previous !== undefined) void Effect.runPromise(Effect.ignore(runtime.service.retire(previous)));
    return current;
  };

  const retireCurrent = async () => {
    const previous = current.backend?.deploymentId;
    if (previous !== undefined) await Effect.runPromise(Effect.ignore(runtime.service.retire(previous)));
  };

  return {
    load,
    current: () => current,
    /** Sends a request to the published backend; `undefined` when there is none. */
    dispatch: async (request: Request): Promise<Response | undefined> => {
      const backend = current.backend;
      if (backend === undefined) return undefined;
      return Effect.runPromise(runtime.service.dispatch(backend.deploymentId, request));
    },
    close: async () => {
      await retireCurrent().catch(() => undefined);
      await Effect.runPromise(runtime.shutdown());
      await storage.dispose();
    },
  };
};

export type DevBackend = ReturnType<typeof makeDevBackend>;
