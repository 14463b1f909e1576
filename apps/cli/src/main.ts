/** The `w7s` command line: deploy, logs, usage, rollback, dev. `cli.ts` and `local.ts` (`w7s-local`) run it. */
import { LogsError, NetworkError, RuntimeValuesError } from "@w7s/action";
import { UsageError } from "./args.js";
import { deployCommand, deployUsage } from "./deployCommand.js";
import { LoadError } from "./dev/devBackend.js";
import { devCommand, devUsage } from "./dev/devCommand.js";
import type { CommandIo } from "./io.js";
import { logsCommand, logsUsage } from "./logsCommand.js";
import { rollbackCommand, rollbackUsage } from "./rollbackCommand.js";
import { usageCommand, usageUsage } from "./usageCommand.js";

const usage = `Usage: w7s <command> [options]

Commands:
  deploy [dir]   package and deploy like the GitHub Action (--dry-run: show what would happen)
  logs           an app's backend logs (--follow to keep watching)
  usage          an app's usage today against its daily limits
  rollback       switch an app back to an earlier deployment (--list: the ones the server keeps)
  dev            serve the app locally at W7S URLs, its backend in workerd with real bindings

Run w7s <command> --help for its options.`;

const COMMANDS = {
  deploy: { run: deployCommand, help: deployUsage },
  logs: { run: logsCommand, help: logsUsage },
  usage: { run: usageCommand, help: usageUsage },
  rollback: { run: rollbackCommand, help: rollbackUsage },
  dev: { run: devCommand, help: devUsage },
} as const;

/** Runs one command line (without `node` and the script); answers the exit code. */
export const main = async (args: readonly string[]): Promise<number> => {
  const [command, ...rest] = args;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    console.log(usage);
    return command === undefined ? 2 : 0;
  }
  const entry = COMMANDS[command as keyof typeof COMMANDS];
  if (entry === undefined) {
    console.error(`Unknown command ${command}.\n\n${usage}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(entry.help);
    return 0;
  }
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  const io: CommandIo = {
    cwd: process.cwd(),
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    stopped,
  };
  try {
    return await entry.run(rest, io);
  } catch (error) {
    const known =
      error instanceof UsageError ||
      error instanceof NetworkError ||
      error instanceof RuntimeValuesError ||
      error instanceof LogsError ||
      error instanceof LoadError;
    const message = error instanceof Error ? error.message : String(error);
    console.error(known ? message : `w7s ${command} failed: ${message}`);
    return 1;
  }
};

/** Runs `args` in this process and exits with its code once it is done (dev keeps watchers until then). */
export const runCli = (args: readonly string[]) =>
  main(args).then((code) => {
    process.exitCode = code;
    setImmediate(() => process.exit(code));
  });
