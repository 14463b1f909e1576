#!/usr/bin/env node
/** `w7s-server`: serve, demo, init, and the operator commands limits, suspend and resume. */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveSettings, SETTINGS, SettingsError } from "./config.js";
import { CONFIG_FILE_NAME, locateConfigFile, readConfigFile, takeConfigFlag } from "./configFile.js";
import { runDemo } from "./demo.js";
import { defaultPublicUrl, initConfig, initInstructions } from "./init.js";
import { limitsCommand, resumeCommand, suspendCommand } from "./operator.js";
import { serveCommand } from "./serve.js";

const usage = `Usage: w7s-server <command> [flags]

Commands:
  serve           run the server
  demo [--check]  run the server with the apps in examples/ deployed, and print their URLs
                  (--check: deploy, print, then exit; exit code 1 if a deploy failed)
  init [--public-url <url>]
                  write ${CONFIG_FILE_NAME} with the settings given and print the GitHub workflow step
                  that deploys to this server (--public-url: where GitHub Actions reach it)
  limits get <owner>/<repo> [--environment <env>] [--application <name>]
                  the effective limits of an app and every override record that applies (F.3)
  limits set --scope <scope> [--owner <o>] [--repo <r>] [--environment <env>] --metric <m>
             [--daily-units <n>] [--warning-threshold <0..1>]
  limits delete --scope <scope> [--owner <o>] [--repo <r>] [--environment <env>] [--metric <m>]
                  scopes: owner, owner_environment, repo, repo_environment, owner_total,
                  owner_total_environment, global, global_environment; without --metric, delete
                  removes the scope's whole record
  suspend <owner>/<repo> [--environment <env>] [--application <name>] [--reason <text>]
                  the app answers 429 until resumed (a running server notices within 5 s)
  resume <owner>/<repo> [--environment <env>] [--application <name>] [--limit]
                  lifts the operator's suspension (--limit: and a usage-limit suspension)

Settings: a flag beats its environment variable, which beats the config file, which beats the default.
The config file is --config <path> or W7S_CONFIG, else ./${CONFIG_FILE_NAME}, else <data-dir>/${CONFIG_FILE_NAME}.
${SETTINGS.map((setting) => `  ${setting.flag.padEnd(24)} ${setting.env.padEnd(24)} ${setting.help}`).join("\n")}
`;

const takeOption = (rest: string[], name: string): string | undefined => {
  const at = rest.findIndex((argument) => argument === name || argument.startsWith(`${name}=`));
  if (at < 0) return undefined;
  const [argument] = rest.splice(at, 1) as [string];
  if (argument.startsWith(`${name}=`)) return argument.slice(name.length + 1);
  const [value] = rest.splice(at, 1);
  if (value === undefined) throw new SettingsError(`${name} needs a value.`);
  return value;
};

const examplesDirectory = (): string => resolve(dirname(fileURLToPath(import.meta.url)), "../../../examples");

const main = async () => {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined || command === "help" || command === "--help") {
    console.log(usage);
    return;
  }
  const cwd = process.cwd();
  const { path: explicitConfig, argv } = takeConfigFlag(args);
  const configPath = locateConfigFile({
    cwd,
    explicitPath: explicitConfig,
    argv,
    env: process.env,
    allowMissing: command === "init",
  });
  const { settings, sources, rest } = resolveSettings({
    argv,
    env: process.env,
    file: configPath === undefined ? undefined : readConfigFile(configPath),
    fileName: configPath ?? CONFIG_FILE_NAME,
  });
  if (command === "limits") return void (await limitsCommand(settings, rest));
  if (command === "suspend") return void (await suspendCommand(settings, rest));
  if (command === "resume") return void (await resumeCommand(settings, rest));
  const check = rest.includes("--check");
  const publicUrl = command === "init" ? takeOption(rest, "--public-url") : undefined;
  const unknown = rest.filter((argument) => !(command === "demo" && argument === "--check"));
  if (unknown.length > 0) throw new SettingsError(`Unknown argument ${unknown[0]}.\n\n${usage}`);

  if (command === "serve") return serveCommand(settings, configPath);
  if (command === "demo") return runDemo(settings, { examplesDir: examplesDirectory(), check });
  if (command === "init") {
    const named = explicitConfig ?? (process.env.W7S_CONFIG || undefined);
    const target = named === undefined ? join(cwd, CONFIG_FILE_NAME) : resolve(cwd, named);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${JSON.stringify(initConfig(settings, sources), null, 2)}\n`, { mode: 0o600 });
    chmodSync(target, 0o600);
    console.log(
      initInstructions({
        settings,
        configPath: target,
        publicUrl: publicUrl ?? defaultPublicUrl(settings),
        serveCommand:
          target === join(cwd, CONFIG_FILE_NAME)
            ? "w7s-server serve (from this directory)"
            : `w7s-server serve --config ${target}`,
      }),
    );
    return;
  }
  throw new SettingsError(`Unknown command ${command}.\n\n${usage}`);
};

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exitCode = 1;
});
