/**
 * A Worker that uses the client the way the core Worker will (inside workerd, on the Workers runtime's
 * `fetch`, `FormData`, `Blob`, `AbortSignal` and timers), for `worker.integration.test.ts`.
 */
import { Effect } from "effect";
import { makeCloudflareApi } from "../src/index.js";

interface Env {
  readonly API_URL: string;
  readonly ACCOUNT_ID: string;
  readonly API_TOKEN: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname !== "/run") return new Response(null, { status: 204 });
    const api = makeCloudflareApi({
      accountId: env.ACCOUNT_ID,
      apiToken: env.API_TOKEN,
      baseUrl: env.API_URL,
      retry: { baseDelayMs: 1, maxDelayMs: 10 },
    });
    const program = Effect.gen(function* () {
      const kv = yield* api.kv.ensureNamespace("from-a-worker");
      yield* api.dispatch.ensureNamespace("w7s-apps");
      const script = yield* api.dispatch.uploadScript("w7s-apps", "from-a-worker", {
        mainModule: "index.js",
        modules: [
          { name: "index.js", content: "export default {};", type: "esm" },
          { name: "bytes.bin", content: new Uint8Array([0, 255, 1]), type: "data" },
        ],
        metadata: {
          compatibility_date: "2025-01-01",
          bindings: [{ type: "kv_namespace", name: "KV", namespace_id: kv.id }],
        },
      });
      const refused = yield* Effect.flip(api.r2.createBucket("Not_Valid"));
      return {
        kv,
        script,
        refused: { tag: refused._tag, call: refused.call, status: refused.status, message: refused.message },
      };
    });
    return Response.json(await Effect.runPromise(program));
  },
};
