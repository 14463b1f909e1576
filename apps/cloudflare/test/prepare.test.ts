/**
 * `prepare:cloudflare` and `reconcile:cloudflare-routes` against the REST stand-in; the generated config is
 * then handed to wrangler itself (`wrangler deploy --dry-run`, offline), which must accept it without
 * warnings about unknown fields.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { makeCloudflareApi } from "@w7s/cloudflare-api";
import { startCloudflareApiStandIn } from "@w7s/cloudflare-api/stand-in";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureResources,
  operatorSettingsOf,
  workerSecretsOf,
  wranglerConfigOf,
} from "../src/ops/prepare.js";
import { reconcileRoutes } from "../src/ops/reconcileRoutes.js";
import { coreWorkerScript } from "./harness.js";

let standIn: Awaited<ReturnType<typeof startCloudflareApiStandIn>>;
let api: ReturnType<typeof makeCloudflareApi>;

beforeAll(async () => {
  standIn = await startCloudflareApiStandIn({ zones: [{ name: "example.com" }] });
  api = makeCloudflareApi({ accountId: standIn.accountId, apiToken: standIn.apiToken, baseUrl: standIn.url });
});

afterAll(async () => {
  await standIn?.close();
});

const operatorEnv = {
  W7S_ZONE_NAME: "example.com",
  W7S_ATTACH_WILDCARD_ROUTE: "true",
  W7S_ANALYTICS_DATASET: "w7s_platform_events",
  CLOUDFLARE_API_TOKEN: "token",
  W7S_TELEGRAM_BOT_TOKEN: "bot",
};

describe("prepare:cloudflare", () => {
  it("creates the KV namespace, R2 bucket, dispatch namespace and queue once, and reuses them", async () => {
    const settings = operatorSettingsOf(operatorEnv);
    const first = await Effect.runPromise(ensureResources(api, standIn.accountId, settings));
    const second = await Effect.runPromise(ensureResources(api, standIn.accountId, settings));
    expect(second).toEqual(first);
    expect(standIn.state.kvNamespaces.map((namespace) => namespace.title)).toEqual(["w7s-io-deployments"]);
    expect(standIn.state.buckets.map((bucket) => bucket.name)).toEqual(["w7s-io-static-assets"]);
    expect(standIn.state.dispatchNamespaces.map((namespace) => namespace.namespace_name)).toEqual([
      "w7s-isolate",
    ]);
    expect(standIn.state.queues.map((queue) => queue.queue_name)).toEqual(["w7s-platform-queue"]);
    expect(first.kvNamespaceId).toBe(standIn.state.kvNamespaces[0]!.id);
  });

  it("refuses to run without W7S_ZONE_NAME", () => {
    expect(() => operatorSettingsOf({})).toThrow(/W7S_ZONE_NAME/);
  });

  it("writes only the secrets that are set", () => {
    expect(workerSecretsOf(operatorEnv)).toEqual({
      CLOUDFLARE_API_TOKEN: "token",
      W7S_TELEGRAM_BOT_TOKEN: "bot",
    });
  });

  it("writes a config wrangler accepts", async () => {
    const settings = operatorSettingsOf(operatorEnv);
    const resources = await Effect.runPromise(ensureResources(api, standIn.accountId, settings));
    const folder = mkdtempSync(join(tmpdir(), "w7s-wrangler-"));
    mkdirSync(join(folder, "dist"));
    writeFileSync(join(folder, "dist/worker.js"), await coreWorkerScript());
    const config = wranglerConfigOf(settings, resources, { main: "dist/worker.js", commit: "abc" });
    const file = join(folder, "wrangler.generated.jsonc");
    writeFileSync(file, `// generated\n${JSON.stringify(config, null, 2)}\n`);
    const wrangler = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [wrangler, "deploy", "--dry-run", "--config", file, "--outdir", join(folder, "out")],
      {
        cwd: folder,
        env: {
          ...process.env,
          WRANGLER_SEND_METRICS: "false",
          CLOUDFLARE_API_TOKEN: "",
          WRANGLER_LOG_PATH: join(folder, "logs"),
        },
        timeout: 120_000,
      },
    );
    const output = `${stdout}\n${stderr}`;
    expect(output).not.toMatch(/Unexpected fields|is not a valid|Processing .* configuration:/);
    expect(output).toMatch(/--dry-run: exiting now/);
    for (const binding of [
      "CONTROL_PLANE",
      "STATIC_ASSETS",
      "DISPATCHER",
      "W7S_QUEUE",
      "W7S_WORKFLOWS",
      "DEPLOYMENTS_KV",
      "ANALYTICS",
    ])
      expect(output).toContain(binding);
    expect(readFileSync(join(folder, "out/worker.js"), "utf8").length).toBeGreaterThan(1000);
  }, 180_000);
});

describe("reconcile:cloudflare-routes", () => {
  it("creates the apex and wildcard routes, replaces a foreign one, removes stale ones and is idempotent", async () => {
    const zone = standIn.state.zones[0]!;
    await Effect.runPromise(
      api.routes.create(zone.id, { pattern: "*.example.com/*", script: "someone-else" }),
    );
    await Effect.runPromise(api.routes.create(zone.id, { pattern: "old.example.com/*", script: "w7s-core" }));
    await Effect.runPromise(api.routes.create(zone.id, { pattern: "blog.example.com/*", script: "blog" }));
    const input = { zoneName: "example.com", coreWorker: "w7s-core", wildcard: true };
    const report = await Effect.runPromise(reconcileRoutes(api, input));
    expect([...report.created].sort()).toEqual(["*.example.com/*", "example.com/*"]);
    expect([...report.deleted].sort()).toEqual(["*.example.com/*", "old.example.com/*"]);
    const routes = await Effect.runPromise(api.routes.list(zone.id));
    expect(routes.map((route) => `${route.pattern} ${route.script}`).sort()).toEqual([
      "*.example.com/* w7s-core",
      "blog.example.com/* blog",
      "example.com/* w7s-core",
    ]);
    const again = await Effect.runPromise(reconcileRoutes(api, input));
    expect(again.created).toEqual([]);
    expect(again.deleted).toEqual([]);
  });

  it("drops the wildcard route when W7S_ATTACH_WILDCARD_ROUTE is off", async () => {
    const report = await Effect.runPromise(
      reconcileRoutes(api, { zoneName: "example.com", coreWorker: "w7s-core", wildcard: false }),
    );
    expect(report.deleted).toEqual(["*.example.com/*"]);
  });
});
