/** The capnp text config of one deployment's workerd process. */
import type { BackendBundle, RuntimeBinding } from "@w7s/core";
import { GRANT_HEADER } from "../bindings/grants.js";
import { entryModule, LOG_SINK_BINDING } from "../logs/entryModule.js";
import { LOG_GRANT_HEADER } from "../logs/logGrants.js";

/** Files written next to the config: module sources and binding values, referenced with `embed`. */
export interface WorkerdFiles {
  readonly config: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly content: string }>;
}

/** Where an operator's Postgres binding (`bindings.hyperdrive`) connects. */
export interface HyperdriveTarget {
  /** `host:port` of the database server. */
  readonly address: string;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly scheme: string;
}

/** How the process reaches the storage its bindings name. */
export interface WorkerdStorage {
  /** The bindings host's Unix socket (KV, object storage, SQL databases). */
  readonly bindingsSocket: string;
  /** The signed grant workerd adds to every request of one storage binding. */
  readonly grant: (binding: StorageBinding) => string;
  readonly hyperdrive: (id: string) => HyperdriveTarget | undefined;
  /** The folder stateful objects are kept in (one per app); absent, they live in memory (publish checks). */
  readonly objectsDirectory: string | undefined;
}

export type StorageBinding = Extract<RuntimeBinding, { type: "kv_namespace" | "r2_bucket" | "d1" }>;

export interface WorkerdConfigInput {
  readonly bundle: BackendBundle;
  /** Where the process listens: `unix:/path` or `host:port`. */
  readonly address: string;
  readonly compatibilityDate: string;
  readonly memoryLimitMb: number;
  /** The control plane's internal API that platform_service bindings reach; unset: they answer 503. */
  readonly platformServiceUrl: URL | undefined;
  readonly storage: WorkerdStorage;
  /** Log capture: the ingest's Unix socket and this deployment's log grant; unset, nothing is captured. */
  readonly logs?: { readonly socketPath: string; readonly grant: string } | undefined;
}

/** Binding kinds this runtime provides; the rest are refused at publish with a clear message. */
export const SUPPORTED_BINDING_TYPES: ReadonlySet<RuntimeBinding["type"]> = new Set([
  "plain_text",
  "secret_text",
  "kv_namespace",
  "r2_bucket",
  "d1",
  "hyperdrive",
  "durable_object_namespace",
  "platform_service",
]);

const capnpString = (value: string): string => JSON.stringify(value);

export const PLATFORM_NOT_CONFIGURED = "W7S platform services are not configured on this server.";

/**
 * The service behind W7S_RPC/W7S_QUEUE/W7S_WORKFLOW/W7S_AI: the control plane's origin, reached as an
 * external server, so requests arrive exactly as the app sent them (path, query, its bearer) and nothing is
 * added. Without a URL, a tiny worker answers 503 so `env.W7S_RPC.fetch` still exists and says why.
 */
const platformService = (url: URL | undefined): string => {
  if (url === undefined) {
    const source = `export default { fetch() { return new Response(${JSON.stringify(PLATFORM_NOT_CONFIGURED)}, { status: 503 }); } };`;
    return `(name = "platform", worker = (modules = [(name = "platform.js", esModule = ${capnpString(source)})], compatibilityDate = "2024-01-01"))`;
  }
  // `unix:/path/to/socket`: the server's private internal-API socket.
  if (url.protocol === "unix:")
    return `(name = "platform", external = (address = ${capnpString(`unix:${url.pathname}`)}, http = ()))`;
  const address = capnpString(url.host);
  return url.protocol === "https:"
    ? `(name = "platform", external = (address = ${address}, https = (certificateHost = ${capnpString(url.hostname)})))`
    : `(name = "platform", external = (address = ${address}, http = ()))`;
};

