/**
 * Notifications over the ports (I.6): a deploy links the chat it names and reports its outcome, a limit
 * suspension and a failed usage collection tell the managers. Each only puts messages in the outbox
 * (`deliverNotifications` sends them later), and each swallows its own failures: a notification never
 * fails or slows the deploy or request it is about beyond the outbox write.
 */
import type { AppLimitState } from "@w7s/usage-policy";
import { Duration, Effect } from "effect";
import type { NotificationSettings, PlatformConfig } from "../platformConfig.js";
import { Ids } from "../ports/Ids.js";
import { NotificationStore } from "../ports/NotificationStore.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type { OutboxMessage } from "../ports/records/Notification.js";
import { SchedulerLock } from "../ports/SchedulerLock.js";
import {
  appSuspendedText,
  type DeployFailureFacts,
  type DeploySuccessFacts,
  deployFailedText,
  deploySuccessText,
  usageCollectionFailureText,
} from "./messages.js";
import { isValidChatId, parseSubscribedEvents, recipientsOf } from "./subscriptions.js";

/** The services notifications use; the dedupe claims live with the scheduler's locks. */
export type NotificationServices = NotificationStore | SchedulerLock | Ids;

/** Dedupe keys share one prefix with the reference (`telegram_notification:v1:<key>`). */
export const notificationDedupeKey = (key: string): string => `telegram_notification:v1:${key}`;

/** The windows within which one notification is sent once (I.6). */
export const DEDUPE_SECONDS = { deployError: 600, appSuspended: 86_400, usageCollection: 7_200 } as const;

/** A notification's outbox write may take this long before it is given up (the deploy has its answer). */
const OUTBOX_DEADLINE = Duration.seconds(2);

const nowIso = Effect.clockWith((clock) => clock.currentTimeMillis).pipe(
  Effect.map((now) => new Date(now).toISOString()),
);

/** Runs a notification step so that nothing it does can fail, or hold up, its caller for long. */
const bestEffort = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<void, never, R> =>
  effect.pipe(Effect.timeout(OUTBOX_DEADLINE), Effect.ignore);

/**
 * Queues `text` about `event` for the managers who take it and the chats linked to `app` that subscribed;
 * with `dedupe`, only the first of the same key within its window is queued. Answers how many were queued.
 */
export const queueNotification = (input: {
  readonly settings: NotificationSettings;
  readonly event: string;
  readonly text: string;
  readonly app?: AppRef | undefined;
  readonly dedupe?: { readonly key: string; readonly ttlSeconds: number } | undefined;
  /** Chats the caller reaches itself, left out here. */
  readonly exceptChats?: ReadonlyArray<string> | undefined;
}) =>
  Effect.gen(function* () {
    const store = yield* NotificationStore;
    const links = input.app === undefined ? [] : yield* store.linkedChats(input.app);
    const chats = recipientsOf(input.event, input.settings, links).filter(
      (chatId) => !input.exceptChats?.includes(chatId),
    );
    if (chats.length === 0) return 0;
    if (input.dedupe !== undefined) {
      const locks = yield* SchedulerLock;
      const first = yield* locks.tryAcquire(notificationDedupeKey(input.dedupe.key), input.dedupe.ttlSeconds);
      if (!first) return 0;
    }
    const ids = yield* Ids;
    const createdAt = yield* nowIso;
    const messages: OutboxMessage[] = [];
    for (const chatId of chats)
      messages.push({
        id: yield* ids.randomUuid(),
        event: input.event,
        createdAt,
        message: { chatId, text: input.text, parseMode: "MarkdownV2" },
      });
    yield* store.enqueue(messages);
    return messages.length;
  });

/** The Telegram headers of a deploy request (B.1), trimmed, `null` when absent. */
export interface DeployTelegramHeaders {
  readonly chatId: string | null;
  readonly userId: string | null;
  readonly events: string | null;
}

