/**
 * I.6 over the in-memory ports: what a deploy links and queues, what the bot's webhook accepts and
 * answers, and that nothing about notifications can fail a deploy. Sending is tested against the Bot API
 * stand-in in @w7s/adapter-node and the server.
 */
import { Effect } from "effect";
import { strToU8, zipSync } from "fflate";
import { beforeEach, describe, expect, it } from "vitest";
import { deployApp } from "../src/deploy/deployApp.js";
import { answerTelegramWebhook, telegramWebhookInfo } from "../src/http/telegramWebhook.js";
import { defaultPlatformConfig, type PlatformConfig } from "../src/platformConfig.js";
import { type MemoryWorld, makeMemoryWorld, memoryPorts } from "./memoryPorts.js";

const SECRET = "hook-secret";
const config: PlatformConfig = {
  ...defaultPlatformConfig,
  baseDomain: "w7s.example.com",
  publicScheme: "https",
  publicPort: null,
  notifications: { managerChatIds: ["900"], managerEvents: ["deploy_error"], webhookSecret: SECRET },
};

const deployRequest = (headers: Record<string, string> = {}, files = { "dist/index.html": "<h1>hi</h1>" }) =>
  new Request("https://w7s.example.com/api/v1/deploy", {
    method: "POST",
    headers: {
      authorization: "Bearer ghs_test",
      "content-type": "application/zip",
      "x-github-repository": "Acme/Site",
      "x-github-sha": "0123456789abcdef",
      "x-github-branch": "main",
      ...headers,
    },
    body: zipSync(
      Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)])),
    ) as never,
  });

let world: MemoryWorld;
beforeEach(() => {
  world = makeMemoryWorld();
});

const run = <A>(effect: Effect.Effect<A, never, never>) => Effect.runPromise(effect);
const deploy = (request: Request, withConfig = config) =>
  run(deployApp(request, withConfig).pipe(Effect.provide(memoryPorts(world))));
const queued = () =>
  [...world.outbox.values()].map((entry) => ({ event: entry.message.event, ...entry.message.message }));

describe("a deploy's notifications", () => {
  it("links the chat of x-w7s-telegram-chat-id after a successful deploy and queues it one success message", async () => {
    const response = await deploy(
      deployRequest({
        "x-w7s-telegram-chat-id": "4711",
        "x-w7s-telegram-events": "deploy_success,deploy_error",
      }),
    );
    expect(response.status).toBe(200);
    const links = world.chatLinks.get("production:acme:site");
    expect(links?.get("4711")).toMatchObject({
      chatId: "4711",
      events: ["deploy_success", "deploy_error"],
      repository: "Acme/Site",
      branch: "main",
      commitSha: "0123456789abcdef",
      source: "github_action",
    });
    // The manager takes only deploy errors here, so the linked chat is the one recipient.
    expect(queued()).toEqual([
      {
        event: "deploy_success",
        chatId: "4711",
        parseMode: "MarkdownV2",
        text: expect.stringContaining("*W7S deploy succeeded*"),
      },
    ]);
    expect(queued()[0]?.text).toContain("URL: https://acme\\.w7s\\.example\\.com/site/");
  });

  it("falls back to x-w7s-telegram-user-id, and ignores a chat id that cannot be one", async () => {
    await deploy(deployRequest({ "x-w7s-telegram-user-id": "5005" }));
    expect([...(world.chatLinks.get("production:acme:site")?.keys() ?? [])]).toEqual(["5005"]);
    world = makeMemoryWorld();
    await deploy(deployRequest({ "x-w7s-telegram-chat-id": "not a chat" }));
    expect(world.chatLinks.size).toBe(0);
    expect(world.outbox.size).toBe(0);
  });

  it("links nothing when the deploy fails, and tells a stranger's failed attempt to nobody", async () => {
    world.access = { granted: false };
    const refused = await deploy(deployRequest({ "x-w7s-telegram-chat-id": "4711" }));
    expect(refused.status).toBe(401);
    expect(world.chatLinks.size).toBe(0);
    expect(world.outbox.size).toBe(0);
  });

  it("reports an authorized deploy's failure to managers and subscribers once per ten minutes", async () => {
    await deploy(deployRequest({ "x-w7s-telegram-chat-id": "4711", "x-w7s-telegram-events": "all" }));
    world.outbox.clear();
    const broken = deployRequest({}, { "w7s.json": "{ not json" } as never);
    expect((await deploy(broken)).status).toBe(400);
    expect(queued().map((message) => [message.event, message.chatId])).toEqual([
      ["deploy_error", "900"],
      ["deploy_error", "4711"],
    ]);
    expect(queued()[0]?.text).toContain("*W7S deploy failed*");
    expect(queued()[0]?.text).toContain("Status: HTTP 400");
    await deploy(deployRequest({}, { "w7s.json": "{ not json" } as never));
    expect(world.outbox.size).toBe(2);
  });

  it("does nothing at all when the operator configured no bot", async () => {
    const response = await deploy(deployRequest({ "x-w7s-telegram-chat-id": "4711" }), defaultPlatformConfig);
    expect(response.status).toBe(200);
    expect(world.chatLinks.size).toBe(0);
    expect(world.outbox.size).toBe(0);
  });

  it("answers the deploy as usual when the notification store is down", async () => {
    world.notificationFailure = "Unavailable";
    const response = await deploy(deployRequest({ "x-w7s-telegram-chat-id": "4711" }));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe("success");
  });
});

