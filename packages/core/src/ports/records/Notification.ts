/** What the notification ports store: chats linked to an app (I.6 subscriptions) and outgoing messages. */
import { Schema } from "effect";

/** The events a chat may subscribe to (I.6); `all` stands for every one of them. */
export const NOTIFICATION_EVENTS = [
  "deploy_success",
  "deploy_warning",
  "deploy_error",
  "app_suspended",
  "payment_request",
  "usage_warning",
  "usage_collection_error",
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/**
 * A chat linked to `(environment, orgSlug, repoSlug)` by an authenticated deploy that sent
 * `x-w7s-telegram-chat-id` (the reference's `telegram_subscription:v1` record).
 */
export const ChatLink = Schema.Struct({
  version: Schema.Literal(1),
  chatId: Schema.String,
  events: Schema.Array(Schema.String),
  environment: Schema.String,
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  repository: Schema.String,
  branch: Schema.optional(Schema.String),
  commitSha: Schema.optional(Schema.String),
  updatedAt: Schema.String,
  source: Schema.Literal("github_action"),
});
export type ChatLink = typeof ChatLink.Type;

/** One message to one chat, as the Notifier sends it. */
export const ChatMessage = Schema.Struct({
  chatId: Schema.String,
  text: Schema.String,
  /** `MarkdownV2` when the text is formatted; the sender retries without it when Telegram cannot parse it. */
  parseMode: Schema.optional(Schema.Literal("MarkdownV2")),
  /** Edits this earlier message of the chat instead of sending a new one. */
  editMessageId: Schema.optional(Schema.String),
});
export type ChatMessage = typeof ChatMessage.Type;

/** What Telegram knows a sent (or edited) message by; `null` when it did not say. */
export interface SentMessage {
  readonly messageId: string | null;
}

/** A message waiting in the outbox. */
export interface OutboxMessage {
  readonly id: string;
  readonly message: ChatMessage;
  /** What it is about (an event name, or `bot_reply`), for logs and metrics. */
  readonly event: string;
  readonly createdAt: string;
}

/** A message claimed for one delivery attempt; `attempts` counts this one (1 the first time). */
export interface ClaimedOutboxMessage extends OutboxMessage {
  readonly attempts: number;
  readonly leaseToken: string;
}
