/** `w7s usage`: an app's daily usage against its limits (F.10), and what is near or over them. */
import { fetchUsage, resolveCheckEnvironment, usageLogLines } from "@w7s/action";
import { parseArgs, UsageError } from "./args.js";
import type { CommandIo } from "./io.js";
import { appTarget, deployEndpoint } from "./target.js";
import { resolveToken, tokenMessages } from "./token.js";

export const usageUsage = `Usage: w7s usage [options]

  --url <url>              server or deploy endpoint (W7S_DEPLOY_URL)
  --repository <owner/repo> (default: git remote), --environment <name> (default: the branch's)
  --date <YYYY-MM-DD>      the UTC day (default today)
  --json                   print the API's data as JSON
  --token <token>          bearer (default W7S_TOKEN, GITHUB_TOKEN, then \`gh auth token\`)`;

export const usageCommand = async (argv: readonly string[], io: CommandIo): Promise<number> => {
  const { values, flags } = parseArgs(argv, {
    valued: ["url", "repository", "environment", "date", "token", "branch", "sha"],
    booleans: ["json"],
  });
  const deployUrl = deployEndpoint(values.url, io.env);
  const target = appTarget(io.cwd, values, io.env);
  const token = resolveToken(values.token, io.env, io.ghToken);
  if (token === undefined) throw new UsageError(tokenMessages.missing);
  const environment = resolveCheckEnvironment({ explicit: values.environment, branch: target.branch });
  const answer = await fetchUsage(
    deployUrl,
    {
      repository: target.repository,
      environment,
      branch: target.branch,
      commitSha: target.sha,
      deployedAt: values.date === undefined ? new Date().toISOString() : `${values.date}T12:00:00.000Z`,
    },
    token.token,
  );
  if (answer.status < 200 || answer.status >= 300 || answer.body?.status !== "success") {
    io.err(
      `W7S usage request failed (HTTP ${answer.status}): ${answer.body?.error ?? (answer.raw.trim() || "no body")}`,
    );
    return 1;
  }
  const data = answer.body.data ?? {};
  if (flags.has("json")) {
    io.out(JSON.stringify(data, null, 2));
    return 0;
  }
  io.out(`Usage of ${target.repository} (${environment}) on ${data.usage?.date ?? values.date ?? "today"}:`);
  const metrics = Object.entries(data.limits?.metrics ?? {}).filter(([, metric]) => (metric.used ?? 0) > 0);
  if (metrics.length === 0) io.out("  nothing counted yet");
  for (const [name, metric] of metrics)
    io.out(
      `  ${name.padEnd(34)} ${String(metric.used ?? 0).padStart(10)} / ${String(metric.limit ?? "?").padEnd(10)} ${metric.status ?? ""}`,
    );
  if ((data.warnings?.length ?? 0) > 0 || data.appLimitState !== undefined)
    for (const line of usageLogLines(data)) io.out(line);
  else io.out("No usage warnings.");
  return 0;
};
