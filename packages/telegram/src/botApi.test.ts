import { startTelegramStandIn, type TelegramStandIn } from "@w7s/conformance";
import { Notifier, NotifyError } from "@w7s/core";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callBotApi, makeTelegramNotifier, sendTelegramMessage, telegramNotifierLayer } from "./index.js";

const TOKEN = "123456:secret-bot-token";
let telegram: TelegramStandIn;

beforeAll(async () => {
  telegram = await startTelegramStandIn({ bots: [TOKEN] });
});
afterAll(() => telegram.close());

describe("the Bot API client against the stand-in", () => {
  it("sends a message and answers its id, as the Bot API's JSON says", async () => {
    const answer = await sendTelegramMessage(
      { apiUrl: telegram.url, botToken: TOKEN },
      { chatId: "4711", text: "*hello*", parseMode: "MarkdownV2" },
    );
    expect(answer.ok).toBe(true);
    const sent = telegram.messages.at(-1)!;
    expect(answer).toEqual({ ok: true, result: { messageId: String(sent.messageId) } });
    expect(telegram.calls.at(-1)).toMatchObject({
      method: "sendMessage",
      body: { chat_id: "4711", text: "*hello*", parse_mode: "MarkdownV2", disable_web_page_preview: true },
    });
  });

  it("answers refusals with Telegram's status and description, and an edit that changes nothing as success", async () => {
    const refused = await callBotApi({ apiUrl: telegram.url, botToken: TOKEN }, "sendMessage", {
      chat_id: "1",
    });
    expect(refused).toEqual({
      ok: false,
      kind: "refused",
      status: 400,
      description: "Bad Request: message text is empty",
    });
    const target = { apiUrl: telegram.url, botToken: TOKEN };
    const first = await sendTelegramMessage(target, { chatId: "4711", text: "same" });
    const id = first.ok ? first.result.messageId : undefined;
    const again = await sendTelegramMessage(target, { chatId: "4711", text: "same", messageId: id });
    expect(again).toEqual({ ok: true, result: { messageId: id } });
  });

  it("never puts the bot token in a description, whatever the failure", async () => {
    const closed = await startTelegramStandIn();
    const url = closed.url;
    await closed.close();
    const unreachable = await callBotApi({ apiUrl: url, botToken: TOKEN }, "sendMessage", {});
    expect(unreachable).toMatchObject({ ok: false, kind: "unreachable" });
    expect(unreachable.ok === false && unreachable.description).toContain(
      "Could not reach http://127.0.0.1:",
    );
    // A fetch whose error names the URL (some runtimes do) still yields a description without the token.
    const named = await callBotApi(
      {
        apiUrl: url,
        botToken: TOKEN,
        fetch: (input) => Promise.reject(new TypeError(`failed to fetch ${input}`)),
      },
      "sendMessage",
      {},
    );
    expect(named.ok === false && named.description).toContain("/bot<bot token>/sendMessage");
    expect(JSON.stringify(named)).not.toContain(TOKEN);
    const timedOut = await callBotApi(
      {
        apiUrl: telegram.url,
        botToken: TOKEN,
        timeoutMs: 20,
        fetch: (_input, init) =>
          new Promise((_resolve, reject) =>
            init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
          ),
      },
      "sendMessage",
      {},
    );
    expect(timedOut).toEqual({
      ok: false,
      kind: "timeout",
      description: "Telegram did not answer within 20 ms.",
    });
  });
});

describe("the Telegram Notifier", () => {
  const send = (notifier: ReturnType<typeof makeTelegramNotifier>, chatId = "4711") =>
    Effect.runPromise(Effect.flip(notifier.send({ chatId, text: "hi" })));

  it("sorts failures into retryable and not: outage and 429 vs refusal and wrong token", async () => {
    const notifier = makeTelegramNotifier({ apiUrl: telegram.url, botToken: TOKEN });
    telegram.setOutage(500);
    expect(await send(notifier)).toMatchObject({ _tag: "NotifyError", reason: "Unavailable" });
    telegram.setOutage(429);
    expect(await send(notifier)).toMatchObject({ reason: "RateLimited", retryAfterSeconds: 1 });
    telegram.setOutage(undefined);
    expect(await send(notifier, "")).toMatchObject({ reason: "Rejected" });
    const wrongToken = makeTelegramNotifier({ apiUrl: telegram.url, botToken: "999:nobody" });
    const misconfigured = await send(wrongToken);
    expect(misconfigured).toBeInstanceOf(NotifyError);
    expect(misconfigured.reason).toBe("Misconfigured");
  });

  it("sends nothing without a bot token", async () => {
    const calls = telegram.calls.length;
    const failure = await Effect.runPromise(
      Notifier.use((notifier) => notifier.send({ chatId: "4711", text: "hi" })).pipe(
        Effect.flip,
        Effect.provide(telegramNotifierLayer(undefined)),
      ),
    );
    expect(failure).toMatchObject({ _tag: "NotifyError", reason: "Misconfigured" });
    expect(telegram.calls.length).toBe(calls);
  });
});
