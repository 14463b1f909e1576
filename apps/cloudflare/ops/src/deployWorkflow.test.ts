import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEFAULT_CONFIG_PATH, DEFAULT_MAIN_PATH, DEFAULT_SECRETS_PATH } from "./prepare.js";
import { WORKER_SECRET_NAMES } from "./settings.js";

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, unknown>;
}

const here = import.meta.dirname;
const workflow = parse(readFileSync(join(here, "..", "deploy-core.yml"), "utf8"));
const job = workflow.jobs.deploy as { env: Record<string, string>; steps: Step[] };
const scriptsOf = (path: string): Record<string, string> => JSON.parse(readFileSync(path, "utf8")).scripts;
const opsScripts = scriptsOf(join(here, "..", "package.json"));
const rootScripts = scriptsOf(join(here, "..", "..", "..", "..", "package.json"));
const workerScripts = scriptsOf(join(here, "..", "..", "package.json"));
const runs = job.steps.flatMap((step) => (step.run === undefined ? [] : [step.run]));

describe("deploy-core.yml", () => {
  it("runs, in order: checkout, Node 24, install, build the scripts and the Worker, prepare, deploy, reconcile, health", () => {
    expect(job.steps[0]?.uses).toMatch(/^actions\/checkout@/);
    expect(
      job.steps.find((step) => step.uses?.startsWith("actions/setup-node@"))?.with?.["node-version"],
    ).toBe(24);
    expect(runs).toEqual([
      "pnpm install --frozen-lockfile",
      "pnpm turbo run build --filter=@w7s/cloudflare-ops...",
      "pnpm --filter @w7s/cloudflare run build",
      "pnpm --filter @w7s/cloudflare-ops run prepare:cloudflare",
      "pnpm --filter @w7s/cloudflare-ops run deploy:cloudflare",
      "pnpm --filter @w7s/cloudflare-ops run reconcile:cloudflare-routes",
      `curl --fail --silent --show-error --retry 6 --retry-delay 10 --retry-all-errors "https://\${W7S_ZONE_NAME}/health"`,
    ]);
  });

  it("names only scripts that exist", () => {
    for (const run of runs) {
      const ops = /^pnpm --filter @w7s\/cloudflare-ops run (\S+)$/.exec(run);
      const worker = /^pnpm --filter @w7s\/cloudflare run (\S+)$/.exec(run);
      const root = /^pnpm run (\S+)$/.exec(run);
      if (ops !== null) expect(opsScripts, run).toHaveProperty([ops[1]!]);
      else if (worker !== null) expect(workerScripts, run).toHaveProperty([worker[1]!]);
      else if (root !== null) expect(rootScripts, run).toHaveProperty([root[1]!]);
      else
        expect(run).toMatch(
          /^(pnpm install|pnpm turbo run build --filter=@w7s\/cloudflare-ops\.\.\.$|curl )/,
        );
    }
  });

  it("deploys the generated config with the generated secrets file, from the workspace root", () => {
    expect(opsScripts["deploy:cloudflare"]).toBe(
      `wrangler deploy --config ../../../${DEFAULT_CONFIG_PATH} --secrets-file ../../../${DEFAULT_SECRETS_PATH}`,
    );
    expect(opsScripts["prepare:cloudflare"]).toBe("node dist/prepare.js");
    expect(opsScripts["reconcile:cloudflare-routes"]).toBe("node dist/reconcileRoutes.js");
  });

  it("builds the Worker where the generated config's main points", () => {
    expect(workerScripts.build).toContain("scripts/build.ts");
    expect(readFileSync(join(here, "..", "..", "scripts", "build.ts"), "utf8")).toContain(
      '"../dist/worker.js"',
    );
    expect(DEFAULT_MAIN_PATH).toBe("apps/cloudflare/dist/worker.js");
  });

  it("maps self-host.md's secrets and variables to the environment, the token only where it is used", () => {
    for (const name of [
      "W7S_ZONE_NAME",
      "W7S_ATTACH_WILDCARD_ROUTE",
      "W7S_DEPLOYMENTS_KV_NAME",
      "W7S_STATIC_ASSETS_BUCKET",
      "W7S_DISPATCH_NAMESPACE",
      "W7S_ANALYTICS_DATASET",
      "W7S_WORKFLOW_NAME",
      "W7S_USER_WORKER_CPU_MS",
      "W7S_USER_WORKER_SUBREQUESTS",
      "W7S_TELEGRAM_EVENTS",
      "W7S_LOG_RETENTION_SECONDS",
      "W7S_CORE_WORKER_NAME",
      "W7S_QUEUE_NAME",
    ]) {
      expect(job.env[name], name).toBe(`\${{ vars.${name} }}`);
    }
    expect(job.env.CLOUDFLARE_ACCOUNT_ID).toBe(`\${{ secrets.CLOUDFLARE_ACCOUNT_ID }}`);
    expect(job.env).not.toHaveProperty("CLOUDFLARE_API_TOKEN");
    const withToken = job.steps
      .filter((step) => step.env?.CLOUDFLARE_API_TOKEN !== undefined)
      .map((step) => step.run);
    expect(withToken).toEqual(runs.slice(3, 6));
    const prepareStep = job.steps.find((step) => step.run?.includes("prepare:cloudflare"));
    for (const name of WORKER_SECRET_NAMES) expect(prepareStep?.env?.[name]).toBe(`\${{ secrets.${name} }}`);
  });
});