/** Builds the config; every user-controlled text goes through a file and `embed`, never into capnp syntax. */
export const workerdConfig = (input: WorkerdConfigInput): WorkerdFiles => {
  const files: Array<{ path: string; content: string }> = [];
  const modules = input.bundle.modules.map((module, index) => {
    const path = `modules/${index}.js`;
    files.push({ path, content: module.content });
    return `(name = ${capnpString(module.name)}, esModule = embed ${capnpString(path)})`;
  });
  // The main module must come first in workerd's list.
  const mainIndex = input.bundle.modules.findIndex((module) => module.name === input.bundle.mainModule);
  if (mainIndex > 0) modules.unshift(...modules.splice(mainIndex, 1));
  // Log capture and stateful-object usage (G.2, F.1): the generated entry module wraps the app's main module
  // and becomes the main module itself; it flushes through a binding it hides from the app's env.
  if (input.logs !== undefined) {
    const entry = entryModule({
      mainModule: input.bundle.mainModule,
      moduleNames: input.bundle.modules.map((module) => module.name),
      objectClasses: input.bundle.durableObjectClasses,
      secretNames: input.bundle.bindings.flatMap((binding) =>
        binding.type === "secret_text" ? [binding.name] : [],
      ),
      sources: input.bundle.modules.map((module) => module.content),
    });
    const path = "modules/entry.js";
    files.push({ path, content: entry.source });
    modules.unshift(`(name = ${capnpString(entry.name)}, esModule = embed ${capnpString(path)})`);
  }

  const bindings: string[] = [];
  const services = [
    `(name = "app", worker = .app)`,
    `(name = "internet", network = (allow = ["public"], deny = ["local", "private"]))`,
  ];
  let usesPlatform = false;
  // Each storage binding reaches the bindings host through its own service, which adds that binding's grant.
  const storageService = (binding: StorageBinding, index: number): string => {
    const service = `storage-${index}`;
    const grant = `[(name = ${capnpString(GRANT_HEADER)}, value = ${capnpString(input.storage.grant(binding))})]`;
    services.push(
      `(name = ${capnpString(service)}, external = (address = ${capnpString(`unix:${input.storage.bindingsSocket}`)}, http = (injectRequestHeaders = ${grant})))`,
    );
    return capnpString(service);
  };
  input.bundle.bindings.forEach((binding, index) => {
    const name = capnpString(binding.name);
    switch (binding.type) {
      case "plain_text":
      case "secret_text": {
        const path = `bindings/${index}.txt`;
        files.push({ path, content: binding.text });
        bindings.push(`(name = ${name}, text = embed ${capnpString(path)})`);
        break;
      }
      case "kv_namespace":
        bindings.push(`(name = ${name}, kvNamespace = ${storageService(binding, index)})`);
        break;
      case "r2_bucket":
        bindings.push(`(name = ${name}, r2Bucket = ${storageService(binding, index)})`);
        break;
      case "d1":
        bindings.push(
          `(name = ${name}, wrapped = (moduleName = "cloudflare-internal:d1-api", innerBindings = [(name = "fetcher", service = ${storageService(binding, index)})]))`,
        );
        break;
      case "hyperdrive": {
        const target = input.storage.hyperdrive(binding.id);
        if (target === undefined) break;
        const service = capnpString(`hyperdrive-${index}`);
        services.push(`(name = ${service}, external = (address = ${capnpString(target.address)}, tcp = ()))`);
        bindings.push(
          `(name = ${name}, hyperdrive = (designator = ${service}, database = ${capnpString(target.database)}, user = ${capnpString(target.user)}, password = ${capnpString(target.password)}, scheme = ${capnpString(target.scheme)}))`,
        );
        break;
      }
      case "durable_object_namespace":
        bindings.push(`(name = ${name}, durableObjectNamespace = ${capnpString(binding.className)})`);
        break;
      case "platform_service":
        usesPlatform = true;
        bindings.push(`(name = ${name}, service = "platform")`);
        break;
      default:
        break;
    }
  });

  // The entry module's sink: the log ingest, reached with the deployment's log grant that workerd adds.
  const compatibilityFlags = [...input.bundle.compatibilityFlags];
  if (input.logs !== undefined) {
    const grant = `[(name = ${capnpString(LOG_GRANT_HEADER)}, value = ${capnpString(input.logs.grant)})]`;
    services.push(
      `(name = "w7s-log-sink", external = (address = ${capnpString(`unix:${input.logs.socketPath}`)}, http = (injectRequestHeaders = ${grant})))`,
    );
    bindings.push(`(name = ${capnpString(LOG_SINK_BINDING)}, service = "w7s-log-sink")`);
    // AsyncLocalStorage: `nodejs_compat` includes it; otherwise `nodejs_als` provides just that.
    if (!compatibilityFlags.some((flag) => flag === "nodejs_als" || flag.startsWith("nodejs_compat")))
      compatibilityFlags.push("nodejs_als");
  }

  const flags = compatibilityFlags.map(capnpString).join(", ");
  if (usesPlatform) services.push(platformService(input.platformServiceUrl));
  // Stateful objects: SQLite-backed, one folder per app that outlives its deployments (their ids derive
  // from `uniqueKey`, so the class name keeps them stable across redeploys).
  const classes = input.bundle.durableObjectClasses;
  let objects = "";
  if (classes.length > 0) {
    let storage = "inMemory = void";
    if (input.storage.objectsDirectory !== undefined) {
      services.push(
        `(name = "objects", disk = (path = ${capnpString(input.storage.objectsDirectory)}, writable = true))`,
      );
      storage = 'localDisk = "objects"';
    }
    objects = `
  durableObjectNamespaces = [
    ${classes.map((className) => `(className = ${capnpString(className)}, uniqueKey = ${capnpString(className)}, enableSql = true)`).join(",\n    ")}
  ],
  durableObjectStorage = (${storage}),`;
  }
  const config = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    ${services.join(",\n    ")}
  ],
  sockets = [(name = "http", address = ${capnpString(input.address)}, http = (), service = "app")],
  v8Flags = [${capnpString(`--max-old-space-size=${input.memoryLimitMb}`)}],
);

const app :Workerd.Worker = (
  modules = [
    ${modules.join(",\n    ")}
  ],
  compatibilityDate = ${capnpString(input.compatibilityDate)},
  compatibilityFlags = [${flags}],
  bindings = [
    ${bindings.join(",\n    ")}
  ],${objects}
  globalOutbound = "internet",
);
`;
  return { config, files };
};
