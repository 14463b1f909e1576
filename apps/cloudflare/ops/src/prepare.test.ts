import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type CloudflareApiStandIn, startCloudflareApiStandIn } from "@w7s/cloudflare-api/stand-in";
import { Effect, Exit } from "effect";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { prepare } from "./prepare.js";

const run = promisify(execFile);
const wrangler = join(import.meta.dirname, "..", "node_modules", ".bin", "wrangler");
/** The real core Worker bundle (`pnpm --filter @w7s/cloudflare run build`), which wrangler checks the config against. */
const workerApp = join(import.meta.dirname, "..", "..");
const builtWorker = join(workerApp, "dist", "worker.js");

beforeAll(async () => {
  if (!existsSync(builtWorker))
    await run(process.execPath, ["--conditions=source", join(workerApp, "scripts", "build.ts")], {
      cwd: workerApp,
    });
}, 120_000);

let cloudflare: CloudflareApiStandIn;
let root: string;
let lines: string[];

beforeEach(async () => {
  cloudflare = await startCloudflareApiStandIn({ zones: [{ name: "example.com", id: "zone-example" }] });
  root = await mkdtemp(join(tmpdir(), "w7s-prepare-"));
  lines = [];
});
afterEach(async () => {
  await cloudflare.close();
  await rm(root, { recursive: true, force: true });
});

const operatorEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  CLOUDFLARE_API_TOKEN: cloudflare.apiToken,
  CLOUDFLARE_ACCOUNT_ID: cloudflare.accountId,
  CLOUDFLARE_API_BASE_URL: cloudflare.url,
  W7S_ZONE_NAME: "example.com",
  W7S_ATTACH_WILDCARD_ROUTE: "true",
  ...extra,
});

const runPrepare = (env: Record<string, string>) =>
  Effect.runPromiseExit(prepare(env, { root, log: (line) => lines.push(line) }));

const failureMessage = async (env: Record<string, string>): Promise<string> => {
  const exit = await runPrepare(env);
  if (Exit.isSuccess(exit)) throw new Error("prepare succeeded");
  return String(exit.cause);
};

/** The generated file is JSON after its `//` header lines. */
// biome-ignore lint/suspicious/noExplicitAny: a test reads the generated JSON by key paths it then asserts on.
const readConfig = async (path: string): Promise<Record<string, any>> =>
  JSON.parse((await readFile(path, "utf8")).replace(/^\/\/.*$/gm, ""));

