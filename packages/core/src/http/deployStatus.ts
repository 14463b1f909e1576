/**
 * `POST /api/v1/deploy/status` (I.6): the progress reports older versions of the deploy action send. Each
 * report becomes one Telegram message to the operator's chats (through the outbox) and, when the body
 * names a `telegram.chatId` that takes the stage's event, one message to that chat, sent at once so the
 * answer can carry its `telegramMessageId`; a later report with `telegram.messageId` edits that message
 * instead of adding one. The report changes nothing else: deployments only come from `/api/v1/deploy`.
 */
import { Duration, Effect, Schema } from "effect";
import { parseBearerToken, preflightMessages } from "../deploy/preflight.js";
import { errorResponse } from "../errors/errorResponse.js";
import { BadRequest, Unauthorized } from "../errors/httpErrors.js";
import { deployStatusText } from "../notifications/messages.js";
import { queueNotification } from "../notifications/notify.js";
import { isValidChatId, parseSubscribedEvents, wantsEvent } from "../notifications/subscriptions.js";
import type { PlatformConfig } from "../platformConfig.js";
import { Ids } from "../ports/Ids.js";
import { NotificationStore } from "../ports/NotificationStore.js";
import { Notifier } from "../ports/Notifier.js";
import type { ChatMessage } from "../ports/records/Notification.js";
import { authorizeRepoRequest } from "./repoRequest.js";

export const DEPLOY_STATUS_PATH = "/api/v1/deploy/status";

export const deployStatusMessages = {
  invalidBody: "Invalid deploy status body.",
  invalidStage: "Invalid deploy status stage.",
  invalidRepository: "Repository must be in owner/repo form.",
} as const;

/** The stages an action reports, with the message title of each. */
export const DEPLOY_STATUS_STAGES = {
  start: "Deployment started",
  package: "Packaging repository",
  upload: "Uploading archive",
  success: "Deployment completed",
  warning: "Deployment completed with warnings",
  error: "Deployment failed",
} as const;
export type DeployStatusStage = keyof typeof DEPLOY_STATUS_STAGES;

const isStage = (stage: unknown): stage is DeployStatusStage =>
  typeof stage === "string" && Object.hasOwn(DEPLOY_STATUS_STAGES, stage);

/** The notification event a stage counts as: failures and warnings as such, every other stage as progress. */
export const eventOfStage = (stage: DeployStatusStage): string =>
  stage === "error" ? "deploy_error" : stage === "warning" ? "deploy_warning" : "deploy_success";

const REPOSITORY_FORM = /^([^/\s]+)\/([^/\s]+)$/;

/** The optional parts of the body the report reads; anything else in it is ignored. */
const Text = Schema.optional(Schema.String);
const StatusBody = Schema.Struct({
  stage: Schema.Unknown,
  message: Text,
  deployment: Schema.optional(
    Schema.Struct({
      repository: Text,
      environment: Text,
      branch: Text,
      commitSha: Text,
      url: Text,
      error: Text,
    }),
  ),
  github: Schema.optional(
    Schema.Struct({
      repository: Text,
      ref_name: Text,
      sha: Text,
      run_url: Text,
    }),
  ),
  telegram: Schema.optional(
    Schema.Struct({
      chatId: Schema.optional(Schema.Union([Schema.String, Schema.Number])),
      events: Schema.optional(Schema.Union([Schema.String, Schema.Array(Schema.String)])),
      messageId: Schema.optional(Schema.Union([Schema.String, Schema.Number])),
    }),
  ),
});
const decodeBody = Schema.decodeUnknownOption(StatusBody);

/** A subscriber's message that must be answered with its id may take this long before it goes to the outbox. */
const DIRECT_SEND_DEADLINE = Duration.seconds(5);

const json = (body: unknown): Response =>
  new Response(JSON.stringify(body), {
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });

const fail = (error: BadRequest | Unauthorized) => {
  const answer = errorResponse(error);
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
};

export const reportDeployStatus = (request: Request, config: PlatformConfig) =>
  Effect.gen(function* () {
    if (parseBearerToken(request.headers.get("authorization")) === null)
      return fail(new Unauthorized({ message: preflightMessages.missingToken }));
    const parsed = yield* Effect.tryPromise(() => request.json()).pipe(Effect.option);
    const raw = parsed._tag === "Some" ? parsed.value : undefined;
    const body = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? decodeBody(raw) : undefined;
    if (body === undefined || body._tag === "None")
      return fail(new BadRequest({ message: deployStatusMessages.invalidBody }));
    const report = body.value;
    if (!isStage(report.stage)) return fail(new BadRequest({ message: deployStatusMessages.invalidStage }));
    const stage = report.stage;
    const repository = (
      report.deployment?.repository ??
      report.github?.repository ??
      request.headers.get("x-github-repository") ??
      ""
    ).trim();
    const [, owner, repo] = REPOSITORY_FORM.exec(repository) ?? [];
    if (owner === undefined || repo === undefined)
      return fail(new BadRequest({ message: deployStatusMessages.invalidRepository }));
    const access = yield* authorizeRepoRequest(request, { owner, repo }, "deploy").pipe(Effect.result);
    if (access._tag === "Failure") {
      const answer = errorResponse(access.failure);
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    }

    const event = eventOfStage(stage);
    const text = deployStatusText({
      title: DEPLOY_STATUS_STAGES[stage],
      repository,
      environment: report.deployment?.environment,
      branch: report.deployment?.branch ?? report.github?.ref_name,
      commitSha: report.deployment?.commitSha ?? report.github?.sha,
      url: report.deployment?.url ?? report.github?.run_url,
      detail: report.deployment?.error ?? report.message,
    });
    const answer = { notified: 0, event, repository, stage } as {
      notified: number;
      event: string;
      repository: string;
      stage: DeployStatusStage;
      telegramMessageId?: string;
    };
    const settings = config.notifications;
    if (settings === null) return json(answer);

    const telegram = report.telegram;
    const chatId = telegram?.chatId === undefined ? "" : String(telegram.chatId).trim();
    const listed = telegram?.events;
    const events = parseSubscribedEvents(typeof listed === "string" ? listed : (listed?.join(",") ?? null));
    const subscriber = isValidChatId(chatId) && wantsEvent(events, event) ? chatId : undefined;
    answer.notified = yield* queueNotification({
      settings,
      event,
      text,
      exceptChats: subscriber === undefined ? [] : [subscriber],
    }).pipe(Effect.orElseSucceed(() => 0));

    if (subscriber !== undefined) {
      const message: ChatMessage = {
        chatId: subscriber,
        text,
        parseMode: "MarkdownV2",
        ...(telegram?.messageId === undefined ? {} : { editMessageId: String(telegram.messageId) }),
      };
      const notifier = yield* Notifier;
      const sent = yield* notifier.send(message).pipe(Effect.timeout(DIRECT_SEND_DEADLINE), Effect.option);
      if (sent._tag === "Some") {
        if (sent.value.messageId !== null) answer.telegramMessageId = sent.value.messageId;
      } else {
        // Telegram is down or slow: the outbox sends it later, the report is answered now.
        const id = yield* (yield* Ids).randomUuid();
        const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
        const store = yield* NotificationStore;
        yield* store
          .enqueue([{ id, event, createdAt: new Date(now).toISOString(), message }])
          .pipe(Effect.ignore);
      }
      answer.notified += 1;
    }
    return json(answer);
  });
