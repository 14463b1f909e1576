/** `w7s rollback`: make an earlier deployment of an app live again, or list the ones the server keeps. */
import { fetchDeploymentHistory, resolveCheckEnvironment, rollbackDeployment } from "@w7s/action";
import { parseArgs, UsageError } from "./args.js";
import type { CommandIo } from "./io.js";
import { appTarget, deployEndpoint } from "./target.js";
import { resolveToken, tokenMessages } from "./token.js";

export const rollbackUsage = `Usage: w7s rollback [options]

  (no option)              switch to the deployment before the live one
  --steps <n>              go back n deployments
  --to <deployment id>     switch to this deployment (see --list)
  --list                   list the deployments the server keeps, newest first, and change nothing
  --url <url>              server or deploy endpoint (W7S_DEPLOY_URL)
  --repository <owner/repo> (default: git remote), --environment <name> (default: the branch's)
  --application <name>     a monorepo app (its w7s.json name)
  --json                   print the API's data as JSON
  --token <token>          bearer with the right to deploy (default W7S_TOKEN, GITHUB_TOKEN, then \`gh auth token\`)`;

const short = (sha: string | undefined) => (sha ?? "").slice(0, 12);

export const rollbackCommand = async (argv: readonly string[], io: CommandIo): Promise<number> => {
  const { values, flags } = parseArgs(argv, {
    valued: ["url", "repository", "environment", "application", "token", "branch", "sha", "steps", "to"],
    booleans: ["json", "list"],
  });
  if (values.steps !== undefined && values.to !== undefined)
    throw new UsageError("Pass either --steps or --to, not both.");
  const steps = values.steps === undefined ? undefined : Number(values.steps);
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1))
    throw new UsageError(`--steps ${values.steps} is not a whole number of 1 or more.`);
  const deployUrl = deployEndpoint(values.url, io.env);
  const target = appTarget(io.cwd, values, io.env);
  const token = resolveToken(values.token, io.env, io.ghToken);
  if (token === undefined) throw new UsageError(tokenMessages.missing);
  const environment = resolveCheckEnvironment({ explicit: values.environment, branch: target.branch });
  const app = {
    repository: target.repository,
    environment,
    ...(values.application ? { application: values.application } : {}),
  };

  if (flags.has("list")) {
    const answer = await fetchDeploymentHistory(deployUrl, app, token.token);
    if (answer.status !== 200 || answer.body?.status !== "success") {
      io.err(
        `W7S deployments request failed (HTTP ${answer.status}): ${answer.body?.error ?? (answer.raw.trim() || "no body")}`,
      );
      return 1;
    }
    const data = answer.body.data ?? {};
    if (flags.has("json")) {
      io.out(JSON.stringify(data, null, 2));
      return 0;
    }
    io.out(
      `Deployments of ${target.repository} (${environment}), newest first (the server keeps ${data.retained ?? "?"}):`,
    );
    for (const entry of data.deployments ?? []) {
      const { deployment } = entry;
      io.out(
        `${entry.current ? "*" : " "} ${entry.deploymentId}  ${short(deployment.commitSha)}  ${deployment.branch ?? ""}  ${deployment.deployedAt ?? ""}`,
      );
    }
    if ((data.deployments ?? []).length === 0) io.out("  none");
    return 0;
  }

  const answer = await rollbackDeployment(
    deployUrl,
    { ...app, ...(values.to === undefined ? { steps: steps ?? 1 } : { deploymentId: values.to }) },
    token.token,
  );
  if (answer.status !== 200 || answer.body?.status !== "success") {
    io.err(
      `W7S rollback failed (HTTP ${answer.status}): ${answer.body?.error ?? (answer.raw.trim() || "no body")}`,
    );
    return 1;
  }
  const data = answer.body.data ?? {};
  if (flags.has("json")) {
    io.out(JSON.stringify(data, null, 2));
    return 0;
  }
  io.out(
    `Rolled back ${target.repository} (${environment}) from ${data.rolledBackFrom} to ${data.deploymentId}.`,
  );
  io.out(`Live at ${data.url}`);
  for (const blocked of data.blockedCustomDomains ?? [])
    io.out(`  not attached: ${blocked.hostname}: ${blocked.message}`);
  return 0;
};
