import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type CloudflareApiStandIn, startCloudflareApiStandIn } from "@w7s/cloudflare-api/stand-in";
import { Effect, Exit } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prepare } from "./prepare.js";

const run = promisify(execFile);
const wrangler = join(import.meta.dirname, "..", "node_modules", ".bin", "wrangler");

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
    expect(config.main).toBe("./apps/cloudflare/dist/worker.js");
    expect(config.compatibility_flags).toEqual(["nodejs_compat"]);
    expect(config.kv_namespaces).toEqual([{ binding: "DEPLOYMENTS_KV", id: kvId }]);
    expect(config.r2_buckets).toEqual([{ binding: "STATIC_ASSETS", bucket_name: "w7s-io-static-assets" }]);
    expect(config.dispatch_namespaces).toEqual([{ binding: "DISPATCHER", namespace: "w7s-isolate" }]);
    expect(config.durable_objects.bindings).toEqual([
      { name: "CONTROL_PLANE", class_name: "W7sControlPlane" },
    ]);
    expect(config.migrations).toEqual([{ tag: "v1", new_sqlite_classes: ["W7sControlPlane"] }]);
    expect(config.queues.producers).toEqual([{ binding: "W7S_QUEUE", queue: "w7s-platform" }]);
    expect(config.workflows).toEqual([
      { name: "w7s-workflows", binding: "W7S_WORKFLOWS", class_name: "W7SWorkflow" },
    ]);
    expect(config.analytics_engine_datasets).toEqual([
      { binding: "ANALYTICS", dataset: "w7s_platform_events" },
    ]);
    expect(config.triggers.crons).toEqual(["* * * * *"]);
    expect(config.vars.W7S_BASE_DOMAIN).toBe("example.com");
    expect(config.vars.W7S_USER_WORKER_CPU_MS).toBe("50");
    expect(config.routes.map((route: { pattern: string }) => route.pattern)).toEqual([
      "example.com",
      "example.com/*",
      "*.example.com/*",
    ]);

    const secretsPath = join(root, ".wrangler", "secrets.json");
    expect(JSON.parse(await readFile(secretsPath, "utf8"))).toEqual({ W7S_TELEGRAM_BOT_TOKEN: "123:abc" });
    expect((await stat(secretsPath)).mode & 0o777).toBe(0o600);

    const written = (await readFile(join(root, "wrangler.generated.jsonc"), "utf8")) + lines.join("\n");
    expect(written).not.toContain(cloudflare.apiToken);
    expect(written).not.toContain("123:abc");
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

  it("writes a config that wrangler's own dry run accepts, offline", async () => {
    const workerPath = join(root, "apps", "cloudflare", "dist", "worker.js");
    await run("mkdir", ["-p", join(root, "apps", "cloudflare", "dist")]);
    await writeFile(
      workerPath,
      [
        'import { DurableObject, WorkflowEntrypoint } from "cloudflare:workers";',
        "export class W7sControlPlane extends DurableObject {}",
        "export class W7SWorkflow extends WorkflowEntrypoint { async run() {} }",
        "export default { fetch: () => new Response('ok'), queue: async () => {}, scheduled: async () => {} };",
      ].join("\n"),
    );
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
    expect(output).toContain("env.DEPLOYMENTS_KV");
    expect(output).toContain("env.CONTROL_PLANE");
    expect(output).not.toMatch(/warn|error/i);
    await stat(join(root, "out", "worker.js"));
  });
});
