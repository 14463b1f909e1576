/**
 * The usage check (J.4): read the repository's usage for the deployed day, print its warnings, add them to
 * the step summary and open or update one GitHub issue per repository, environment and day.
 */
import { splitRepository, usageUrl } from "./endpoints.js";
import { resolveCheckEnvironment, utcDate } from "./environment.js";
import { cell, code, text } from "./format.js";
import type { GitHubClient, GitHubIssue } from "./githubIssues.js";
import { requestJson } from "./http.js";
import {
  type ApiAnswer,
  asArray,
  type DeployData,
  type DeploymentInfo,
  type Envelope,
  isSuccess,
  type UsageData,
} from "./responses.js";

/** What the usage check is about: from the deploy response, or from the workflow's context. */
export interface UsageTarget {
  readonly repository: string;
  readonly environment: string;
  readonly branch: string;
  readonly commitSha: string;
  /** The deploy's time; its UTC date is the day checked. */
  readonly deployedAt: string;
  /** The deployed app's URL (absent in usage-only mode). */
  readonly deploymentUrl?: string | undefined;
}

/** J.4 "Target": the deploy response's `data.deployment`, else the given context. */
export const usageTarget = (
  deploy: DeployData | undefined,
  context: {
    readonly repository: string;
    readonly branch: string;
    readonly environment?: string | undefined;
    readonly commitSha: string;
    readonly now?: Date;
  },
): UsageTarget => {
  const deployment: DeploymentInfo | undefined = deploy?.deployment;
  const branch = deployment?.branch ?? context.branch;
  return {
    repository: deployment?.repository ?? context.repository,
    branch,
    environment: resolveCheckEnvironment({
      deployed: deployment?.environment,
      explicit: context.environment,
      branch,
    }),
    commitSha: deployment?.commitSha ?? context.commitSha,
    deployedAt: deployment?.deployedAt ?? (context.now ?? new Date()).toISOString(),
    deploymentUrl: deploy?.url,
  };
};

/** `GET <api>/usage/<owner>/<repo>?date=&environment=` with only the bearer (J.4). */
export const fetchUsage = (
  deployUrl: string,
  target: UsageTarget,
  token: string,
): Promise<ApiAnswer<Envelope<UsageData>>> => {
  const repository = splitRepository(target.repository);
  if (repository === undefined)
    throw new Error("W7S usage check requires a GitHub repository in owner/repo form.");
  const url = usageUrl(deployUrl, repository, {
    date: utcDate(target.deployedAt),
    environment: target.environment,
  });
  return requestJson<Envelope<UsageData>>(url, { headers: { authorization: `Bearer ${token}` } });
};

/** Whether a usage answer has something to warn about (metric warnings or a suspension). */
export const hasUsageWarnings = (usage: UsageData | undefined): boolean =>
  asArray(usage?.warnings).length > 0 || usage?.appLimitState !== undefined;

/** The issue's title, marker and the legacy marker of older action versions. */
export const usageIssueTitle = (environment: string, date: string): string =>
  `W7S usage warning for ${environment} on ${date}`;
export const usageIssueMarker = (environment: string, date: string): string =>
  `<!-- w7s-usage-warnings:${environment}:${date} -->`;
const legacyMarker = (environment: string) => `<!-- w7s-usage-warnings:${environment} -->`;
const legacyTitle = (environment: string) => `W7S usage warning for ${environment}`;

/** The workflow run this check belongs to (`GITHUB_SERVER_URL`, `GITHUB_RUN_ID`, ...). */
export interface WorkflowRun {
  readonly serverUrl: string;
  readonly runId?: string | undefined;
  readonly runAttempt?: string | undefined;
  readonly workflow?: string | undefined;
}

