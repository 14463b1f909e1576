#!/usr/bin/env node
/** `w7s-server`: serve, demo, init. */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveSettings, SETTINGS, type ServerSettings, SettingsError } from "./config.js";
import { demoUrlLines, deployExamples } from "./demo.js";
import { startServer } from "./server.js";

const CONFIG_FILE = "w7s.config.json";

const usage = `Usage: w7s-server <command> [flags]

Commands:
  serve   run the server
  demo    run the server with the apps in examples/ deployed, and print their URLs
  init    write ${CONFIG_FILE} and print the GitHub workflow step that deploys to this server

Flags (each also read from its environment variable, then from ${CONFIG_FILE}):
${SETTINGS.map((setting) => `  ${setting.flag.padEnd(24)} ${setting.env.padEnd(24)} ${setting.help}`).join("\n")}
`;

const readConfigFile = (): Record<string, unknown> | undefined => {
  const path = resolve(CONFIG_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new SettingsError(
      `${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
};

const runUntilSignal = async (close: () => Promise<void>) => {
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      console.log(`\n${signal}: finishing in-flight requests, then exiting.`);
      done();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await close();
};

const serveCommand = async (settings: ServerSettings) => {
  const server = await startServer(settings);
  console.log(
    `W7S server listening on ${server.url} (apps on *.${settings.baseDomain}, data in ${resolve(settings.dataDir)})`,
  );
  await runUntilSignal(() => server.close());
};

const examplesDirectory = (): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, "../../../examples");
};

const demoCommand = async (settings: ServerSettings, check: boolean) => {
  const token = settings.deployToken ?? randomBytes(24).toString("base64url");
  console.log("Starting the W7S server on its embedded default (SQLite and files, backends in workerd)…");
  const server = await startServer({ ...settings, deployToken: token });
  console.log(`Listening on ${server.url}; deploying the example apps as owner "demo":`);
  const outcomes = await deployExamples(server, token, examplesDirectory(), [
    { example: "ts-backend", branch: "feature/hello" },
  ]);
  console.log("\nTry them (apps answer on *.localhost, which resolves to this machine):");
  for (const line of demoUrlLines(server, outcomes)) console.log(line);
  console.log(`\nDeploy your own with this local operator token: ${token}`);
  console.log(`  curl -X POST ${server.url}/api/v1/deploy -H 'authorization: Bearer ${token}' \\`);
  console.log(
    "    -H 'content-type: application/zip' -H 'x-github-repository: you/app' -H 'x-github-sha: dev' \\",
  );
  console.log("    -H 'x-github-branch: main' --data-binary @app.zip");
  const failed = outcomes.filter((outcome) => outcome.body.status !== "success");
  if (check) {
    await server.close();
    process.exitCode = failed.length === 0 ? 0 : 1;
    return;
  }
  console.log("\nPress Ctrl+C to stop.");
  await runUntilSignal(() => server.close());
};

const initCommand = (settings: ServerSettings) => {
  const dataDir = resolve(settings.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const token = settings.deployToken ?? randomBytes(24).toString("base64url");
  const file = {
    port: settings.port,
    host: settings.host,
    baseDomain: settings.baseDomain,
    dataDir: settings.dataDir,
    githubApiUrl: settings.githubApiUrl,
    oidcAudiences: settings.oidcAudiences,
  };
  writeFileSync(resolve(CONFIG_FILE), `${JSON.stringify(file, null, 2)}\n`);
  const deployUrl = `https://<this server's public host>/api/v1/deploy`;
  console.log(`Wrote ${resolve(CONFIG_FILE)}.`);
  console.log(`
Add this step to a workflow with \`permissions: { contents: read, id-token: write }\`; it deploys with the
workflow's GitHub token (or OIDC), which this server checks against ${settings.githubApiUrl}:

      - uses: w7s-io/w7s-cloud@v1
        with:
          deploy-url: ${deployUrl}

The same request with curl (J.3), for other CI systems:

      zip -qr app.zip . -x '.git/*' 'node_modules/*' '*/node_modules/*'
      curl -sS -X POST ${deployUrl} --data-binary @app.zip \\
        -H "authorization: Bearer $GITHUB_TOKEN" -H 'content-type: application/zip' \\
        -H "x-github-repository: $GITHUB_REPOSITORY" -H "x-github-sha: $GITHUB_SHA" \\
        -H "x-github-branch: $GITHUB_REF_NAME"

For air-gapped installs, start the server with W7S_DEPLOY_TOKEN=${token} and send that token instead.`);
};

const main = async () => {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined || command === "help" || command === "--help") {
    console.log(usage);
    return;
  }
  const { settings, rest } = resolveSettings({ argv: args, env: process.env, file: readConfigFile() });
  const unknown = rest.filter((argument) => argument !== "--check");
  if (unknown.length > 0) throw new SettingsError(`Unknown argument ${unknown[0]}.\n\n${usage}`);
  if (command === "serve") return serveCommand(settings);
  if (command === "demo") return demoCommand(settings, rest.includes("--check"));
  if (command === "init") return initCommand(settings);
  throw new SettingsError(`Unknown command ${command}.\n\n${usage}`);
};

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exitCode = 1;
});
