/** What the two scripts share when run from a shell: finding the workspace root and reporting the outcome. */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Cause, Effect, Exit } from "effect";
import type { OpsError } from "./errors.js";

/** The nearest directory from `start` up that holds pnpm-workspace.yaml; `start` itself when none does. */
export const workspaceRoot = (start: string): string => {
  let directory = resolve(start);
  for (;;) {
    if (existsSync(join(directory, "pnpm-workspace.yaml"))) return directory;
    const parent = dirname(directory);
    if (parent === directory) return resolve(start);
    directory = parent;
  }
};

export const stderrLine = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Runs a script's program; an OpsError becomes `error: <message>` on stderr and exit code 1. */
export const runScript = async (program: Effect.Effect<unknown, OpsError>): Promise<void> => {
  const exit = await Effect.runPromiseExit(program);
  if (Exit.isFailure(exit)) {
    const failure = exit.cause.reasons.find(Cause.isFailReason);
    stderrLine(`error: ${failure === undefined ? Cause.pretty(exit.cause) : failure.error.message}`);
    process.exitCode = 1;
  }
};
