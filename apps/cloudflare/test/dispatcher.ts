/**
 * The test stand-in for the dispatch namespace (Miniflare has no such binding). The core Worker's
 * `DISPATCHER` is a service binding to a small Worker whose `Dispatcher.get(scriptName)` answers a stub whose
 * `fetch` hands the request to the "user plane": a second Miniflare instance that runs every script the REST
 * stand-in received, each with the bindings its upload metadata declares. The core Worker's
 * `DISPATCHER.get(name, args, options).fetch(request)` is unchanged (JS RPC pipelines the `get`).
 */
export const DISPATCHER_WORKER_SOURCE = `
import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";

class UserWorker extends RpcTarget {
  constructor(env, name) {
    super();
    this.env = env;
    this.name = name;
  }
  async fetch(request) {
    const forwarded = new Request(request);
    forwarded.headers.set("x-w7s-test-script", this.name);
    const response = await this.env.USER_PLANE.fetch(forwarded);
    if (response.status === 599) throw new Error("Worker not found.");
    return response;
  }
}

export class Dispatcher extends WorkerEntrypoint {
  get(name) {
    return new UserWorker(this.env, name);
  }
}

export default { fetch: () => new Response("dispatcher", { status: 404 }) };
`;

/** In the core's Miniflare: forwards the user plane's `W7S_*` calls to the core Worker's `PlatformService`. */
export const PLATFORM_BRIDGE_SOURCE = `
export default { fetch: (request, env) => env.PLATFORM.fetch(request) };
`;