describe("prepare", () => {
  it("creates the resources once, reuses them on the second run, and writes the config and secrets", async () => {
    const env = operatorEnv({
      W7S_TELEGRAM_BOT_TOKEN: "123:abc",
      W7S_ANALYTICS_DATASET: "w7s_platform_events",
      GITHUB_SHA: "0123abc",
      GITHUB_REF_NAME: "main",
    });
    const first = await runPrepare(env);
    expect(Exit.isSuccess(first)).toBe(true);
    expect(lines.filter((line) => line.startsWith("created"))).toHaveLength(4);
    const counts = () => ({
      kv: cloudflare.state.kvNamespaces.length,
      buckets: cloudflare.state.buckets.length,
      dispatch: cloudflare.state.dispatchNamespaces.length,
      queues: cloudflare.state.queues.length,
    });
    expect(counts()).toEqual({ kv: 1, buckets: 1, dispatch: 1, queues: 1 });

    lines = [];
    expect(Exit.isSuccess(await runPrepare(env))).toBe(true);
    expect(counts()).toEqual({ kv: 1, buckets: 1, dispatch: 1, queues: 1 });
    expect(lines.filter((line) => line.startsWith("created"))).toEqual([]);
    const kvId = cloudflare.state.kvNamespaces[0]!.id;
    expect(lines).toContain(`reused KV namespace w7s-io-deployments (id ${kvId})`);

    const config = await readConfig(join(root, "wrangler.generated.jsonc"));
    expect(config.name).toBe("w7s-core");
    expect(config.account_id).toBe(cloudflare.accountId);
    expect(config.main).toBe("./apps/cloudflare/dist/worker.js");
    expect(config.no_bundle).toBe(true);
    expect(config.compatibility_date).toBe("2026-06-01");
    expect(config.compatibility_flags).toEqual(["nodejs_compat"]);
    expect(config.kv_namespaces).toEqual([{ binding: "DEPLOYMENTS_KV", id: kvId }]);
    expect(config.r2_buckets).toEqual([{ binding: "STATIC_ASSETS", bucket_name: "w7s-io-static-assets" }]);
    expect(config.dispatch_namespaces).toEqual([{ binding: "DISPATCHER", namespace: "w7s-isolate" }]);
    expect(config.durable_objects.bindings).toEqual([
      { name: "CONTROL_PLANE", class_name: "W7sControlPlane" },
    ]);
    expect(config.migrations).toEqual([{ tag: "v1", new_sqlite_classes: ["W7sControlPlane"] }]);
    expect(config.queues.producers).toEqual([{ binding: "W7S_QUEUE", queue: "w7s-platform-queue" }]);
    expect(config.queues.consumers).toEqual([
      { queue: "w7s-platform-queue", max_batch_size: 100, max_batch_timeout: 1, max_retries: 100 },
    ]);
    expect(config.workflows).toEqual([
      { name: "w7s-workflows", binding: "W7S_WORKFLOWS", class_name: "W7sWorkflow" },
    ]);
    expect(config.analytics_engine_datasets).toEqual([
      { binding: "ANALYTICS", dataset: "w7s_platform_events" },
    ]);
    expect(config.triggers.crons).toEqual(["* * * * *"]);
    // The names apps/cloudflare/src/settings.ts reads; W7S_TELEGRAM_EVENTS only when set (the core's default otherwise).
    expect(config.vars).toEqual({
      W7S_ZONE_NAME: "example.com",
      W7S_CORE_WORKER_NAME: "w7s-core",
      W7S_DISPATCH_NAMESPACE: "w7s-isolate",
      CLOUDFLARE_ACCOUNT_ID: cloudflare.accountId,
      W7S_USER_WORKER_CPU_MS: "50",
      W7S_USER_WORKER_SUBREQUESTS: "25",
      W7S_BUILD_COMMIT: "0123abc",
      W7S_BUILD_BRANCH: "main",
      W7S_BUILD_DEPLOYED_AT: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    // Routes are reconcile-routes' alone.
    expect(config).not.toHaveProperty("routes");

    const secretsPath = join(root, ".wrangler", "secrets.json");
    expect(JSON.parse(await readFile(secretsPath, "utf8"))).toEqual({
      CLOUDFLARE_API_TOKEN: cloudflare.apiToken,
      W7S_TELEGRAM_BOT_TOKEN: "123:abc",
    });
    expect((await stat(secretsPath)).mode & 0o777).toBe(0o600);
    expect(lines).toContain(`wrote ${secretsPath} (CLOUDFLARE_API_TOKEN, W7S_TELEGRAM_BOT_TOKEN)`);

    const written = (await readFile(join(root, "wrangler.generated.jsonc"), "utf8")) + lines.join("\n");
    expect(written).not.toContain(cloudflare.apiToken);
    expect(written).not.toContain("123:abc");
  });

  it("writes every Worker secret that is set, and the optional vars only when set", async () => {
    const env = operatorEnv({
      W7S_DEPLOY_TOKEN: "deploy-token",
      W7S_TELEGRAM_BOT_TOKEN: "123:abc",
      W7S_TELEGRAM_CHAT_ID: "-1001",
      W7S_TELEGRAM_WEBHOOK_SECRET: "hook_secret",
      W7S_AI_API_KEY: "ai-key",
      W7S_TELEGRAM_EVENTS: "deploy_error, App_Suspended",
      W7S_LOG_RETENTION_SECONDS: "3600",
      W7S_CORE_WORKER_NAME: "my-core",
    });
    expect(Exit.isSuccess(await runPrepare(env))).toBe(true);
    expect(JSON.parse(await readFile(join(root, ".wrangler", "secrets.json"), "utf8"))).toEqual({
      CLOUDFLARE_API_TOKEN: cloudflare.apiToken,
      W7S_DEPLOY_TOKEN: "deploy-token",
      W7S_TELEGRAM_BOT_TOKEN: "123:abc",
      W7S_TELEGRAM_CHAT_ID: "-1001",
      W7S_TELEGRAM_WEBHOOK_SECRET: "hook_secret",
      W7S_AI_API_KEY: "ai-key",
    });
    const config = await readConfig(join(root, "wrangler.generated.jsonc"));
    expect(config.name).toBe("my-core");
    expect(config.vars.W7S_CORE_WORKER_NAME).toBe("my-core");
    expect(config.vars.W7S_TELEGRAM_EVENTS).toBe("deploy_error,app_suspended");
    expect(config.vars.W7S_LOG_RETENTION_SECONDS).toBe("3600");
    const written = (await readFile(join(root, "wrangler.generated.jsonc"), "utf8")) + lines.join("\n");
    for (const secret of ["deploy-token", "ai-key", "hook_secret", cloudflare.apiToken])
      expect(written).not.toContain(secret);
  });

  it("fails naming the variable when W7S_ZONE_NAME is missing, before any call", async () => {
    const message = await failureMessage(
      operatorEnv({ W7S_ZONE_NAME: "", W7S_USER_WORKER_SUBREQUESTS: "many" }),
    );
    expect(message).toContain("W7S_ZONE_NAME is required");
    expect(message).toContain('W7S_USER_WORKER_SUBREQUESTS is "many"');
    expect(cloudflare.state.requests).toEqual([]);
  });

  it("fails clearly on a zone the account does not have", async () => {
    const message = await failureMessage(operatorEnv({ W7S_ZONE_NAME: "example.org" }));
    expect(message).toContain('W7S_ZONE_NAME is "example.org", but account');
    expect(cloudflare.state.kvNamespaces).toEqual([]);
  });

  it("fails clearly on a 403, without the token", async () => {
    cloudflare.failNext(1, 403);
    const message = await failureMessage(operatorEnv());
    expect(message).toContain("looking up zone example.com");
    expect(message).toContain("HTTP 403");
    expect(message).toContain("CLOUDFLARE_API_TOKEN");
    expect(message).not.toContain(cloudflare.apiToken);
  });

  it("writes a config that wrangler's own dry run accepts with the real Worker bundle, offline", async () => {
    await mkdir(join(root, "apps", "cloudflare", "dist"), { recursive: true });
    await copyFile(builtWorker, join(root, "apps", "cloudflare", "dist", "worker.js"));
    expect(
      Exit.isSuccess(
        await runPrepare(
          operatorEnv({ W7S_ANALYTICS_DATASET: "w7s_platform_events", W7S_TELEGRAM_BOT_TOKEN: "123:abc" }),
        ),
      ),
    ).toBe(true);
    const result = await run(
      wrangler,
      [
        "deploy",
        "--dry-run",
        "--config",
        join(root, "wrangler.generated.jsonc"),
        "--secrets-file",
        join(root, ".wrangler", "secrets.json"),
        "--outdir",
        join(root, "out"),
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          CLOUDFLARE_API_TOKEN: "not-used-by-a-dry-run",
          CLOUDFLARE_ACCOUNT_ID: cloudflare.accountId,
          WRANGLER_SEND_METRICS: "false",
          CLOUDFLARE_API_BASE_URL: "http://127.0.0.1:9/client/v4",
          NO_COLOR: "1",
        },
      },
    );
    const output = result.stdout + result.stderr;
    expect(output).toContain("--dry-run: exiting now.");
    for (const binding of [
      "CONTROL_PLANE",
      "STATIC_ASSETS",
      "DISPATCHER",
      "W7S_QUEUE",
      "W7S_WORKFLOWS",
      "DEPLOYMENTS_KV",
      "ANALYTICS",
    ])
      expect(output).toContain(`env.${binding}`);
    expect(output).toContain("W7sControlPlane");
    expect(output).toContain("W7sWorkflow");
    expect(output).not.toMatch(/warn|error|Unexpected fields|is not a valid/i);
    expect((await stat(join(root, "out", "worker.js"))).size).toBeGreaterThan(1000);
  }, 180_000);
});
