/** Port: the chat service notifications go out through (the Telegram Bot API on every adapter, I.6). */
import { Context, type Effect } from "effect";
import type { NotifyError } from "./PortErrors.js";
import type { ChatMessage } from "./records/Notification.js";

/**
 * Sends one message now. The core never calls this on a request path: messages wait in the
 * NotificationStore's outbox and `deliverNotifications` sends them in the background, retrying the
 * failures worth retrying.
 */
export class Notifier extends Context.Service<
  Notifier,
  {
    readonly send: (message: ChatMessage) => Effect.Effect<void, NotifyError>;
  }
>()("@w7s/core/Notifier") {}
