/** `w7s deploy [dir]`: package and deploy like the GitHub Action, or `--dry-run` to see what would happen. */
import { resolve } from "node:path";
import {
  copyWorkspaceCname,
  deployDirectory,
  deployLogLines,
  formatBytes,
  formatSeconds,
  isSuccess,
  throttled,
} from "@w7s/action";
import { parseArgs, UsageError } from "./args.js";
import { dryRun, dryRunLines } from "./dryRun.js";
import type { CommandIo } from "./io.js";
import { appTarget, deployEndpoint } from "./target.js";
import { resolveToken, tokenMessages } from "./token.js";

export const deployUsage = `Usage: w7s deploy [dir] [options]

Packages dir (default .) exactly as the GitHub Action does and posts it to the deploy API.

  --url <url>              server or deploy endpoint (W7S_DEPLOY_URL; default https://w7s.cloud/api/v1/deploy)
  --environment <name>     environment override (sent as ?environment=, URL-encoded)
  --repository <owner/repo>, --branch <name>, --sha <commit>
                           what the deploy says it is (default: GITHUB_* variables, then git)
  --token <token>          bearer (default W7S_TOKEN, GITHUB_TOKEN, then \`gh auth token\`)
  --vars <A,B>, --secrets <C,D>
                           extra names whose values come from your environment (besides w7s.json's)
  --dry-run                list what would be uploaded and what the server would detect; send nothing
  --quiet                  with --dry-run, leave out the file list`;

export const deployCommand = async (argv: readonly string[], io: CommandIo): Promise<number> => {
  const { values, flags, positionals } = parseArgs(argv, {
    valued: ["url", "environment", "repository", "branch", "sha", "token", "vars", "secrets"],
    booleans: ["dry-run", "quiet"],
  });
  if (positionals.length > 1)
    throw new UsageError(`Unexpected argument ${positionals[1]}.\n\n${deployUsage}`);
  const directory = resolve(io.cwd, positionals[0] ?? ".");
  if (flags.has("dry-run")) {
    for (const line of dryRunLines(dryRun(directory), { listFiles: !flags.has("quiet") })) io.out(line);
    return 0;
  }
  const deployUrl = deployEndpoint(values.url, io.env);
  const target = appTarget(directory, values, io.env);
  const token = resolveToken(values.token, io.env, io.ghToken);
  if (token === undefined) throw new UsageError(tokenMessages.missing);
  if (copyWorkspaceCname(directory, io.env.GITHUB_WORKSPACE))
    io.out("Copied repo-root CNAME into the deploy directory.");
  io.out(
    `Deploying ${directory} as ${target.repository} (branch ${target.branch}) to ${deployUrl} with the token from ${token.source}`,
  );
  const outcome = await deployDirectory(
    directory,
    {
      deployUrl,
      environment: values.environment,
      token: token.token,
      repository: target.repository,
      branch: target.branch,
      sha: target.sha,
      vars: values.vars,
      secrets: values.secrets,
      environmentVariables: io.env,
    },
    {
      packaging: throttled(
        (progress) =>
          io.out(
            `  packaged ${progress.files}/${progress.totalFiles} files, ${formatBytes(progress.bytes)} (${formatSeconds(progress.elapsedMs)})`,
          ),
        (progress) => progress.files === progress.totalFiles,
      ),
      upload: throttled(
        (progress) =>
          io.out(
            `  uploaded ${formatBytes(progress.sentBytes)} of ${formatBytes(progress.totalBytes)} (${formatSeconds(progress.elapsedMs)})`,
          ),
        (progress) => progress.sentBytes === progress.totalBytes,
      ),
    },
  );
  for (const line of deployLogLines(outcome.answer)) io.out(line);
  return isSuccess(outcome.answer) ? 0 : 1;
};