/** The issue body: marker first, then the facts, the warnings table and two closing sentences. */
export const usageIssueBody = (input: {
  readonly target: UsageTarget;
  readonly usage: UsageData;
  readonly date: string;
  readonly checkOnly: boolean;
  readonly run: WorkflowRun;
  readonly checkedAt: Date;
}): string => {
  const { target, usage, date, run } = input;
  const server = run.serverUrl.replace(/\/+$/, "");
  const warnings = asArray(usage.warnings);
  const state = usage.appLimitState;
  const lines = [
    usageIssueMarker(target.environment, date),
    "",
    input.checkOnly
      ? "A W7S usage check found this repository near or over its daily limits."
      : "W7S reported that this repository is near or over its daily limits after a deploy.",
    "",
    `- Repository: ${code(target.repository)}`,
    `- Environment: ${code(target.environment)}`,
    `- Date: ${code(date)}`,
    `- Last checked: ${code(input.checkedAt.toISOString())}`,
    `- Branch: ${code(target.branch || undefined)}`,
    `- Commit: ${target.commitSha ? `[${target.commitSha.slice(0, 12)}](${server}/${target.repository}/commit/${target.commitSha})` : code(undefined)}`,
    input.checkOnly
      ? "- Check: usage only"
      : `- Deployment: ${target.deploymentUrl ? `[${target.deploymentUrl}](${target.deploymentUrl})` : code(undefined)}`,
  ];
  if (run.runId !== undefined && run.runId !== "") {
    const attempt = run.runAttempt ? ` (attempt ${run.runAttempt})` : "";
    lines.push(
      `- Workflow run: [${text(run.workflow || "workflow")}](${server}/${target.repository}/actions/runs/${run.runId})${attempt}`,
    );
  }
  if (usage.usage?.cloudflareSyncedAt !== undefined)
    lines.push(`- Cloudflare usage synced at: ${code(usage.usage.cloudflareSyncedAt)}`);
  if (Array.isArray(usage.usage?.cloudflareHours))
    lines.push(`- Cloudflare hourly records: ${code(usage.usage.cloudflareHours.length)}`);
  if (state !== undefined) {
    lines.push(`- App status: ${code(state.status)}`);
    if (state.reason !== undefined) lines.push(`- Reason: ${state.reason}`);
    if (state.resumeAfter !== undefined) lines.push(`- Resume after: ${code(state.resumeAfter)}`);
  }
  lines.push("");
  if (warnings.length > 0) {
    lines.push("| Metric | Status | Used | Limit | Remaining |", "| --- | --- | ---: | ---: | ---: |");
    for (const warning of warnings)
      lines.push(
        `| ${cell(warning.metric)} | ${cell(warning.status)} | ${cell(warning.used)} | ${cell(warning.limit)} | ${cell(warning.remaining)} |`,
      );
  } else {
    lines.push("No metric warnings were returned by the usage check; see the app status above.");
  }
  lines.push(
    "",
    "W7S returns HTTP `429` when a request would exceed an enforced daily limit.",
    "The W7S deploy action updates this issue while the warnings continue for this environment and day.",
  );
  return lines.join("\n");
};

/** What happened to the issue: opened, updated, reopened, or skipped with a reason. */
export type IssueOutcome =
  | { readonly action: "opened" | "updated" | "reopened"; readonly number: number; readonly url: string }
  | { readonly skipped: string };

const failure = (what: string, answer: ApiAnswer<unknown>) =>
  `GitHub ${what} failed (HTTP ${answer.status}${answer.raw ? `: ${answer.raw.slice(0, 180)}` : ""}).`;

/**
 * Finds the issue of this environment and day (marker or title; the legacy marker and title only when the
 * usage day is the deployment's day) across every page of issues, then updates it (reopening it when
 * closed) or creates it. Failures are reported as skipped, never thrown.
 */
