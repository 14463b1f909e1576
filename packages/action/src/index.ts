/**
 * Public API of @w7s/action: the packaging and API client behind the W7S GitHub Action (and the `w7s` CLI):
 * zip a directory as the official action does, build its runtime values, deploy it, read usage and logs,
 * list deployments and roll back, upsert the usage-warning issue, format step summaries, Telegram status
 * messages and OIDC tokens.
 */
export {
  type ActionInputs,
  type ActionIo,
  actionMessages,
  readInputs,
  runAction,
} from "./action/runAction.js";
export {
  booleanInput,
  type Environment,
  getInput,
  makeRunnerFiles,
  parseOutputFile,
} from "./actionsRuntime.js";
export {
  CNAME_COPIED_MESSAGE,
  copyWorkspaceCname,
  type DeployOutcome,
  type DeployRequestOptions,
  deployDirectory,
  deployHeaders,
} from "./deploy.js";
export {
  type DeploymentHistoryData,
  type DeploymentsTarget,
  fetchDeploymentHistory,
  type HistoryEntry,
  type RollbackData,
  rollbackDeployment,
} from "./deployments.js";
export {
  DEPLOY_WARNING_TITLE,
  deployLogLines,
  deploySummaryMarkdown,
  deployWarningCommands,
  deployWarningCount,
} from "./deploySummary.js";
export {
  apiRootOf,
  clampedInteger,
  DEFAULT_DEPLOY_URL,
  deployUrlWithEnvironment,
  type LogsQuery,
  logsUrl,
  splitRepository,
  usageUrl,
} from "./endpoints.js";
export { resolveCheckEnvironment, utcDate } from "./environment.js";
export { formatBytes, formatSeconds, throttled } from "./format.js";
export { type GitHubClient, type GitHubIssue, makeGitHubClient, nextPageUrl } from "./githubIssues.js";
export { NetworkError, requestJson, type UploadProgress, uploadBytes } from "./http.js";
export {
  fetchLogs,
  LogsError,
  logRecordLine,
  logsLogLines,
  logsMessages,
  logsSummaryMarkdown,
  recordMessage,
} from "./logs.js";
export { defaultOidcAudience, OidcError, oidcMessages, requestOidcToken } from "./oidc.js";
export {
  type ApiAnswer,
  type DeployData,
  type DeploymentWarning,
  describeFailure,
  type Envelope,
  isSuccess,
  type LogRecordView,
  type LogsData,
  parseJson,
  type UsageData,
  type UsageWarning,
} from "./responses.js";
export {
  collectValues,
  type DeclaredNames,
  encodeRuntimeValues,
  RuntimeValuesError,
  readDeclaredNames,
  runtimeValueHeaders,
  runtimeValuesErrorMessages,
  splitNames,
} from "./runtimeValues.js";
export {
  DEFAULT_TELEGRAM_API_URL,
  sendTelegramStatus,
  TELEGRAM_STAGE_LABELS,
  type TelegramContext,
  type TelegramTarget,
  telegramStatusText,
} from "./telegram.js";
export {
  fetchUsage,
  hasUsageWarnings,
  type IssueOutcome,
  type UsageTarget,
  upsertUsageIssue,
  usageIssueBody,
  usageIssueMarker,
  usageIssueTitle,
  usageLogLines,
  usageSummaryMarkdown,
  usageTarget,
  type WorkflowRun,
} from "./usage.js";
export { errorCommand, maskCommand, warningCommand } from "./workflowCommands.js";
export {
  ACTION_EXCLUDE_PATTERNS,
  deployFiles,
  isExcludedFromDeploy,
  type PackagedDirectory,
  type PackagingProgress,
  packageDirectory,
  zipDirectory,
} from "./zipDirectory.js";
