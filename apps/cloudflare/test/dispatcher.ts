/**
 * The test stand-in for the dispatch namespace binding (Miniflare has none): a Worker whose `Dispatcher`
 * entrypoint answers `get(scriptName)` with a stub whose `fetch` runs the script the REST stand-in received,
 * loaded into its own isolate with workerd's Worker Loader and given the bindings its upload metadata
 * declares. The core Worker's `DISPATCHER.get(name, args, options).fetch(request)` works unchanged over
 * JS RPC (the `get` call is pipelined).
 */
export const DISPATCHER_WORKER_SOURCE = `
import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";

const envOf = (metadata, parent) => {
  const env = {};
  for (const binding of metadata.bindings ?? []) {
    if (binding.type === "plain_text" || binding.type === "secret_text") env[binding.name] = binding.text;
    else if (binding.type === "service" && binding.entrypoint === "PlatformService") env[binding.name] = parent.PLATFORM;
  }
  return env;
};

class UserWorker extends RpcTarget {
  constructor(env, name) {
    super();
    this.env = env;
    this.name = name;
  }
  async fetch(request) {
    const found = await this.env.SCRIPTS.fetch("http://scripts/" + encodeURIComponent(this.name));
    if (!found.ok) throw new Error("Worker not found.");
    const code = await found.json();
    const worker = this.env.LOADER.get(this.name + ":" + code.etag, async () => ({
      compatibilityDate: code.metadata.compatibility_date,
      compatibilityFlags: code.metadata.compatibility_flags ?? [],
      mainModule: code.metadata.main_module,
      modules: code.modules,
      env: envOf(code.metadata, this.env),
    }));
    return worker.getEntrypoint().fetch(request);
  }
}

export class Dispatcher extends WorkerEntrypoint {
  get(name) {
    return new UserWorker(this.env, name);
  }
}

export default { fetch: () => new Response("dispatcher", { status: 404 }) };
`;
