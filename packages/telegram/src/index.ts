/** Public API of @w7s/telegram: the Bot API client (values, never throws) and the Notifier Layer over it. */
export {
  type BotApiAnswer,
  type BotApiTarget,
  callBotApi,
  DEFAULT_TELEGRAM_API_URL,
  type SentTelegramMessage,
  sendTelegramMessage,
  type TelegramMessageRequest,
} from "./botApi.js";
export {
  disabledNotifier,
  makeTelegramNotifier,
  notifyErrorOf,
  telegramNotifierLayer,
} from "./telegramNotifier.js";