describe("the bot's webhook", () => {
  const update = (body: string, secret: string | null = SECRET) =>
    new Request("https://w7s.example.com/api/v1/telegram/webhook", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(secret === null ? {} : { "x-telegram-bot-api-secret-token": secret }),
      },
      body,
    });
  const answer = async (request: Request, withConfig = config) => {
    const response = await run(
      answerTelegramWebhook(request, withConfig).pipe(Effect.provide(memoryPorts(world))),
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const start = JSON.stringify({
    update_id: 1,
    message: { message_id: 5, chat: { id: 4711, type: "private" }, text: "/start" },
  });

  it("queues the /start reply for the chat that wrote, with this server's deploy URL", async () => {
    expect(await answer(update(start))).toEqual({ status: 200, body: { ok: true } });
    expect(queued()).toEqual([
      {
        event: "bot_reply",
        chatId: "4711",
        parseMode: "MarkdownV2",
        text: expect.stringContaining('telegram-chat-id: "4711"'),
      },
    ]);
    expect(queued()[0]?.text).toContain("deploy-url: https://w7s.example.com/api/v1/deploy");
  });

  it("refuses a missing or wrong secret (401), and every update when no secret is configured (403)", async () => {
    expect(await answer(update(start, null))).toMatchObject({
      status: 401,
      body: { status: "error", error: "Invalid Telegram webhook secret." },
    });
    expect((await answer(update(start, `${SECRET}x`))).status).toBe(401);
    expect((await answer(update(start, "hook-secreT"))).status).toBe(401);
    const open = { ...config, notifications: { ...config.notifications!, webhookSecret: null } };
    expect((await answer(update(start), open)).status).toBe(403);
    expect((await answer(update(start), defaultPlatformConfig)).status).toBe(404);
    expect(world.outbox.size).toBe(0);
  });

  it("answers 400 to a body that is not JSON, and queues nothing for updates without a chat", async () => {
    expect(await answer(update("{"))).toMatchObject({
      status: 400,
      body: { error: "Invalid Telegram update." },
    });
    expect(await answer(update(JSON.stringify({ update_id: 2, callback_query: {} })))).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect(world.outbox.size).toBe(0);
  });

  it("describes itself on GET", async () => {
    const body = (await telegramWebhookInfo(config).json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      webhook: "/api/v1/telegram/webhook",
      actionInputs: { "deploy-url": "https://w7s.example.com/api/v1/deploy" },
    });
    expect(JSON.stringify(body)).not.toContain(SECRET);
  });
});
