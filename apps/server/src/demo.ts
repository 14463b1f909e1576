/**
 * The embedded default: start a server, deploy every app in `examples/` the way the official action would,
 * and print where to reach them.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { RunningServer } from "./server.js";
import { zipDirectory } from "./zipDirectory.js";

export interface DemoDeploy {
  readonly example: string;
  readonly branch: string;
}

export interface DeployOutcome {
  readonly example: string;
  readonly branch: string;
  readonly status: number;
  readonly body: { status?: string; data?: { url?: string }; error?: string };
}

/** Deploys each example as `demo/<example>`; a failure is reported and the others still deploy. */
export const deployExamples = async (
  server: RunningServer,
  token: string,
  examplesDir: string,
  extraBranches: readonly DemoDeploy[] = [],
  log: (line: string) => void = console.log,
): Promise<DeployOutcome[]> => {
  const examples = readdirSync(examplesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(examplesDir, entry.name, "package.json")))
    .map((entry) => entry.name)
    .sort();
  const deploys = [...examples.map((example) => ({ example, branch: "main" })), ...extraBranches];
  const outcomes: DeployOutcome[] = [];
  for (const { example, branch } of deploys) {
    const zip = zipDirectory(join(examplesDir, example));
    log(`  deploying examples/${example} (branch ${branch}, ${zip.byteLength} bytes zipped)`);
    const response = await fetch(`${server.url}/api/v1/deploy`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/zip",
        "x-github-repository": `demo/${example}`,
        "x-github-sha": randomBytes(20).toString("hex"),
        "x-github-branch": branch,
      },
      body: zip as Uint8Array<ArrayBuffer>,
    });
    const body = (await response.json()) as DeployOutcome["body"];
    outcomes.push({ example, branch, status: response.status, body });
    if (body.status !== "success") log(`    failed (HTTP ${response.status}): ${JSON.stringify(body)}`);
  }
  return outcomes;
};

/** The lines printed after the demo deploys: both ways of reaching each app. */
export const demoUrlLines = (server: RunningServer, outcomes: readonly DeployOutcome[]): string[] => {
  const lines: string[] = [];
  for (const outcome of outcomes) {
    const url = outcome.body.data?.url;
    if (outcome.body.status !== "success" || url === undefined) continue;
    const parsed = new URL(url);
    lines.push(`  ${outcome.example}${outcome.branch === "main" ? "" : ` (branch ${outcome.branch})`}`);
    lines.push(`    open   ${url}`);
    lines.push(`    curl   curl -H 'Host: ${parsed.hostname}' ${server.url}${parsed.pathname}`);
  }
  return lines;
};
