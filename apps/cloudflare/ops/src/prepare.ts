/**
 * prepare: creates or reuses the core Worker's account resources (the DEPLOYMENTS_KV namespace, the
 * STATIC_ASSETS bucket, the DISPATCHER dispatch namespace and the platform queue), looks up the zone, and
 * writes `wrangler.generated.jsonc` plus `.wrangler/secrets.json` (mode 0600, only the secrets that are set,
 * the Worker's own `CLOUDFLARE_API_TOKEN` among them) for `wrangler deploy`. The build facts `/health` shows
 * come from `GITHUB_SHA`, `GITHUB_REF_NAME` and the time of the run. Run as `node apps/cloudflare/ops/dist/prepare.js [--root DIR] [--out FILE]
 * [--secrets-out FILE] [--main FILE]`; paths are relative to the workspace root.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";
import type { CloudflareApi, CloudflareApiError } from "@w7s/cloudflare-api";
import { Effect } from "effect";
import { apiFor, explain, findZone } from "./api.js";
import { stderrLine, workspaceRoot } from "./cli.js";
import { OpsError } from "./errors.js";
import { type OpsSettings, readSettings } from "./settings.js";
import { buildWranglerConfig, type PreparedResources, renderWranglerConfig } from "./wranglerConfig.js";

export interface PrepareOptions {
  /** The directory the default paths are relative to (default: the workspace root above the cwd). */
  readonly root?: string | undefined;
  readonly configPath?: string | undefined;
  readonly secretsPath?: string | undefined;
  /** The built core Worker (default `apps/cloudflare/dist/worker.js`). */
  readonly mainPath?: string | undefined;
  readonly log?: ((line: string) => void) | undefined;
  /** The deployment time written as `W7S_BUILD_DEPLOYED_AT` (default: now). */
  readonly now?: Date | undefined;
}

export interface PrepareResult {
  readonly configPath: string;
  readonly secretsPath: string;
  readonly resources: PreparedResources;
  readonly config: Record<string, unknown>;
}

export const DEFAULT_CONFIG_PATH = "wrangler.generated.jsonc";
export const DEFAULT_SECRETS_PATH = ".wrangler/secrets.json";
export const DEFAULT_MAIN_PATH = "apps/cloudflare/dist/worker.js";

/** Finds a resource by `find`, else creates it with `ensure`, and says which on the log. */
const reuseOrCreate = <A>(
  log: (line: string) => void,
  what: string,
  find: Effect.Effect<A | undefined, CloudflareApiError>,
  ensure: Effect.Effect<A, CloudflareApiError>,
  describe: (resource: A) => string,
): Effect.Effect<A, OpsError> =>
  Effect.gen(function* () {
    const found = yield* find;
    if (found !== undefined) {
      log(`reused ${what} ${describe(found)}`);
      return found;
    }
    const created = yield* ensure;
    log(`created ${what} ${describe(created)}`);
    return created;
  }).pipe(Effect.mapError(explain(`preparing the ${what}`)));

export const prepareResources = (
  api: CloudflareApi,
  settings: OpsSettings,
  log: (line: string) => void,
): Effect.Effect<PreparedResources, OpsError> =>
  Effect.gen(function* () {
    const zoneId = yield* findZone(api, settings);
    log(`found zone ${settings.zoneName} (id ${zoneId})`);
    const kv = yield* reuseOrCreate(
      log,
      "KV namespace",
      Effect.map(api.kv.listNamespaces(), (all) => all.find((ns) => ns.title === settings.deploymentsKvName)),
      api.kv.ensureNamespace(settings.deploymentsKvName),
      (ns) => `${ns.title} (id ${ns.id})`,
    );
    const bucket = yield* reuseOrCreate(
      log,
      "R2 bucket",
      Effect.map(api.r2.listBuckets(), (all) => all.find((b) => b.name === settings.staticAssetsBucket)),
      api.r2.ensureBucket(settings.staticAssetsBucket),
      (b) => b.name,
    );
    const dispatch = yield* reuseOrCreate(
      log,
      "dispatch namespace",
      Effect.map(api.dispatch.listNamespaces(), (all) =>
        all.find((ns) => ns.namespace_name === settings.dispatchNamespace),
      ),
      api.dispatch.ensureNamespace(settings.dispatchNamespace),
      (ns) => `${ns.namespace_name} (id ${ns.namespace_id})`,
    );
    const queue = yield* reuseOrCreate(
      log,
      "queue",
      Effect.map(api.queues.list(), (all) => all.find((q) => q.queue_name === settings.queueName)),
      api.queues.ensure(settings.queueName),
      (q) => `${q.queue_name} (id ${q.queue_id})`,
    );
    return {
      zoneId,
      deploymentsKvId: kv.id,
      staticAssetsBucket: bucket.name,
      dispatchNamespace: dispatch.namespace_name,
      queueName: queue.queue_name,
    };
  });

/** `main` as wrangler wants it: relative to the config file's directory, with forward slashes. */
const mainRelativeTo = (configPath: string, mainPath: string): string => {
  const path = relative(dirname(configPath), mainPath).split(sep).join("/");
  return path.startsWith(".") ? path : `./${path}`;
};

const writeFiles = (result: PrepareResult, settings: OpsSettings): Effect.Effect<void, OpsError> =>
  Effect.tryPromise({
    try: async () => {
      await mkdir(dirname(result.configPath), { recursive: true });
      await writeFile(result.configPath, renderWranglerConfig(result.config));
      await mkdir(dirname(result.secretsPath), { recursive: true });
      await writeFile(result.secretsPath, `${JSON.stringify(settings.secrets, null, 2)}\n`, { mode: 0o600 });
      // writeFile's mode applies only when it creates the file; an existing one keeps its own otherwise.
      await chmod(result.secretsPath, 0o600);
    },
    catch: (cause) => new OpsError({ message: `writing the generated files failed: ${String(cause)}` }),
  });

export const prepare = (
  env: Readonly<Record<string, string | undefined>>,
  options: PrepareOptions = {},
): Effect.Effect<PrepareResult, OpsError> =>
  Effect.gen(function* () {
    const log = options.log ?? stderrLine;
    const settings = yield* readSettings(env);
    const root = resolve(options.root ?? workspaceRoot(process.cwd()));
    const configPath = resolve(root, options.configPath ?? DEFAULT_CONFIG_PATH);
    const secretsPath = resolve(root, options.secretsPath ?? DEFAULT_SECRETS_PATH);
    const mainPath = resolve(root, options.mainPath ?? DEFAULT_MAIN_PATH);
    const resources = yield* prepareResources(apiFor(settings), settings, log);
    const set = (name: string): string | undefined => {
      const found = env[name]?.trim();
      return found === undefined || found === "" ? undefined : found;
    };
    const config = buildWranglerConfig(settings, resources, {
      main: mainRelativeTo(configPath, mainPath),
      build: {
        commit: set("GITHUB_SHA"),
        branch: set("GITHUB_REF_NAME"),
        deployedAt: (options.now ?? new Date()).toISOString(),
      },
    });
    const result = { configPath, secretsPath, resources, config };
    yield* writeFiles(result, settings);
    log(`wrote ${configPath}`);
    const secretNames = Object.keys(settings.secrets);
    log(`wrote ${secretsPath} (${secretNames.length === 0 ? "no secrets" : secretNames.join(", ")})`);
    return result;
  });
