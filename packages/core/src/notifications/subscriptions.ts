/** Who hears about what (I.6): chat ids a deploy may link, the events a chat subscribes to, the recipients of one event. */
import type { NotificationSettings } from "../platformConfig.js";
import { type ChatLink, NOTIFICATION_EVENTS } from "../ports/records/Notification.js";

/** A numeric chat or user id (groups are negative), or a public `@channel` name. */
const CHAT_ID = /^(?:-?\d{3,32}|@[a-zA-Z0-9_]{5,64})$/;

export const isValidChatId = (chatId: string): boolean => CHAT_ID.test(chatId);

/** What a linked chat hears when the deploy named no events (the action's default `telegram-events`). */
export const DEFAULT_SUBSCRIBED_EVENTS: ReadonlyArray<string> = [
  "deploy_success",
  "deploy_warning",
  "deploy_error",
  "app_suspended",
  "payment_request",
];

const KNOWN_EVENTS = new Set<string>([...NOTIFICATION_EVENTS, "all"]);

/** `x-w7s-telegram-events` as a list of known events; unknown names are dropped, none left means the default. */
export const parseSubscribedEvents = (header: string | null): ReadonlyArray<string> => {
  const events = [
    ...new Set(
      (header ?? "")
        .split(",")
        .map((event) => event.trim().toLowerCase())
        .filter((event) => KNOWN_EVENTS.has(event)),
    ),
  ];
  return events.length === 0 ? DEFAULT_SUBSCRIBED_EVENTS : events;
};

export const wantsEvent = (events: ReadonlyArray<string>, event: string): boolean =>
  events.includes(event) || events.includes("all");

/** The admin chats, the manager chats that take `event`, then the linked chats that subscribed to it; each chat once. */
export const recipientsOf = (
  event: string,
  settings: NotificationSettings,
  links: ReadonlyArray<ChatLink>,
): ReadonlyArray<string> => [
  ...new Set([
    ...(settings.adminChatIds ?? []),
    ...(wantsEvent(settings.managerEvents, event) ? settings.managerChatIds : []),
    ...links.filter((link) => wantsEvent(link.events, event)).map((link) => link.chatId),
  ]),
];
