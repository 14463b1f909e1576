/**
 * `w7s.config.json`: which file the server reads, and reading it. The file holds settings under the keys
 * of `ServerSettings` (`port`, `baseDomain`, `oidcAudiences`, ...).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULT_SETTINGS, SETTINGS, SettingsError } from "./config.js";

export const CONFIG_FILE_NAME = "w7s.config.json";

/** `--config <path>` / `--config=<path>` is not a setting; it is taken out of argv before settings are read. */
export const takeConfigFlag = (
  argv: readonly string[],
): { readonly path: string | undefined; readonly argv: string[] } => {
  const remaining: string[] = [];
  let path: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    if (argument === "--config") {
      path = argv[++index];
      if (path === undefined) throw new SettingsError("--config needs a value.");
    } else if (argument.startsWith("--config=")) {
      path = argument.slice("--config=".length);
    } else {
      remaining.push(argument);
    }
  }
  return { path, argv: remaining };
};

/**
 * The config file to use: `--config`, else `W7S_CONFIG`, else `./w7s.config.json` when it exists, else
 * `<data dir>/w7s.config.json` when it exists (the data dir as given by flag, environment or default).
 * `undefined` when there is none. An explicitly named file that does not exist is an error unless
 * `allowMissing`.
 */
export const locateConfigFile = (input: {
  readonly cwd: string;
  readonly explicitPath: string | undefined;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `init` may name a file it is about to create. */
  readonly allowMissing?: boolean;
}): string | undefined => {
  const explicit = input.explicitPath ?? (input.env.W7S_CONFIG || undefined);
  if (explicit !== undefined) {
    const path = resolve(input.cwd, explicit);
    if (existsSync(path)) return path;
    if (input.allowMissing === true) return undefined;
    throw new SettingsError(`Config file ${path} does not exist.`);
  }
  const inCwd = join(input.cwd, CONFIG_FILE_NAME);
  if (existsSync(inCwd)) return inCwd;
  const inDataDir = join(resolve(input.cwd, dataDirBeforeFile(input.argv, input.env)), CONFIG_FILE_NAME);
  return existsSync(inDataDir) ? inDataDir : undefined;
};

const dataDirBeforeFile = (
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string => {
  const flag = SETTINGS.find((setting) => setting.key === "dataDir")!.flag;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    if (argument === flag && argv[index + 1] !== undefined) return argv[index + 1]!;
    if (argument.startsWith(`${flag}=`)) return argument.slice(flag.length + 1);
  }
  return env.W7S_DATA_DIR || DEFAULT_SETTINGS.dataDir;
};

/** The file's settings object; SettingsError naming the file when it is not a JSON object. */
export const readConfigFile = (path: string): Record<string, unknown> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new SettingsError(
      `${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new SettingsError(`${path} must hold a JSON object of settings.`);
  return parsed as Record<string, unknown>;
};