export const upsertUsageIssue = async (input: {
  readonly github: GitHubClient;
  readonly target: UsageTarget;
  readonly usage: UsageData;
  readonly checkOnly: boolean;
  readonly run: WorkflowRun;
  readonly now?: Date;
}): Promise<IssueOutcome> => {
  const repository = splitRepository(input.target.repository);
  if (repository === undefined) return { skipped: "repository is not in owner/repo form." };
  const now = input.now ?? new Date();
  const date = input.usage.usage?.date ?? utcDate(input.target.deployedAt, now);
  const environment = input.target.environment;
  const title = usageIssueTitle(environment, date);
  const marker = usageIssueMarker(environment, date);
  const legacyAllowed = date === utcDate(input.target.deployedAt, now);
  const matches = (issue: GitHubIssue) => {
    const body = issue.body ?? "";
    if (body.includes(marker) || issue.title === title) return true;
    return (
      legacyAllowed && body.includes(legacyMarker(environment)) && issue.title === legacyTitle(environment)
    );
  };
  const body = usageIssueBody({ ...input, date, checkedAt: now });
  try {
    const lookup = await input.github.findIssue(repository, matches);
    if (lookup.failed !== undefined) return { skipped: failure("issues lookup", lookup.failed) };
    const existing = lookup.found;
    if (existing === undefined) {
      const created = await input.github.createIssue(repository, { title, body });
      if (created.status < 200 || created.status >= 300) return { skipped: failure("issue create", created) };
      return { action: "opened", number: created.body?.number ?? 0, url: created.body?.html_url ?? "" };
    }
    const reopen = existing.state === "closed";
    const updated = await input.github.updateIssue(repository, existing.number, {
      title,
      body,
      ...(reopen ? { state: "open" as const } : {}),
    });
    if (updated.status < 200 || updated.status >= 300) return { skipped: failure("issue update", updated) };
    return {
      action: reopen ? "reopened" : "updated",
      number: existing.number,
      url: updated.body?.html_url ?? existing.html_url ?? "",
    };
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  }
};

/** The log lines of the usage warnings. */
export const usageLogLines = (usage: UsageData): string[] => {
  const lines = ["W7S usage warnings:"];
  for (const warning of asArray(usage.warnings))
    lines.push(
      `- ${text(warning.metric)} ${text(warning.status)}: ${text(warning.used)}/${text(warning.limit)} daily units`,
    );
  if (usage.appLimitState !== undefined)
    lines.push(`- app ${text(usage.appLimitState.status)}: ${text(usage.appLimitState.reason)}`);
  return lines;
};

const ISSUE_LABELS = {
  opened: "Opened issue",
  updated: "Updated issue",
  reopened: "Reopened issue",
} as const;

/** The `#### ⚠️ W7S Usage Warnings` block of the step summary. */
export const usageSummaryMarkdown = (usage: UsageData, issue: IssueOutcome, checkOnly: boolean): string => {
  const state = usage.appLimitState;
  const lines = [
    "",
    "#### ⚠️ W7S Usage Warnings",
    "",
    checkOnly
      ? "This usage check found the repo near or over one or more daily limits."
      : "This deployment succeeded, but the repo is near or over one or more daily limits.",
    "",
  ];
  if (usage.usage?.cloudflareSyncedAt !== undefined)
    lines.push(`- Cloudflare usage synced at: ${code(usage.usage.cloudflareSyncedAt)}`);
  if (asArray(usage.usage?.cloudflareHours).length > 0)
    lines.push(`- Cloudflare hourly records: ${code(asArray(usage.usage?.cloudflareHours).length)}`);
  if (state !== undefined) {
    lines.push(`- App status: ${code(state.status)}`);
    if (state.reason !== undefined) lines.push(`- Reason: ${state.reason}`);
    if (state.resumeAfter !== undefined) lines.push(`- Resume after: ${code(state.resumeAfter)}`);
  }
  if (usage.usage?.cloudflareSyncedAt !== undefined || state !== undefined) lines.push("");
  for (const warning of asArray(usage.warnings))
    lines.push(
      `- ${code(warning.metric ?? "unknown")} ${code(warning.status ?? "warning")}: ${code(warning.used)} used of ${code(warning.limit)} daily units, ${code(warning.remaining)} remaining.`,
    );
  lines.push("", "W7S returns HTTP `429` when a request would exceed an enforced daily limit.", "");
  lines.push(
    "action" in issue
      ? `${ISSUE_LABELS[issue.action]}: [#${issue.number}](${issue.url})`
      : `Issue notification skipped: ${issue.skipped}`,
  );
  return `${lines.join("\n")}\n`;
};

/** Whether a usage answer can be used; otherwise the check is skipped with the J.4 line. */
export const usageLookupFailed = (answer: ApiAnswer<Envelope<UsageData>>): string | undefined =>
  isSuccess(answer) ? undefined : `W7S usage warnings: skipped usage lookup (HTTP ${answer.status}).`;
