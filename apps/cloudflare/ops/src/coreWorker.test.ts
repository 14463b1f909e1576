/**
 * The names the generated config uses must be the core Worker's: its exported classes
 * (apps/cloudflare/src/worker.ts), the bindings it reads (CoreBindings of @w7s/adapter-cloudflare) and its
 * vars (CoreEnv of apps/cloudflare/src/settings.ts). Read from their source text, so this package bundles
 * and imports nothing of the Worker and the two cannot drift apart unnoticed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CORE_BINDINGS,
  CORE_COMPATIBILITY_DATE,
  W7S_DURABLE_OBJECT_CLASSES,
  W7S_WORKFLOW_CLASS,
} from "./coreWorker.js";
import { DEFAULTS, type OpsSettings } from "./settings.js";
import { buildWranglerConfig } from "./wranglerConfig.js";

const repo = join(import.meta.dirname, "..", "..", "..", "..");
const source = (path: string): string => readFileSync(join(repo, path), "utf8");
const worker = source("apps/cloudflare/src/worker.ts");
const settings = source("apps/cloudflare/src/settings.ts");
const platform = source("packages/adapter-cloudflare/src/platform.ts");

/** The `readonly NAME` members of `interface <name> ... { ... }` in `text`. */
const membersOf = (text: string, name: string): ReadonlyArray<string> => {
  const start = text.indexOf(`interface ${name} `);
  expect(start, `interface ${name}`).toBeGreaterThanOrEqual(0);
  const body = text.slice(text.indexOf("{", start), text.indexOf("\n}", start));
  return [...body.matchAll(/readonly (\w+)\??:/g)].map((match) => match[1]!);
};

const exportedClasses = (text: string): ReadonlyArray<string> => [
  ...[...text.matchAll(/^export class (\w+)/gm)].map((match) => match[1]!),
  ...[...text.matchAll(/^export \{([^}]+)\} from/gm)].flatMap((match) =>
    match[1]!.split(",").map((name) => name.trim()),
  ),
];

describe("the core Worker and its config agree", () => {
  it("on the Durable Object and Workflow classes the Worker exports", () => {
    const classes = exportedClasses(worker);
    for (const object of W7S_DURABLE_OBJECT_CLASSES) expect(classes).toContain(object.className);
    expect(classes).toContain(W7S_WORKFLOW_CLASS);
  });

  it("on the binding names the Worker reads", () => {
    const bindings = membersOf(platform, "CoreBindings");
    expect(
      [...Object.values(CORE_BINDINGS), ...W7S_DURABLE_OBJECT_CLASSES.map((o) => o.binding)].sort(),
    ).toEqual([...bindings].sort());
  });

  it("on every var the config sets, and on the Worker's defaults", () => {
    const names = membersOf(settings, "CoreEnv");
    const config = buildWranglerConfig(
      {
        apiToken: "t",
        accountId: "0".repeat(32),
        apiBaseUrl: undefined,
        zoneName: "example.com",
        attachWildcardRoute: true,
        workerName: "w7s-core",
        deploymentsKvName: "kv",
        staticAssetsBucket: "bucket",
        dispatchNamespace: "w7s-isolate",
        queueName: "queue",
        workflowName: "workflows",
        analyticsDataset: "dataset",
        userWorkerCpuMs: 50,
        userWorkerSubrequests: 25,
        telegramEvents: "all",
        logRetentionSeconds: 60,
        secrets: {},
      } satisfies OpsSettings,
      { zoneId: "z", deploymentsKvId: "k", staticAssetsBucket: "b", dispatchNamespace: "d", queueName: "q" },
      { main: "worker.js", build: { commit: "c", branch: "b", deployedAt: "now" } },
    );
    for (const name of Object.keys(config.vars as Record<string, string>)) expect(names).toContain(name);
    expect(settings).toContain(`DEFAULT_CORE_WORKER = "${DEFAULTS.W7S_CORE_WORKER_NAME}"`);
    expect(settings).toContain(`DEFAULT_DISPATCH_NAMESPACE = "${DEFAULTS.W7S_DISPATCH_NAMESPACE}"`);
  });

  it("on the compatibility date the Worker's tests run it with", () => {
    expect(source("apps/cloudflare/test/harness.ts")).toContain("CORE_COMPATIBILITY_DATE");
    expect(CORE_COMPATIBILITY_DATE).toMatch(/^\d{4}-\d\d-\d\d$/);
  });
});
