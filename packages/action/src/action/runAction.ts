/**
 * The action itself (J.2 step order): Telegram notify-only, install and build, deploy, the usage check and
 * the logs check, each guarded by its inputs. Every failure ends as a message and an exit code, never a
 * stack trace.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  booleanInput,
  type Environment,
  getInput,
  makeRunnerFiles,
  type RunnerFiles,
} from "../actionsRuntime.js";
import { CNAME_COPIED_MESSAGE, copyWorkspaceCname, deployDirectory } from "../deploy.js";
import {
  deployLogLines,
  deploySummaryMarkdown,
  deployWarningCommands,
  deployWarningCount,
} from "../deploySummary.js";
import { clampedInteger, DEFAULT_DEPLOY_URL } from "../endpoints.js";
import { resolveCheckEnvironment } from "../environment.js";
import { formatBytes, formatSeconds, throttled } from "../format.js";
import { makeGitHubClient } from "../githubIssues.js";
import { NetworkError } from "../http.js";
import { fetchLogs, LogsError, logsLogLines, logsMessages, logsSummaryMarkdown } from "../logs.js";
import { defaultOidcAudience, OidcError, requestOidcToken } from "../oidc.js";
import { type ApiAnswer, type DeployData, type Envelope, isSuccess } from "../responses.js";
import { RuntimeValuesError } from "../runtimeValues.js";
import {
  DEFAULT_TELEGRAM_API_URL,
  sendTelegramStatus,
  type TelegramContext,
  telegramStatusText,
} from "../telegram.js";
import {
  fetchUsage,
  hasUsageWarnings,
  upsertUsageIssue,
  usageLogLines,
  usageLookupFailed,
  usageSummaryMarkdown,
  usageTarget,
  type WorkflowRun,
} from "../usage.js";
import { errorCommand, maskCommand, warningCommand } from "../workflowCommands.js";

/** Where the action prints and what it reads; the entry point passes the real process. */
export interface ActionIo {
  readonly env: Environment;
  readonly cwd: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly now?: () => Date;
}

/** The exact texts the action prints. */
export const actionMessages = {
  deployNeedsToken: "W7S deploy requires a GitHub token.",
  usageNeedsToken: "W7S usage check requires a GitHub token.",
  usageNone: "W7S usage warnings: none.",
  usageSkipped: (reason: string) => `W7S usage warnings: skipped (${reason}).`,
  telegramSkipped: "telegram-chat-id was provided, but telegram-bot-token is empty.",
  commandFailed: (name: string, status: number | null) =>
    `The ${name} command failed${status === null ? "" : ` with exit code ${status}`}.`,
} as const;

/** Every input of J.1, plus `oidc`, `oidc-audience`, `telegram-api-url` and `github-token`. */
export const readInputs = (env: Environment) => {
  const input = (name: string) => getInput(env, name);
  return {
    deployUrl: input("deploy-url") || DEFAULT_DEPLOY_URL,
    token: input("token"),
    githubToken: input("github-token") || (env.GITHUB_TOKEN ?? "").trim(),
    oidc: booleanInput(input("oidc"), false),
    oidcAudience: input("oidc-audience"),
    environment: input("environment"),
    installCommand: input("install-command"),
    buildCommand: input("build-command"),
    vars: input("vars"),
    secrets: input("secrets"),
    workingDirectory: input("working-directory") || ".",
    usageWarningsIssue: booleanInput(input("usage-warnings-issue"), true),
    usageCheckOnly: booleanInput(input("usage-check-only"), false),
    logsCheckOnly: booleanInput(input("logs-check-only"), false),
    logsHours: input("logs-hours"),
    logsLimit: input("logs-limit"),
    logsKind: input("logs-kind"),
    logsLevel: input("logs-level"),
    telegramChatId: input("telegram-chat-id") || input("telegram-user-id"),
    telegramEvents:
      input("telegram-events") || "deploy_success,deploy_warning,deploy_error,app_suspended,payment_request",
    telegramBotToken: input("telegram-bot-token"),
    telegramThreadId: input("telegram-thread-id"),
    telegramMessageId: input("telegram-message-id"),
    telegramNotifyOnly: booleanInput(input("telegram-notify-only"), false),
    telegramStatusStage: input("telegram-status-stage") || "start",
    telegramApiUrl: input("telegram-api-url") || DEFAULT_TELEGRAM_API_URL,
  };
};

export type ActionInputs = ReturnType<typeof readInputs>;

/** A failure that ends the run with exit code 1 after its message is printed. */
class StepFailed extends Error {}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Errors the action expects and explains; anything else is still only its message. */
const isKnown = (error: unknown) =>
  error instanceof StepFailed ||
  error instanceof RuntimeValuesError ||
  error instanceof NetworkError ||
  error instanceof OidcError ||
  error instanceof LogsError;

