/**
 * `GET|POST /api/v1/telegram/webhook` (I.6): the bot's webhook. Every message a chat sends the bot is
 * answered with that chat's id and a workflow that deploys to this server with it, so a user can link the
 * chat on their next deploy. The answer goes through the outbox like every other message, so Telegram gets
 * its `{ok:true}` at once whatever the Bot API is doing.
 */
import { Effect, Schema } from "effect";
import { errorResponse, type JsonResponse } from "../errors/errorResponse.js";
import { BadRequest, Forbidden, NotFound, Unauthorized } from "../errors/httpErrors.js";
import { startReplyText } from "../notifications/messages.js";
import { DEFAULT_SUBSCRIBED_EVENTS } from "../notifications/subscriptions.js";
import type { PlatformConfig } from "../platformConfig.js";
import { Ids } from "../ports/Ids.js";
import { NotificationStore } from "../ports/NotificationStore.js";
import { platformOrigin } from "./agentApi.js";

export const TELEGRAM_WEBHOOK_PATH = "/api/v1/telegram/webhook";

/** The header Telegram sends the `secret_token` of `setWebhook` in. */
export const TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token";

export const telegramWebhookMessages = {
  notConfigured: "Telegram notifications are not configured on this server.",
  noSecret: "This server has no Telegram webhook secret configured, so it accepts no bot updates.",
  invalidSecret: "Invalid Telegram webhook secret.",
  invalidUpdate: "Invalid Telegram update.",
} as const;

const Chat = Schema.Struct({ id: Schema.Union([Schema.Number, Schema.String]) });
const Message = Schema.Struct({ chat: Chat });

/** The parts of a Bot API `Update` the webhook reads; anything else in it is ignored. */
const TelegramUpdate = Schema.Struct({
  message: Schema.optional(Message),
  edited_message: Schema.optional(Message),
  channel_post: Schema.optional(Message),
});

const decodeUpdate = Schema.decodeUnknownOption(TelegramUpdate);

/** The chat an update came from, as the Bot API's `chat_id` (a decimal string), or `undefined`. */
export const updateChatId = (update: unknown): string | undefined => {
  const decoded = decodeUpdate(update);
  if (decoded._tag === "None") return undefined;
  const message = decoded.value.message ?? decoded.value.channel_post ?? decoded.value.edited_message;
  return message === undefined ? undefined : String(message.chat.id);
};

/** Equal strings, compared in time that does not depend on where they differ. */
const sameSecret = (given: string, expected: string): boolean => {
  let difference = given.length ^ expected.length;
  for (let index = 0; index < expected.length; index += 1)
    difference |= (given.charCodeAt(index) || 0) ^ expected.charCodeAt(index);
  return difference === 0;
};

export const deployUrlOf = (config: PlatformConfig): string => `${platformOrigin(config)}/api/v1/deploy`;

const json = (body: unknown): Response =>
  new Response(JSON.stringify(body), {
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });

const toResponse = (answer: JsonResponse): Response =>
  new Response(answer.body, { status: answer.status, headers: answer.headers });

/** `GET`: how to use the bot, for people and agents who find the endpoint. */
export const telegramWebhookInfo = (config: PlatformConfig): Response =>
  config.notifications === null
    ? toResponse(errorResponse(new NotFound({ message: telegramWebhookMessages.notConfigured })))
    : json({
        webhook: TELEGRAM_WEBHOOK_PATH,
        setup:
          "Send /start to the W7S Telegram bot. It replies with this chat's id; add it to the deploy step as telegram-chat-id and W7S links the chat to the repo and environment on the next successful deploy.",
        actionInputs: {
          "deploy-url": deployUrlOf(config),
          "telegram-chat-id": "<the chat id the bot replied with>",
          "telegram-events": DEFAULT_SUBSCRIBED_EVENTS.join(","),
        },
      });

/** `POST`: one Bot API update; the secret is required, then the sending chat gets its reply queued. */
export const answerTelegramWebhook = (request: Request, config: PlatformConfig) =>
  Effect.gen(function* () {
    const settings = config.notifications;
    if (settings === null)
      return toResponse(errorResponse(new NotFound({ message: telegramWebhookMessages.notConfigured })));
    if (settings.webhookSecret === null)
      return toResponse(errorResponse(new Forbidden({ message: telegramWebhookMessages.noSecret })));
    const given = request.headers.get(TELEGRAM_SECRET_HEADER) ?? "";
    if (!sameSecret(given, settings.webhookSecret))
      return toResponse(errorResponse(new Unauthorized({ message: telegramWebhookMessages.invalidSecret })));
    const update = yield* Effect.tryPromise(() => request.json()).pipe(Effect.option);
    if (update._tag === "None" || typeof update.value !== "object" || update.value === null)
      return toResponse(errorResponse(new BadRequest({ message: telegramWebhookMessages.invalidUpdate })));
    const chatId = updateChatId(update.value);
    if (chatId !== undefined) {
      const store = yield* NotificationStore;
      const ids = yield* Ids;
      const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
      yield* store
        .enqueue([
          {
            id: yield* ids.randomUuid(),
            event: "bot_reply",
            createdAt: new Date(now).toISOString(),
            message: {
              chatId,
              text: startReplyText({ chatId, deployUrl: deployUrlOf(config) }),
              parseMode: "MarkdownV2",
            },
          },
        ])
        .pipe(Effect.ignore);
    }
    return json({ ok: true });
  });
