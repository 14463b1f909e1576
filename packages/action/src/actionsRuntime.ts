/**
 * The GitHub Actions runner protocol for a JavaScript action, without @actions/core: inputs from `INPUT_*`
 * variables (the name uppercased, spaces as `_`, hyphens kept: `INPUT_DEPLOY-URL`), outputs appended to
 * `GITHUB_OUTPUT` with a random heredoc delimiter, the step summary appended to `GITHUB_STEP_SUMMARY`.
 */
import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { EOL } from "node:os";

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * An input's value, trimmed; `""` when not given. The runner's name is tried first; the underscore spelling
 * (`INPUT_DEPLOY_URL`) that harnesses of the composite action set (J.7) is accepted too.
 */
export const getInput = (env: Environment, name: string): string => {
  const runnerName = `INPUT_${name.replaceAll(" ", "_").toUpperCase()}`;
  const value = env[runnerName] ?? env[runnerName.replaceAll("-", "_")] ?? "";
  return value.trim();
};

/** `1/true/yes/on` and `0/false/no/off` (any case); anything else is `fallback` (J.1). */
export const booleanInput = (value: string, fallback: boolean): boolean => {
  const normalized = value.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(normalized)) return true;
  if (["0", "false", "no", "off"].includes(normalized)) return false;
  return fallback;
};

/** Writes outputs and the step summary where the runner reads them; without the variables they are skipped. */
export const makeRunnerFiles = (env: Environment) => ({
  setOutput: (name: string, value: string) => {
    const file = env.GITHUB_OUTPUT;
    if (file === undefined || file === "") return;
    const delimiter = `ghadelimiter_${randomUUID()}`;
    appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, "utf8");
  },
  appendSummary: (markdown: string) => {
    const file = env.GITHUB_STEP_SUMMARY;
    if (file === undefined || file === "") return;
    appendFileSync(file, markdown.endsWith("\n") ? markdown : `${markdown}\n`, "utf8");
  },
});

export type RunnerFiles = ReturnType<typeof makeRunnerFiles>;

/** Parses a `GITHUB_OUTPUT` file (both `name=value` and heredoc forms) into name -> value. */
export const parseOutputFile = (content: string): Record<string, string> => {
  const outputs: Record<string, string> = {};
  const lines = content.split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc !== null) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (index += 1; index < lines.length && lines[index] !== delimiter; index += 1)
        value.push(lines[index]!);
      outputs[name!] = value.join("\n");
    } else if (line.includes("=")) {
      const at = line.indexOf("=");
      outputs[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return outputs;
};
