/**
 * The action's direct Telegram status messages (J.6): one message per run, sent at the start and edited as
 * the deploy goes on, through the Bot API at a configurable base URL (`https://api.telegram.org`).
 */
import { requestJson } from "./http.js";
import { asArray, type DeployData, type Envelope } from "./responses.js";

export const DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org";

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
 * throws with Telegram's `description`; "message is not modified" counts as success.
 */
export const sendTelegramStatus = async (
  target: TelegramTarget,
  text: string,
  messageId?: string,
): Promise<string | undefined> => {
  const method = messageId ? "editMessageText" : "sendMessage";
  const body = {
    chat_id: target.chatId,
    text,
    disable_web_page_preview: true,
    ...(target.threadId ? { message_thread_id: target.threadId } : {}),
    ...(messageId ? { message_id: messageId } : {}),
  };
  const base = (target.apiUrl || DEFAULT_TELEGRAM_API_URL).replace(/\/+$/, "");
  const answer = await requestJson<{ ok?: boolean; description?: string; result?: { message_id?: number } }>(
    `${base}/bot${target.botToken}/${method}`,
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
  );
  if (answer.status < 200 || answer.status >= 300 || answer.body?.ok === false) {
    const description = answer.body?.description ?? `HTTP ${answer.status}`;
    if (description.toLowerCase().includes("message is not modified")) return messageId;
    throw new Error(description);
  }
  const id = answer.body?.result?.message_id;
  return id === undefined ? messageId : String(id);
};