export const runAction = async (io: ActionIo): Promise<number> => {
  const { env } = io;
  const now = io.now ?? (() => new Date());
  const inputs = readInputs(env);
  const files = makeRunnerFiles(env);
  const context = {
    repository: env.GITHUB_REPOSITORY ?? "",
    branch: env.GITHUB_REF_NAME ?? "",
    sha: env.GITHUB_SHA ?? "",
    workspace: env.GITHUB_WORKSPACE,
    temp: env.RUNNER_TEMP || undefined,
    run: {
      serverUrl: env.GITHUB_SERVER_URL || "https://github.com",
      runId: env.GITHUB_RUN_ID,
      runAttempt: env.GITHUB_RUN_ATTEMPT,
      workflow: env.GITHUB_WORKFLOW,
    } satisfies WorkflowRun,
  };
  const workingDirectory = resolve(io.cwd, inputs.workingDirectory);
  const runUrl =
    context.repository && context.run.runId
      ? `${context.run.serverUrl.replace(/\/+$/, "")}/${context.repository}/actions/runs/${context.run.runId}`
      : undefined;
  const telegramContext: TelegramContext = {
    repository: context.repository,
    environment: resolveCheckEnvironment({ explicit: inputs.environment, branch: context.branch }),
    branch: context.branch,
    commitSha: context.sha,
    workflow: context.run.workflow,
    runUrl,
  };
  const messageIdFile =
    context.temp === undefined ? undefined : join(context.temp, "w7s-telegram-message-id");

  /** J.6: send or edit the status message; never fails the run. */
  const notifyTelegram = async (
    stage: string,
    answer?: ApiAnswer<Envelope<DeployData>>,
  ): Promise<string | undefined> => {
    if (inputs.telegramChatId === "") return undefined;
    if (inputs.telegramBotToken === "") {
      if (inputs.telegramMessageId !== "" || inputs.telegramNotifyOnly)
        io.out(warningCommand(actionMessages.telegramSkipped, "W7S Telegram notification skipped"));
      return undefined;
    }
    try {
      const stored =
        messageIdFile !== undefined && existsSync(messageIdFile)
          ? readFileSync(messageIdFile, "utf8").trim()
          : "";
      const messageId = stored || inputs.telegramMessageId || undefined;
      const id = await sendTelegramStatus(
        {
          apiUrl: inputs.telegramApiUrl,
          botToken: inputs.telegramBotToken,
          chatId: inputs.telegramChatId,
          threadId: inputs.telegramThreadId,
        },
        telegramStatusText({
          stage,
          context: telegramContext,
          httpStatus: answer?.status,
          response: answer?.body,
        }),
        messageId,
      );
      if (id !== undefined) {
        if (messageIdFile !== undefined) writeFileSync(messageIdFile, id);
        files.setOutput("telegram-message-id", id);
      }
      return id;
    } catch (error) {
      io.out(warningCommand(messageOf(error), "W7S deploy status notification failed"));
      return undefined;
    }
  };

  /** The bearer sent to W7S: an OIDC token when asked for, else the `token` input, else the workflow token. */
  const w7sToken = async (missing: string): Promise<string> => {
    if (inputs.oidc) {
      const token = await requestOidcToken({
        requestUrl: env.ACTIONS_ID_TOKEN_REQUEST_URL,
        requestToken: env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
        audience: inputs.oidcAudience || defaultOidcAudience(inputs.deployUrl),
      });
      io.out(maskCommand(token));
      return token;
    }
    const token = inputs.token || inputs.githubToken;
    if (token === "") throw new StepFailed(missing);
    return token;
  };

  const runCommand = (name: string, command: string) => {
    if (command === "") return;
    io.out(`W7S ${name}: ${command}`);
    const result = spawnSync("bash", ["-eo", "pipefail", "-c", command], {
      cwd: workingDirectory,
      env: env as NodeJS.ProcessEnv,
      stdio: "inherit",
    });
    if (result.status !== 0) throw new StepFailed(actionMessages.commandFailed(name, result.status));
  };

  const usageCheck = async (
    token: string,
    deploy: DeployData | undefined,
    checkOnly: boolean,
    summary: RunnerFiles,
  ) => {
    const target = usageTarget(deploy, {
      repository: context.repository,
      branch: context.branch,
      environment: inputs.environment,
      commitSha: context.sha,
      now: now(),
    });
    let answer: Awaited<ReturnType<typeof fetchUsage>>;
    try {
      answer = await fetchUsage(inputs.deployUrl, target, token);
    } catch (error) {
      io.out(actionMessages.usageSkipped(messageOf(error)));
      return;
    }
    const skipped = usageLookupFailed(answer);
    if (skipped !== undefined) {
      io.out(skipped);
      return;
    }
    const usage = answer.body?.data ?? {};
    if (!hasUsageWarnings(usage)) {
      io.out(actionMessages.usageNone);
      return;
    }
    for (const line of usageLogLines(usage)) io.out(line);
    const issue = !inputs.usageWarningsIssue
      ? { skipped: "`usage-warnings-issue` is disabled." }
      : inputs.githubToken === ""
        ? { skipped: "missing GitHub token or repository." }
        : await upsertUsageIssue({
            github: makeGitHubClient({ apiUrl: env.GITHUB_API_URL, token: inputs.githubToken }),
            target,
            usage,
            checkOnly,
            run: context.run,
            now: now(),
          });
    io.out(
      "skipped" in issue
        ? `W7S usage warnings issue skipped: ${issue.skipped}`
        : `W7S usage warnings issue ${issue.action}: ${issue.url}`,
    );
    summary.appendSummary(usageSummaryMarkdown(usage, issue, checkOnly));
  };

  const deployStep = async () => {
    const token = await w7sToken(actionMessages.deployNeedsToken);
    await notifyTelegram("start");
    if (copyWorkspaceCname(workingDirectory, context.workspace)) io.out(CNAME_COPIED_MESSAGE);
    io.out(`W7S deploy: packaging ${workingDirectory}`);
    const packagingStarted = Date.now();
    let packagedFiles = 0;
    let packagedBytes = 0;
    const outcome = await deployDirectory(
      workingDirectory,
      {
        deployUrl: inputs.deployUrl,
        environment: inputs.environment,
        token,
        repository: context.repository,
        branch: context.branch,
        sha: context.sha,
        vars: inputs.vars,
        secrets: inputs.secrets,
        environmentVariables: env,
        telegram: { chatId: inputs.telegramChatId, events: inputs.telegramEvents },
      },
      {
        packaging: throttled(
          (progress) => {
            packagedFiles = progress.files;
            packagedBytes = progress.bytes;
            io.out(
              `W7S deploy: packaged ${progress.files}/${progress.totalFiles} files, ${formatBytes(progress.bytes)} (${formatSeconds(progress.elapsedMs)})`,
            );
          },
          (progress) => progress.files === progress.totalFiles,
        ),
        upload: throttled(
          (progress) =>
            io.out(
              `W7S deploy: uploaded ${formatBytes(progress.sentBytes)} of ${formatBytes(progress.totalBytes)} (${Math.round((progress.sentBytes / Math.max(progress.totalBytes, 1)) * 100)}%, ${formatSeconds(progress.elapsedMs)})`,
            ),
          (progress) => progress.sentBytes === progress.totalBytes,
        ),
      },
    );
    io.out(
      `W7S deploy: ${outcome.packaged.files.length || packagedFiles} files, ${formatBytes(outcome.packaged.uncompressedBytes || packagedBytes)} zipped to ${formatBytes(outcome.packaged.zip.byteLength)} in ${formatSeconds(Date.now() - packagingStarted - outcome.uploadMs)}; answered in ${formatSeconds(outcome.uploadMs)}`,
    );
    const { answer } = outcome;
    if (context.temp !== undefined) writeFileSync(join(context.temp, "w7s-deploy-response.json"), answer.raw);
    for (const line of deployLogLines(answer)) io.out(line);
    for (const command of deployWarningCommands(answer)) io.out(command);
    files.appendSummary(deploySummaryMarkdown(answer));
    const success = isSuccess(answer);
    await notifyTelegram(
      success ? (deployWarningCount(answer.body?.data) > 0 ? "warning" : "success") : "error",
      answer,
    );
    if (!success) {
      io.err(
        errorCommand(answer.body?.error ?? `W7S deploy failed (HTTP ${answer.status}).`, "W7S deploy failed"),
      );
      return 1;
    }
    const data = answer.body?.data;
    if (data?.url !== undefined) files.setOutput("url", data.url);
    if (data?.deployment?.environment !== undefined)
      files.setOutput("environment", data.deployment.environment);
    await usageCheck(token, data, false, files);
    return 0;
  };

  const logsCheck = async () => {
    const token = await w7sToken(logsMessages.missingToken);
    const environment = resolveCheckEnvironment({ explicit: inputs.environment, branch: context.branch });
    const { url, answer } = await fetchLogs(
      inputs.deployUrl,
      context.repository,
      {
        environment,
        hours: clampedInteger(inputs.logsHours, 1, 1, 168),
        limit: clampedInteger(inputs.logsLimit, 50, 1, 500),
        kind: inputs.logsKind,
        level: inputs.logsLevel,
      },
      token,
    );
    const logs = answer.body?.data?.logs;
    const fallback = { repository: context.repository, environment };
    for (const line of logsLogLines(logs, fallback, url)) io.out(line);
    files.setOutput("logs-count", String(logs?.records?.length ?? 0));
    files.setOutput("logs-url", url.toString());
    files.appendSummary(logsSummaryMarkdown(logs, fallback, url));
  };

  try {
    if (inputs.telegramNotifyOnly) {
      await notifyTelegram(inputs.telegramStatusStage);
      return 0;
    }
    const checkOnly = inputs.usageCheckOnly || inputs.logsCheckOnly;
    if (!checkOnly) {
      runCommand("install", inputs.installCommand);
      runCommand("build", inputs.buildCommand);
      try {
        return await deployStep();
      } catch (error) {
        await notifyTelegram("error");
        throw error;
      }
    }
    if (inputs.usageCheckOnly) {
      const token = await w7sToken(actionMessages.usageNeedsToken);
      await usageCheck(token, undefined, true, files);
    }
    if (inputs.logsCheckOnly) await logsCheck();
    return 0;
  } catch (error) {
    const message = messageOf(error);
    io.err(isKnown(error) ? message : `W7S action failed: ${message}`);
    io.out(errorCommand(message));
    return 1;
  }
};