/** How a deploy ended, as far as its notifications care. */
export type DeployNotice =
  | {
      readonly _tag: "Deployed";
      readonly app: AppRef;
      readonly telegram: DeployTelegramHeaders;
      readonly facts: DeploySuccessFacts;
    }
  | {
      readonly _tag: "Failed";
      readonly app: AppRef;
      /** Whether the token had proven its right to deploy before the failure. */
      readonly authorized: boolean;
      readonly facts: DeployFailureFacts;
    };

/**
 * A failure is worth a message once the token was accepted (a stranger's failed attempts are not the
 * repo's news), or when the platform itself failed (5xx), which the operator wants to hear about either way.
 */
export const failureIsNotified = (notice: Extract<DeployNotice, { _tag: "Failed" }>): boolean =>
  notice.authorized || notice.facts.status >= 500;

/** Links the chat a successful deploy names (`x-w7s-telegram-chat-id`, else `-user-id`), then reports the outcome. */
export const notifyDeploy = (notice: DeployNotice, config: PlatformConfig) =>
  Effect.gen(function* () {
    const settings = config.notifications;
    if (settings === null) return;
    if (notice._tag === "Failed") {
      if (!failureIsNotified(notice)) return;
      const { facts } = notice;
      return yield* queueNotification({
        settings,
        event: "deploy_error",
        text: deployFailedText(facts),
        app: notice.app,
        dedupe: {
          key: `deploy_error:${facts.repository.toLowerCase()}:${facts.status}:${facts.error.slice(0, 200)}`,
          ttlSeconds: DEDUPE_SECONDS.deployError,
        },
      });
    }
    const chatId = notice.telegram.chatId ?? notice.telegram.userId;
    if (chatId !== null && isValidChatId(chatId)) {
      const store = yield* NotificationStore;
      yield* store.linkChat({
        version: 1,
        chatId,
        events: [...parseSubscribedEvents(notice.telegram.events)],
        environment: notice.app.environment,
        orgSlug: notice.app.orgSlug,
        repoSlug: notice.app.repoSlug,
        repository: notice.facts.repository,
        branch: notice.facts.branch,
        commitSha: notice.facts.commitSha,
        updatedAt: yield* nowIso,
        source: "github_action",
      });
    }
    return yield* queueNotification({
      settings,
      event: notice.facts.warnings.length > 0 ? "deploy_warning" : "deploy_success",
      text: deploySuccessText(notice.facts),
      app: notice.app,
    });
  }).pipe(bestEffort);

/** A new limit suspension (F.8): once per app and UTC day, to the managers and the app's subscribers. */
export const notifyAppSuspended = (state: AppLimitState, config: PlatformConfig) =>
  Effect.gen(function* () {
    const settings = config.notifications;
    if (settings === null) return;
    const app = { environment: state.environment, orgSlug: state.orgSlug, repoSlug: state.repoSlug };
    const day = (yield* nowIso).slice(0, 10);
    yield* queueNotification({
      settings,
      event: "app_suspended",
      text: appSuspendedText(state),
      app,
      dedupe: {
        key: `app_suspended:${app.environment}:${app.orgSlug}:${app.repoSlug}:${day}`,
        ttlSeconds: DEDUPE_SECONDS.appSuspended,
      },
    });
  }).pipe(bestEffort);

/** Usage that could not be counted or checked: the managers hear once per hour. */
export const notifyUsageCollectionFailure = (
  failure: { readonly failures: number; readonly firstFailure: string },
  config: PlatformConfig,
) =>
  Effect.gen(function* () {
    const settings = config.notifications;
    if (settings === null) return;
    const hour = (yield* nowIso).slice(0, 13);
    yield* queueNotification({
      settings,
      event: "usage_collection_error",
      text: usageCollectionFailureText({ hour: `${hour}:00Z`, ...failure }),
      dedupe: { key: `usage_collection_error:${hour}`, ttlSeconds: DEDUPE_SECONDS.usageCollection },
    });
  }).pipe(bestEffort);
