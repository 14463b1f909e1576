/**
 * The action's direct Telegram status messages (J.6): one message per run, sent at the start and edited as
 * the deploy goes on, through the shared Bot API client of `@w7s/telegram` at a configurable base URL.
 */
import { DEFAULT_TELEGRAM_API_URL, sendTelegramMessage } from "@w7s/telegram";
import { NetworkError } from "./http.js";
import { asArray, type DeployData, type Envelope } from "./responses.js";

export { DEFAULT_TELEGRAM_API_URL };

/** The stages of a status message and their labels (I.6). */
export const TELEGRAM_STAGE_LABELS: Readonly<Record<string, string>> = {
  start: "Deployment started",
  package: "Packaging repository",
  upload: "Uploading archive",
  success: "Deployment completed",
  warning: "Deployment completed with warnings",
  error: "Deployment failed",
};

/** What the message says about the run. */
export interface TelegramContext {
  readonly repository: string;
  readonly environment: string;
  readonly branch: string;
  readonly commitSha: string;
  readonly workflow?: string | undefined;
  readonly runUrl?: string | undefined;
}

/** The plain-text message (at most 4096 characters, no parse mode). */
export const telegramStatusText = (input: {
  readonly stage: string;
  readonly context: TelegramContext;
  readonly httpStatus?: number | undefined;
  readonly response?: Envelope<DeployData> | undefined;
}): string => {
  const deployment = input.response?.data?.deployment;
  const data = input.response?.data;
  const warnings =
    asArray(data?.deploymentWarnings).length +
    asArray(data?.customDomainWarnings).length +
    asArray(data?.blockedCustomDomains).length;
  const value = (candidate: string | undefined, fallback: string) =>
    candidate !== undefined && candidate.trim() !== "" ? candidate.trim() : fallback;
  const lines = [
    `W7S ${TELEGRAM_STAGE_LABELS[input.stage] ?? value(input.stage, "Deployment update")}`,
    "",
    `Repository: ${value(deployment?.repository ?? input.context.repository, "n/a")}`,
    `Environment: ${value(deployment?.environment ?? input.context.environment, "production")}`,
    `Branch: ${value(deployment?.branch ?? input.context.branch, "n/a")}`,
    `Commit: ${value(deployment?.commitSha ?? input.context.commitSha, "n/a").slice(0, 12)}`,
  ];
  if (input.context.workflow) lines.push(`Workflow: ${input.context.workflow}`);
  if (data?.url) lines.push(`URL: ${data.url}`);
  if (input.httpStatus) lines.push(`HTTP: ${input.httpStatus}`);
  if (warnings > 0) lines.push(`Warnings: ${warnings}`);
  const error = input.response?.error ?? input.response?.message;
  if (error) lines.push(`Error: ${String(error).slice(0, 300)}`);
  if (input.context.runUrl) lines.push("", input.context.runUrl);
  return lines.join("\n").slice(0, 4096);
};

export interface TelegramTarget {
  readonly apiUrl: string;
  readonly botToken: string;
  readonly chatId: string;
  readonly threadId?: string | undefined;
}

/**
 * Sends the status message, or edits `messageId` when given; answers the message id. A Bot API refusal
 * throws with Telegram's `description`, an unreachable API with a `NetworkError`; "message is not
 * modified" counts as success.
 */
export const sendTelegramStatus = async (
  target: TelegramTarget,
  text: string,
  messageId?: string,
): Promise<string | undefined> => {
  const answer = await sendTelegramMessage(
    { apiUrl: target.apiUrl || DEFAULT_TELEGRAM_API_URL, botToken: target.botToken },
    { chatId: target.chatId, text, threadId: target.threadId, messageId },
  );
  if (answer.ok) return answer.result.messageId;
  if (answer.kind === "refused") throw new Error(answer.description);
  throw new NetworkError(answer.description);
};
