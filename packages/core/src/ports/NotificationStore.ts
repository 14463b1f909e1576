/** Port: chats linked to apps, and the durable outbox of messages still to be sent (I.6). */
import { Context, type Effect } from "effect";
import type { StoreError } from "./PortErrors.js";
import type { AppRef } from "./records/AppRef.js";
import type { ChatLink, ClaimedOutboxMessage, OutboxMessage } from "./records/Notification.js";

/**
 * Links are upserted per app and chat id. The outbox hands each message to one claimer at a time: a claim
 * hides it until `leaseMs` has passed, so a delivery cut short (the server died) is simply claimed again.
 */
export class NotificationStore extends Context.Service<
  NotificationStore,
  {
    readonly linkChat: (link: ChatLink) => Effect.Effect<void, StoreError>;
    readonly linkedChats: (app: AppRef) => Effect.Effect<ReadonlyArray<ChatLink>, StoreError>;
    /** Stores messages for delivery now; resolves once they are durable. */
    readonly enqueue: (messages: ReadonlyArray<OutboxMessage>) => Effect.Effect<void, StoreError>;
    /** Leases up to `limit` messages whose time has come, oldest first. */
    readonly claim: (request: {
      readonly limit: number;
      readonly leaseMs: number;
      readonly leaseToken: string;
    }) => Effect.Effect<ReadonlyArray<ClaimedOutboxMessage>, StoreError>;
    /** Removes a message that was sent, or that will never be. */
    readonly remove: (message: ClaimedOutboxMessage) => Effect.Effect<void, StoreError>;
    /** Hides a message until `retryAt` (ISO time), noting why this attempt failed. */
    readonly retryLater: (
      message: ClaimedOutboxMessage,
      retryAt: string,
      error: string,
    ) => Effect.Effect<void, StoreError>;
    /** Messages not yet sent (diagnostics, tests). */
    readonly pending: () => Effect.Effect<number, StoreError>;
  }
>()("@w7s/core/NotificationStore") {}
