/**
 * The embedded default: start a server, deploy every app in `examples/` the way the official action would,
 * and print where to reach them.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { zipDirectory } from "@w7s/action";
import type { ServerSettings } from "./config.js";
import { closeOnSignal, nextStopSignal } from "./serve.js";
import { type RunningServer, startServer } from "./server.js";

export interface DemoDeploy {
  readonly example: string;
  readonly branch: string;
}

export interface DeployOutcome {
  readonly example: string;
  readonly branch: string;
  /** The GitHub owner it was deployed as (`demo`, or the example's `w7s.demoOwner`). */
  readonly owner?: string;
  readonly status: number;
  readonly body: { status?: string; data?: { url?: string }; error?: string };
}

/** The owner an example is deployed as: `demo`, unless its package.json names another in `w7s.demoOwner`. */
export const demoOwnerOf = (directory: string): string => {
  try {
    const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {
      w7s?: { demoOwner?: unknown };
    };
    return typeof manifest.w7s?.demoOwner === "string" ? manifest.w7s.demoOwner : "demo";
  } catch {
    return "demo";
  }
};

const deployExample = async (
  server: RunningServer,
  token: string,
  directory: string,
  example: string,
  branch: string,
  log: (line: string) => void,
): Promise<DeployOutcome> => {
  const owner = demoOwnerOf(directory);
  if (!existsSync(join(directory, "dist")) && hasBuildScript(directory))
    log(`  examples/${example} has no dist/: run \`pnpm build\` at the repository root first`);
  try {
    const zip = zipDirectory(directory);
    log(
      `  deploying examples/${example} as ${owner}/${example} (branch ${branch}, ${zip.byteLength} bytes zipped)`,
    );
    const response = await fetch(`${server.url}/api/v1/deploy`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/zip",
        "x-github-repository": `${owner}/${example}`,
        "x-github-sha": randomBytes(20).toString("hex"),
        "x-github-branch": branch,
      },
      body: zip as Uint8Array<ArrayBuffer>,
    });
    const text = await response.text();
    try {
      return {
        example,
        branch,
        owner,
        status: response.status,
        body: JSON.parse(text) as DeployOutcome["body"],
      };
    } catch {
      return { example, branch, owner, status: response.status, body: { status: "error", error: text } };
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { example, branch, owner, status: 0, body: { status: "error", error: message } };
  }
};

const hasBuildScript = (directory: string): boolean => {
  try {
    const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as {
      scripts?: Record<string, string>;
    };
    return typeof manifest.scripts?.build === "string";
  } catch {
    return false;
  }
};

/** Postgres binding ids an example's `w7s.json` names (the operator must configure each). */
const postgresBindingIds = (directory: string): string[] => {
  try {
    const manifest = JSON.parse(readFileSync(join(directory, "w7s.json"), "utf8")) as {
      bindings?: { hyperdrive?: Array<{ id?: unknown }> };
    };
    return (manifest.bindings?.hyperdrive ?? []).flatMap((entry) =>
      typeof entry.id === "string" ? [entry.id] : [],
    );
  } catch {
    return [];
  }
};

/**
 * Deploys each example as `demo/<example>` (or `<w7s.demoOwner>/<example>`, for the cross-owner pair); a
 * failure is reported and the others still deploy. An example
 * naming a Postgres binding the server does not have is skipped with a line saying how to add it.
 */
export const deployExamples = async (
  server: RunningServer,
  token: string,
  examplesDir: string,
  extraBranches: readonly DemoDeploy[] = [],
  log: (line: string) => void = console.log,
  hyperdrive: Readonly<Record<string, string>> = {},
): Promise<DeployOutcome[]> => {
  const examples = readdirSync(examplesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(examplesDir, entry.name, "package.json")))
    .map((entry) => entry.name)
    .filter((example) => {
      const missing = postgresBindingIds(join(examplesDir, example)).filter(
        (id) => hyperdrive[id] === undefined,
      );
      if (missing.length === 0) return true;
      log(
        `  skipping examples/${example}: it needs the Postgres binding ${missing.join(", ")}; add ${missing.map((id) => `--hyperdrive ${id}=postgres://user:password@host:5432/db`).join(" ")} to deploy it`,
      );
      return false;
    })
    .sort();
  const deploys = [...examples.map((example) => ({ example, branch: "main" })), ...extraBranches];
  const outcomes: DeployOutcome[] = [];
  for (const { example, branch } of deploys) {
    const outcome = await deployExample(server, token, join(examplesDir, example), example, branch, log);
    outcomes.push(outcome);
    if (outcome.body.status !== "success")
      log(`    failed (HTTP ${outcome.status}): ${JSON.stringify(outcome.body)}`);
  }
  return outcomes;
};

