/** The core's Notifier port over the Bot API client: the same Layer serves the Node server and a Worker. */
import { Notifier, NotifyError, type NotifyErrorReason } from "@w7s/core";
import { Effect, Layer } from "effect";
import { type BotApiAnswer, type BotApiTarget, sendTelegramMessage } from "./botApi.js";

const OPERATION = "Notifier.send";

/** Which NotifyError a failed call is: outages and 429s are worth retrying, refusals are not. */
export const notifyErrorOf = (answer: Exclude<BotApiAnswer<unknown>, { ok: true }>): NotifyError => {
  if (answer.kind !== "refused")
    return new NotifyError({
      reason: answer.kind === "timeout" ? "Timeout" : "Unavailable",
      operation: OPERATION,
      description: answer.description,
    });
  const reason: NotifyErrorReason =
    answer.status === 429
      ? "RateLimited"
      : answer.status >= 500
        ? "Unavailable"
        : // 401 is a wrong token, 404 a malformed one: either way the operator's setting is at fault.
          answer.status === 401 || answer.status === 404
          ? "Misconfigured"
          : "Rejected";
  return new NotifyError({
    reason,
    operation: OPERATION,
    description: `HTTP ${answer.status}: ${answer.description}`,
    ...(answer.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: answer.retryAfterSeconds }),
  });
};

export const makeTelegramNotifier = (target: BotApiTarget): Notifier["Service"] => ({
  send: (message) =>
    Effect.promise((signal) =>
      sendTelegramMessage(
        target,
        {
          chatId: message.chatId,
          text: message.text,
          ...(message.parseMode === undefined ? {} : { parseMode: message.parseMode }),
          ...(message.editMessageId === undefined ? {} : { messageId: message.editMessageId }),
        },
        signal,
      ),
    ).pipe(
      Effect.flatMap((answer) =>
        answer.ok
          ? Effect.succeed({ messageId: answer.result.messageId ?? null })
          : Effect.fail(notifyErrorOf(answer)),
      ),
    ),
});

/** Sends nothing: every message fails as `Misconfigured` (the core queues none while no bot is configured). */
export const disabledNotifier: Notifier["Service"] = {
  send: () =>
    Effect.fail(
      new NotifyError({
        reason: "Misconfigured",
        operation: OPERATION,
        description: "No Telegram bot token is configured on this server.",
      }),
    ),
};

/** The Telegram Notifier when a bot token is configured, else one that sends nothing. */
export const telegramNotifierLayer = (target: BotApiTarget | undefined): Layer.Layer<Notifier> =>
  Layer.succeed(
    Notifier,
    target === undefined || target.botToken === "" ? disabledNotifier : makeTelegramNotifier(target),
  );
