/** Notifications on Node: chat links and the outbox in the control-plane database, Telegram as the Notifier. */
export { makeTelegramNotifier, telegramNotifierLayer } from "@w7s/telegram";
export { notificationStoreLayer } from "./notificationStore.js";
