/**
 * The platform config's parts that need more than a copy from the server settings: AI (E.7), with the hint
 * a 503 gives app developers, and Telegram notifications (I.6).
 */
import { type AiSettings, DEFAULT_AI_MODEL, isValidChatId, type NotificationSettings } from "@w7s/core";
import { type ServerSettings, SettingsError } from "./config.js";

export const AI_CONFIGURATION_HINT =
  "The operator of this w7s-server sets --ai-base-url <OpenAI-compatible API root> (W7S_AI_BASE_URL), --ai-api-key <key> (W7S_AI_API_KEY) and --ai-model @w7s/<name>=<provider model> for each model apps may use (W7S_AI_MODELS).";

/** `ai` and `aiConfigurationHint` of the PlatformConfig. Without a base URL, AI is not configured. */
export const aiSettingsOf = (
  settings: ServerSettings,
): { readonly ai: AiSettings | null; readonly aiConfigurationHint: string } => {
  if (settings.aiBaseUrl === undefined || settings.aiBaseUrl === "")
    return { ai: null, aiConfigurationHint: AI_CONFIGURATION_HINT };
  const models =
    Object.keys(settings.aiModels).length > 0
      ? settings.aiModels
      : // A provider without a mapping serves the first documented model under its own name.
        { [DEFAULT_AI_MODEL]: DEFAULT_AI_MODEL.slice("@w7s/".length) };
  const defaultModel = settings.aiDefaultModel ?? Object.keys(models)[0]!;
  if (!Object.hasOwn(models, defaultModel))
    throw new SettingsError(
      `--ai-default-model ${defaultModel} is not one of the --ai-model names (${Object.keys(models).join(", ")}).`,
    );
  return { ai: { models, defaultModel }, aiConfigurationHint: AI_CONFIGURATION_HINT };
};

/**
 * `notifications` of the PlatformConfig: `null` without a bot token (DECISIONS 11: no built-in chats, so
 * nothing is sent until the operator configures a bot). Manager chat ids must be chat ids.
 */
export const notificationSettingsOf = (settings: ServerSettings): NotificationSettings | null => {
  if (settings.telegramBotToken === undefined || settings.telegramBotToken === "") return null;
  const check = (flag: string, chatIds: readonly string[]) => {
    for (const chatId of chatIds)
      if (!isValidChatId(chatId))
        throw new SettingsError(
          `${flag} ${JSON.stringify(chatId)} is not a Telegram chat id (digits, or @channel).`,
        );
  };
  check("--telegram-chat-id", settings.telegramChatIds);
  check("--telegram-admin-chat-id", settings.telegramAdminChatIds);
  return {
    adminChatIds: settings.telegramAdminChatIds,
    managerChatIds: settings.telegramChatIds,
    managerEvents: settings.telegramEvents,
    webhookSecret:
      settings.telegramWebhookSecret === undefined || settings.telegramWebhookSecret === ""
        ? null
        : settings.telegramWebhookSecret,
  };
};
