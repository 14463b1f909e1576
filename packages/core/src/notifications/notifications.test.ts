import { describe, expect, it } from "vitest";
import { NotifyError } from "../ports/PortErrors.js";
import type { ChatLink } from "../ports/records/Notification.js";
import { defaultNotificationDeliveryPolicy, isRetryable, retryDelayMs } from "./deliverNotifications.js";
import {
  appSuspendedText,
  deployFailedText,
  deploySuccessText,
  escapeMarkdownV2,
  MAX_MESSAGE_LENGTH,
  startReplyText,
  targetsSummary,
} from "./messages.js";
import { isValidChatId, parseSubscribedEvents, recipientsOf } from "./subscriptions.js";

const link = (chatId: string, events: string[]): ChatLink => ({
  version: 1,
  chatId,
  events,
  environment: "production",
  orgSlug: "acme",
  repoSlug: "site",
  repository: "acme/site",
  updatedAt: "2026-05-26T12:00:00.000Z",
  source: "github_action",
});

describe("who hears about what (I.6)", () => {
  it("accepts numeric chat ids (negative for groups) and @channel names, nothing else", () => {
    for (const chatId of ["123", "-1001234567890", "@w7s_news"]) expect(isValidChatId(chatId)).toBe(true);
    for (const chatId of ["12", "abc", "@abc", "123 456", "", "-", "@has-dash"])
      expect(isValidChatId(chatId)).toBe(false);
  });

  it("reads x-w7s-telegram-events, keeping known events once, and defaults when none is left", () => {
    expect(parseSubscribedEvents(" Deploy_Error, app_suspended ,deploy_error,bogus")).toEqual([
      "deploy_error",
      "app_suspended",
    ]);
    const defaults = ["deploy_success", "deploy_warning", "deploy_error", "app_suspended", "payment_request"];
    expect(parseSubscribedEvents(null)).toEqual(defaults);
    expect(parseSubscribedEvents("nope")).toEqual(defaults);
  });

  it("sends an event to the managers who take it and to the linked chats that subscribed, each once", () => {
    const settings = { managerChatIds: ["900", "901"], managerEvents: ["deploy_error"], webhookSecret: null };
    const links = [link("100", ["deploy_success"]), link("101", ["all"]), link("900", ["deploy_error"])];
    expect(recipientsOf("deploy_error", settings, links)).toEqual(["900", "901", "101"]);
    expect(recipientsOf("deploy_success", settings, links)).toEqual(["100", "101"]);
    expect(recipientsOf("app_suspended", { ...settings, managerEvents: ["all"] }, [])).toEqual([
      "900",
      "901",
    ]);
  });
});

describe("message texts", () => {
  it("escapes every MarkdownV2 markup character in values", () => {
    expect(escapeMarkdownV2("a_b*c[d](e)~`>#+-=|{}.!\\")).toBe(
      "a\\_b\\*c\\[d\\]\\(e\\)\\~\\`\\>\\#\\+\\-\\=\\|\\{\\}\\.\\!\\\\",
    );
  });

  const facts = {
    repository: "acme/my_site",
    environment: "production",
    branch: "main",
    commitSha: "0123456789abcdef",
    staticFiles: 2,
    backend: true,
    status: 200,
    url: "https://acme.example.com/my_site/",
    warnings: [],
  };

  it("says what a deploy published, and switches the title when there are warnings", () => {
    expect(deploySuccessText(facts)).toBe(
      [
        "*W7S deploy succeeded*",
        "",
        "Repository: acme/my\\_site",
        "Environment: production",
        "Branch: main",
        "Commit: 0123456789ab",
        "Targets: static 2 files, backend",
        "Status: HTTP 200",
        "URL: https://acme\\.example\\.com/my\\_site/",
      ].join("\n"),
    );
    const warned = deploySuccessText({ ...facts, warnings: ["one", "two", "three", "four"] });
    expect(warned.startsWith("*W7S deploy completed with warnings*")).toBe(true);
    expect(warned).toContain("Warnings: 4\n\\- one\n\\- two\n\\- three");
    expect(warned).not.toContain("four");
    expect(targetsSummary(undefined, false)).toBe("none");
    expect(targetsSummary(1, false)).toBe("static 1 file");
  });

  it("keeps every message within Telegram's length, however long the error", () => {
    const text = deployFailedText({ ...facts, status: 500, error: "x".repeat(10_000) });
    expect(text.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(text).toContain("*W7S deploy failed*");
    expect(text).toContain("Status: HTTP 500");
  });

  it("lists up to five metrics of a suspension in code spans", () => {
    const text = appSuspendedText({
      version: 1,
      status: "suspended",
      kind: "limit",
      environment: "production",
      orgSlug: "acme",
      repoSlug: "site",
      reason: "W7S free-tier limit exceeded for runtime.request.",
      updatedAt: "2026-05-26T12:00:00.000Z",
      resumeAfter: "2026-05-27T00:00:00.000Z",
      metrics: Array.from({ length: 6 }, (_, index) => ({
        metric: `metric.${index}`,
        status: "exceeded" as const,
        used: 6,
        limit: 5,
        remaining: 0,
        message: "",
      })),
    });
    expect(text).toContain("*W7S app suspended*");
    expect(text).toContain("Reason: W7S free\\-tier limit exceeded for runtime\\.request\\.");
    expect(text).toContain("Resume after: 2026\\-05\\-27T00:00:00\\.000Z");
    expect(text).toContain("`metric.4`: `6/5` \\(exceeded\\)");
    expect(text).not.toContain("metric.5");
  });

  it("answers /start with the chat id and a workflow that deploys to this server, as the docs show", () => {
    const text = startReplyText({
      chatId: "-100123456789",
      deployUrl: "https://w7s.example.com/api/v1/deploy",
    });
    expect(text).toContain(
      'W7S Telegram notifications\n\nUse this chat id in your GitHub Actions workflow:\n\n```\ntelegram-chat-id: "-100123456789"\n```',
    );
    expect(text).toContain(
      '      - uses: w7s-io/w7s-cloud@v1\n        with:\n          deploy-url: https://w7s.example.com/api/v1/deploy\n          telegram-chat-id: "-100123456789"\n',
    );
  });
});

describe("retries", () => {
  const policy = defaultNotificationDeliveryPolicy;

  it("doubles the delay per attempt up to the cap, and waits at least as long as Telegram asks", () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(attempts, policy))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30, policy)).toBe(policy.maxDelayMs);
    expect(retryDelayMs(1, policy, 30)).toBe(30_000);
  });

  it("retries outages, timeouts and rate limits, not refusals or a wrong token", () => {
    const error = (reason: NotifyError["reason"]) => new NotifyError({ reason, operation: "Notifier.send" });
    expect(
      ["Unavailable", "Timeout", "RateLimited"].map((reason) => isRetryable(error(reason as never))),
    ).toEqual([true, true, true]);
    expect(isRetryable(error("Rejected"))).toBe(false);
    expect(isRetryable(error("Misconfigured"))).toBe(false);
  });
});
