/**
 * Issue 11 against the real server (SQLite, workerd) and the Telegram Bot API stand-in: the bot's `/start`
 * reply, a linked deploy's one success message, an exceeded limit's one suspension message, Telegram
 * outages (500, no answer at all, a closed port) that neither slow nor fail a deploy, with the message
 * delivered once Telegram is back, and two servers on one Postgres sharing links and sending each message
 * once. The bot token must never show up in an answer or a log line.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { usagePolicyStoreLayer } from "@w7s/adapter-node";
import {
  type ConformanceTarget,
  deployRequest,
  request,
  requirePostgres,
  startTelegramStandIn,
  type TelegramStandIn,
} from "@w7s/conformance";
import { startReplyText, UsagePolicyStore } from "@w7s/core";
import { Effect } from "effect";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_SETTINGS, type ServerSettings } from "../src/config.js";
import { type RunningServer, startServer } from "../src/server.js";

const TOKEN = "notify-deploy-token";
const BOT = "777000:bot-token-that-must-not-leak";
const SECRET = "webhook-secret-value";
const MANAGER = "9001";
const ADMIN = "9002";

const settingsFor = (dataDir: string, telegram: TelegramStandIn): ServerSettings => ({
  ...DEFAULT_SETTINGS,
  port: 0,
  dataDir,
  deployToken: TOKEN,
  telegramBotToken: BOT,
  telegramWebhookSecret: SECRET,
  telegramApiUrl: telegram.url,
  telegramChatIds: [MANAGER],
  telegramAdminChatIds: [ADMIN],
  // Not deploy_warning: the admin chat hears those all the same.
  telegramEvents: ["deploy_success", "deploy_error", "app_suspended", "usage_collection_error"],
});

const targetOf = (server: RunningServer): ConformanceTarget => ({
  baseUrl: server.url,
  baseDomain: "w7s.localhost",
  close: async () => {},
});

const waitFor = async <A>(find: () => A | undefined | Promise<A | undefined>, ms = 10_000): Promise<A> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((done) => setTimeout(done, 25));
  }
};

const messagesTo = (telegram: TelegramStandIn, chatId: string) =>
  telegram.messages.filter((message) => message.chatId === chatId);

// Every line the server logs, to show the bot token is never among them.
let logged: string[] = [];
beforeEach(() => {
  logged = [];
  for (const method of ["log", "error", "warn"] as const)
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
    });
});
afterEach(() => {
  vi.restoreAllMocks();
  expect(logged.join("\n")).not.toContain(BOT);
});

describe("the bot, linked deploys and suspensions", () => {
  let telegram: TelegramStandIn;
  let server: RunningServer;
  let dataDir: string;

  beforeAll(async () => {
    telegram = await startTelegramStandIn({ bots: [BOT] });
    dataDir = mkdtempSync(join(tmpdir(), "w7s-notify-"));
    server = await startServer(settingsFor(dataDir, telegram), {
      cleanupTimer: false,
      notificationPollMs: 50,
    });
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await telegram.close();
  });

  const webhook = (body: unknown, secret: string | null = SECRET) =>
    fetch(`${server.url}/api/v1/telegram/webhook`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(secret === null ? {} : { "x-telegram-bot-api-secret-token": secret }),
      },
      body: JSON.stringify(body),
    });

  it("answers /start with the chat id and a workflow for this server's deploy URL", async () => {
    const update = {
      update_id: 1,
      message: { message_id: 1, chat: { id: 4711, type: "private" }, text: "/start" },
    };
    const refused = await webhook(update, null);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ status: "error", error: "Invalid Telegram webhook secret." });
    expect((await webhook(update, "wrong")).status).toBe(401);

    const accepted = await webhook(update);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ ok: true });
    const [reply] = await waitFor(() => {
      const found = messagesTo(telegram, "4711");
      return found.length > 0 ? found : undefined;
    });
    const deployUrl = `http://w7s.localhost:${server.port}/api/v1/deploy`;
    expect(reply!.text).toBe(startReplyText({ chatId: "4711", deployUrl }));
    expect(reply!.text).toContain('```\ntelegram-chat-id: "4711"\n```');
    expect(reply!.text).toContain(`          deploy-url: ${deployUrl}\n`);
    const call = telegram.calls.find((candidate) => candidate.body.chat_id === "4711");
    expect(call).toMatchObject({ method: "sendMessage", botToken: BOT, body: { parse_mode: "MarkdownV2" } });
    // Only the accepted update was answered.
    expect(messagesTo(telegram, "4711")).toHaveLength(1);

    const info = await fetch(`${server.url}/api/v1/telegram/webhook`);
    const text = await info.text();
    expect(info.status).toBe(200);
    expect(text).not.toContain(BOT);
    expect(text).not.toContain(SECRET);
  });

  it("links the chat of a deploy and sends it exactly one success message", async () => {
    const answer = await deployRequest(targetOf(server), {
      token: TOKEN,
      repository: "acme/linked",
      files: { "dist/index.html": "<h1>linked</h1>" },
      headers: { "x-w7s-telegram-chat-id": "5005" },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const [message] = await waitFor(() => {
      const found = messagesTo(telegram, "5005");
      return found.length > 0 ? found : undefined;
    });
    expect(message!.text).toContain("*W7S deploy succeeded*");
    expect(message!.text).toContain("Repository: acme/linked");
    expect(message!.text).toContain("Targets: static 1 file");
    // More rounds send nothing more: one deploy, one message per chat (the operator's chat has its own).
    await server.deliverNotifications();
    await new Promise((done) => setTimeout(done, 200));
    expect(messagesTo(telegram, "5005")).toHaveLength(1);
    await waitFor(() =>
      messagesTo(telegram, MANAGER).some((sent) => sent.text.includes("Repository: acme/linked"))
        ? true
        : undefined,
    );
    expect(messagesTo(telegram, MANAGER).filter((sent) => sent.text.includes("acme/linked"))).toHaveLength(1);
  });

  it("sends one suspension message when a limit is exceeded, however many requests follow", async () => {
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const policies = yield* UsagePolicyStore;
          yield* policies.put("usage_limit_policy:v1:repo:acme:limited", {
            version: 1,
            metrics: { "runtime.request": { dailyUnits: 2 } },
          });
        }).pipe(Effect.provide(usagePolicyStoreLayer({ dataDir }))),
      ),
    );
    const answer = await deployRequest(targetOf(server), {
      token: TOKEN,
      repository: "acme/limited",
      files: { "backend/index.js": "export default { fetch: () => new Response('ok') };" },
      headers: { "x-w7s-telegram-chat-id": "6006", "x-w7s-telegram-events": "app_suspended" },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      statuses.push((await request(targetOf(server), "acme.w7s.localhost", "/limited/")).status);
      await server.flushAccounting();
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses.at(-1)).toBe(429);
    const [message] = await waitFor(() => {
      const found = messagesTo(telegram, "6006");
      return found.length > 0 ? found : undefined;
    });
    expect(message!.text).toContain("*W7S app suspended*");
    expect(message!.text).toContain("Repository: acme/limited");
    expect(message!.text).toContain("`runtime.request`: `3/2` \\(exceeded\\)");
    await server.deliverNotifications();
    await new Promise((done) => setTimeout(done, 200));
    // The chat subscribed to suspensions only: no deploy message, and one suspension.
    expect(messagesTo(telegram, "6006")).toHaveLength(1);
    expect(
      messagesTo(telegram, MANAGER).filter((sent) => sent.text.includes("W7S app suspended")),
    ).toHaveLength(1);
  }, 60_000);

  const status = (body: unknown, token: string | null = TOKEN) =>
    fetch(`${server.url}/api/v1/deploy/status`, {
      method: "POST",
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    });

  it("answers an older action's /api/v1/deploy/status with the message it sent, and edits it on the next stage", async () => {
    const refused = await status({ stage: "start", github: { repository: "acme/status" } }, null);
    expect(refused.status).toBe(401);
    expect(await (await status({ stage: "later", github: { repository: "acme/status" } })).json()).toEqual({
      status: "error",
      error: "Invalid deploy status stage.",
    });

    const link = { chatId: "7007", events: "deploy_success,deploy_error" };
    const started = await status({ stage: "start", github: { repository: "acme/status" }, telegram: link });
    expect(started.status).toBe(200);
    const body = (await started.json()) as { telegramMessageId: string; notified: number };
    expect(body).toMatchObject({ event: "deploy_success", repository: "acme/status", stage: "start" });
    const [sent] = messagesTo(telegram, "7007");
    expect(sent?.text).toContain("*W7S Deployment started*");
    expect(body.telegramMessageId).toBe(String(sent?.messageId));

    const done = await status({
      stage: "success",
      github: { repository: "acme/status" },
      telegram: { ...link, messageId: body.telegramMessageId },
    });
    expect(((await done.json()) as { telegramMessageId: string }).telegramMessageId).toBe(
      body.telegramMessageId,
    );
    expect(messagesTo(telegram, "7007")).toHaveLength(1);
    expect(messagesTo(telegram, "7007")[0]).toMatchObject({ edits: 1 });
    expect(messagesTo(telegram, "7007")[0]?.text).toContain("*W7S Deployment completed*");
    // The operator's chats hear about each stage through the outbox.
    await server.deliverNotifications();
    await waitFor(() =>
      messagesTo(telegram, MANAGER).some((sent) => sent.text.includes("Deployment completed"))
        ? true
        : undefined,
    );
  });

  it("tells the admin chats every event, and the manager chats only the events they take", async () => {
    const answer = await status({ stage: "warning", github: { repository: "acme/admin" } });
    expect(await answer.json()).toMatchObject({ notified: 1, event: "deploy_warning" });
    await server.deliverNotifications();
    const [warned] = await waitFor(() => {
      const found = messagesTo(telegram, ADMIN).filter((sent) => sent.text.includes("acme/admin"));
      return found.length > 0 ? found : undefined;
    });
    expect(warned?.text).toContain("*W7S Deployment completed with warnings*");
    expect(messagesTo(telegram, MANAGER).filter((sent) => sent.text.includes("acme/admin"))).toHaveLength(0);
  });
});

describe("a Telegram outage", () => {
  let telegram: TelegramStandIn;
  let server: RunningServer;

  beforeAll(async () => {
    telegram = await startTelegramStandIn({ bots: [BOT] });
    server = await startServer(settingsFor(mkdtempSync(join(tmpdir(), "w7s-outage-")), telegram), {
      cleanupTimer: false,
      notificationPollMs: 50,
      notificationPolicy: { baseDelayMs: 100, maxDelayMs: 400 },
      // Long enough that waiting for Telegram would show in a deploy's time, short enough for the test.
      telegramTimeoutMs: 2_000,
    });
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await telegram.close();
  });

  const deployLinked = async (repository: string, chatId: string) => {
    const started = performance.now();
    const answer = await deployRequest(targetOf(server), {
      token: TOKEN,
      repository,
      files: { "dist/index.html": `<h1>${repository}</h1>` },
      headers: { "x-w7s-telegram-chat-id": chatId },
    });
    return { answer, ms: performance.now() - started };
  };

  // Baseline deploys while Telegram is fine, measured in the same run (the slower of two warm ones).
  let baselineMs = 0;
  beforeAll(async () => {
    for (const chatId of ["1111", "1112", "1113"]) {
      const baseline = await deployLinked(`acme/baseline-${chatId}`, chatId);
      expect(baseline.answer.status).toBe(200);
      if (chatId !== "1111") baselineMs = Math.max(baselineMs, baseline.ms);
    }
  }, 60_000);

  it.each([
    ["answers 500", 500],
    ["never answers", "hang"],
  ] as const)(
    "that %s neither fails nor slows a deploy, and the message arrives once Telegram is back",
    async (_name, outage) => {
      const chatId = outage === 500 ? "2222" : "3333";
      telegram.setOutage(outage);
      const { answer, ms } = await deployLinked(`acme/outage-${chatId}`, chatId);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      // Well below one Bot API timeout (2 s here, 10 s by default) on top of a normal deploy.
      expect(ms).toBeLessThan(baselineMs + 1_000);
      const tried = await waitFor(() =>
        telegram.calls.some((call) => call.body.chat_id === chatId) ? true : undefined,
      );
      expect(tried).toBe(true);
      await new Promise((done) => setTimeout(done, 400));
      expect(messagesTo(telegram, chatId)).toHaveLength(0);
      telegram.setOutage(undefined);
      await waitFor(() => (messagesTo(telegram, chatId).length > 0 ? true : undefined));
      await new Promise((done) => setTimeout(done, 500));
      expect(messagesTo(telegram, chatId)).toHaveLength(1);
      expect(messagesTo(telegram, chatId)[0]!.text).toContain("*W7S deploy succeeded*");
    },
    30_000,
  );

  it("on a closed port neither fails nor slows a deploy, and the message arrives once it listens again", async () => {
    const port = telegram.port;
    await telegram.close();
    const { answer, ms } = await deployLinked("acme/closed", "4444");
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(ms).toBeLessThan(baselineMs + 1_000);
    await new Promise((done) => setTimeout(done, 500));
    telegram = await startTelegramStandIn({ port, bots: [BOT] });
    await waitFor(() => (messagesTo(telegram, "4444").length > 0 ? true : undefined));
    expect(messagesTo(telegram, "4444")[0]!.text).toContain("Repository: acme/closed");
  }, 30_000);
});

describe("two servers on one Postgres", () => {
  const adminUrl = process.env["W7S_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const database = `w7s_notify_${randomBytes(5).toString("hex")}`;
  const admin = () => postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  let telegram: TelegramStandIn;
  let servers: RunningServer[] = [];

  beforeAll(async () => {
    await requirePostgres();
    const sql = admin();
    await sql.unsafe(`create database ${database}`);
    await sql.end({ timeout: 1 });
    telegram = await startTelegramStandIn({ bots: [BOT] });
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    const settings = {
      ...settingsFor(mkdtempSync(join(tmpdir(), "w7s-notify-pg-")), telegram),
      databaseUrl: url.toString(),
    };
    // Both poll the outbox every 20 ms, so they race for every message.
    for (let index = 0; index < 2; index += 1)
      servers.push(await startServer(settings, { cleanupTimer: false, notificationPollMs: 20 }));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
    await telegram.close();
    const sql = admin();
    await sql.unsafe(`drop database if exists ${database} with (force)`);
    await sql.end({ timeout: 1 });
  }, 60_000);

  it("a chat linked through one server hears about deploys through the other, each message once", async () => {
    const [first, second] = servers as [RunningServer, RunningServer];
    const linked = await deployRequest(targetOf(first), {
      token: TOKEN,
      repository: "acme/shared",
      files: { "dist/index.html": "<h1>one</h1>" },
      headers: { "x-w7s-telegram-chat-id": "8080" },
    });
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);
    const again = await deployRequest(targetOf(second), {
      token: TOKEN,
      repository: "acme/shared",
      sha: "fedcba9876543210fedcba9876543210fedcba98",
      files: { "dist/index.html": "<h1>two</h1>" },
    });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    await waitFor(() => (messagesTo(telegram, "8080").length >= 2 ? true : undefined));
    await new Promise((done) => setTimeout(done, 500));
    expect(messagesTo(telegram, "8080").map((message) => /Commit: (\w+)/.exec(message.text)?.[1])).toEqual([
      "0123456789ab",
      "fedcba987654",
    ]);
    expect(messagesTo(telegram, MANAGER)).toHaveLength(2);
  }, 60_000);
});
