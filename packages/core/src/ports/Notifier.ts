/** Port: the chat service notifications go out through (the Telegram Bot API on every adapter, I.6). */
import { Context, type Effect } from "effect";
import type { NotifyError } from "./PortErrors.js";
import type { ChatMessage, SentMessage } from "./records/Notification.js";

/**
 * Sends (or edits) one message now. Notifications wait in the NotificationStore's outbox and
 * `deliverNotifications` sends them in the background, retrying the failures worth retrying; the one
 * request-path caller is `/api/v1/deploy/status`, which must answer the message id it sent, and falls back
 * to the outbox when this fails or is slow.
 */
export class Notifier extends Context.Service<
  Notifier,
  {
    readonly send: (message: ChatMessage) => Effect.Effect<SentMessage, NotifyError>;
  }
>()("@w7s/core/Notifier") {}
