import { readFileSync } from "node:fs";
import { Effect } from "effect";
import { expect, it } from "vitest";
import { makeCloudflareApi } from "./index.js";
import { startCloudflareApiStandIn } from "./standIn/index.js";

it("runs the README example", async () => {
  const cloudflare = await startCloudflareApiStandIn();
  try {
    const api = makeCloudflareApi({
      accountId: cloudflare.accountId,
      apiToken: cloudflare.apiToken,
      baseUrl: cloudflare.url,
    });

    const deployed = await Effect.runPromise(
      Effect.gen(function* () {
        const kv = yield* api.kv.ensureNamespace("w7s-octo-app-kv");
        yield* api.dispatch.ensureNamespace("w7s-apps");
        return yield* api.dispatch.uploadScript("w7s-apps", "octo--app", {
          mainModule: "index.js",
          modules: [
            { name: "index.js", content: "export default { fetch: () => new Response('hi') };", type: "esm" },
          ],
          metadata: {
            compatibility_date: "2025-01-01",
            bindings: [{ type: "kv_namespace", name: "KV", namespace_id: kv.id }],
          },
        });
      }),
    );
    expect(deployed.id).toBe("octo--app");
    expect(cloudflare.state.scripts[0]?.metadata["bindings"]).toEqual([
      { type: "kv_namespace", name: "KV", namespace_id: cloudflare.state.kvNamespaces[0]!.id },
    ]);
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toContain('const kv = yield* api.kv.ensureNamespace("w7s-octo-app-kv");');
    expect(readme).toContain('bindings: [{ type: "kv_namespace", name: "KV", namespace_id: kv.id }],');
  } finally {
    await cloudflare.close();
  }
});

it("keeps the client free of Node APIs, so that it runs in a Worker", () => {
  for (const file of ["index.ts", "client.ts", "request.ts", "errors.ts", "schemas.ts", "service.ts"]) {
    const source = readFileSync(new URL(`./${file}`, import.meta.url), "utf8");
    expect(source, file).not.toMatch(/from "node:|require\(|process\.|Buffer\b/);
  }
});
