/** The capnp text config of one deployment's workerd process. */
import type { BackendBundle, RuntimeBinding } from "@w7s/core";

/** Files written next to the config: module sources and binding values, referenced with `embed`. */
export interface WorkerdFiles {
  readonly config: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly content: string }>;
}

export interface WorkerdConfigInput {
  readonly bundle: BackendBundle;
  /** Where the process listens: `unix:/path` or `host:port`. */
  readonly address: string;
  readonly compatibilityDate: string;
  readonly memoryLimitMb: number;
  /** The control plane's internal API that platform_service bindings reach; unset: they answer 503. */
  readonly platformServiceUrl: URL | undefined;
}

/** Binding kinds this runtime provides; the rest are refused at publish with a clear message. */
export const SUPPORTED_BINDING_TYPES: ReadonlySet<RuntimeBinding["type"]> = new Set([
  "plain_text",
  "secret_text",
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

  const bindings: string[] = [];
  let usesPlatform = false;
  input.bundle.bindings.forEach((binding, index) => {
    if (binding.type === "plain_text" || binding.type === "secret_text") {
      const path = `bindings/${index}.txt`;
      files.push({ path, content: binding.text });
      bindings.push(`(name = ${capnpString(binding.name)}, text = embed ${capnpString(path)})`);
    } else if (binding.type === "platform_service") {
      usesPlatform = true;
      bindings.push(`(name = ${capnpString(binding.name)}, service = "platform")`);
    }
  });

  const flags = input.bundle.compatibilityFlags.map(capnpString).join(", ");
  const services = [
    `(name = "app", worker = .app)`,
    `(name = "internet", network = (allow = ["public"], deny = ["local", "private"]))`,
  ];
  if (usesPlatform) services.push(platformService(input.platformServiceUrl));
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
  ],
  globalOutbound = "internet",
);
`;
  return { config, files };
};