/** A path under each example worth opening or curling (the app's root when not listed). */
const TRY_PATHS: Readonly<Record<string, { readonly open?: string; readonly curl?: string }>> = {
  "js-backend": { open: "hello", curl: "hello" },
  "ts-backend": { curl: "greet?name=Ada" },
  fullstack: { curl: "api/message" },
  "serverless-database": { curl: "api/notes" },
  "durable-counter": { open: "value", curl: "value" },
  "postgres-binding": { curl: "now" },
  "order-api": {
    open: "orders/new?item=book&email=ada@example.com",
    curl: "orders/new?item=book&email=ada@example.com",
  },
  "event-log": { open: "events", curl: "events" },
  "email-worker": { open: "sent", curl: "sent" },
  "queue-producer": { open: "enqueue?text=hello", curl: "enqueue?text=hello" },
  "queue-consumer": { open: "latest", curl: "latest" },
};

/** The lines printed after the demo deploys: both ways of reaching each app. */
export const demoUrlLines = (server: RunningServer, outcomes: readonly DeployOutcome[]): string[] => {
  const lines: string[] = [];
  for (const outcome of outcomes) {
    const url = outcome.body.data?.url;
    if (outcome.body.status !== "success" || url === undefined) continue;
    const parsed = new URL(url);
    const paths = TRY_PATHS[outcome.example] ?? {};
    lines.push(`  ${outcome.example}${outcome.branch === "main" ? "" : ` (branch ${outcome.branch})`}`);
    lines.push(`    open   ${url}${paths.open ?? ""}`);
    lines.push(
      `    curl   curl -H 'Host: ${parsed.hostname}' '${server.url}${parsed.pathname}${paths.curl ?? ""}'`,
    );
  }
  return lines;
};

/**
 * `w7s-server demo [--check]`: a server with a local operator deploy token, every example deployed, URLs
 * printed. The token is printed so that the user can deploy their own zips with curl; it exists only for
 * this run. With `check`, exits after deploying (exit code 1 if any deploy failed) instead of serving on.
 */
export const runDemo = async (
  settings: ServerSettings,
  options: { readonly examplesDir: string; readonly check: boolean },
) => {
  const token = settings.deployToken ?? randomBytes(24).toString("base64url");
  const stop = nextStopSignal();
  console.log("Starting the W7S server on its embedded default (SQLite and files, backends in workerd)…");
  const server = await startServer({ ...settings, deployToken: token });
  console.log(`Listening on ${server.url}; deploying the example apps as owner "demo" (and "partner"):`);
  const outcomes = await deployExamples(
    server,
    token,
    options.examplesDir,
    [{ example: "ts-backend", branch: "feature/hello" }],
    console.log,
    settings.hyperdrive,
  );
  console.log("\nTry them (apps answer on *.localhost, which resolves to this machine):");
  for (const line of demoUrlLines(server, outcomes)) console.log(line);
  console.log(
    "\nEvent fan-out: create an order at order-api, then see the event at event-log/events and its email at\n" +
      "email-worker/sent. Cross-owner queue: queue-producer/enqueue sends to partner/queue-consumer (see /latest).",
  );
  console.log(`\nDeploy your own with this local operator token (valid while this server runs): ${token}`);
  console.log(`  curl -X POST ${server.url}/api/v1/deploy -H 'authorization: Bearer ${token}' \\`);
  console.log(
    "    -H 'content-type: application/zip' -H 'x-github-repository: you/app' -H 'x-github-sha: dev' \\",
  );
  console.log("    -H 'x-github-branch: main' --data-binary @app.zip");
  const failed = outcomes.filter((outcome) => outcome.body.status !== "success");
  if (options.check) {
    await server.close();
    if (failed.length > 0) console.error(`\n${failed.length} example deploy(s) failed.`);
    process.exitCode = failed.length === 0 ? 0 : 1;
    return;
  }
  console.log("\nPress Ctrl+C to stop.");
  await closeOnSignal(server, stop);
};
