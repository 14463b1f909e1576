/** Runs the action in this process with a GitHub Actions environment, capturing what it prints and writes. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseOutputFile, runAction } from "../src/index.js";

export interface ActionRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly summary: string;
  readonly outputs: Record<string, string>;
}

/** `inputs` are given by input name (`deploy-url`) and set as the runner sets them (`INPUT_DEPLOY-URL`). */
export const runnerEnvironment = (
  inputs: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>> = {},
) => {
  const temp = mkdtempSync(join(tmpdir(), "w7s-runner-"));
  writeFileSync(join(temp, "summary.md"), "");
  writeFileSync(join(temp, "output.txt"), "");
  const env: Record<string, string> = {
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: "acme/web",
    GITHUB_REF_NAME: "main",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_RUN_ID: "4242",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_WORKFLOW: "Deploy",
    RUNNER_TEMP: temp,
    GITHUB_STEP_SUMMARY: join(temp, "summary.md"),
    GITHUB_OUTPUT: join(temp, "output.txt"),
    ...extra,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return { env, temp };
};

const read = (path: string | undefined) =>
  path !== undefined && existsSync(path) ? readFileSync(path, "utf8") : "";

export const runInProcess = async (
  inputs: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>> = {},
  cwd = process.cwd(),
): Promise<ActionRun> => {
  const { env } = runnerEnvironment(inputs, extra);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runAction({
    env,
    cwd,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
  });
  return {
    code,
    stdout: stdout.join("\n"),
    stderr: stderr.join("\n"),
    summary: read(env.GITHUB_STEP_SUMMARY),
    outputs: parseOutputFile(read(env.GITHUB_OUTPUT)),
  };
};
