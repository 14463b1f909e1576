import { readFileSync } from "node:fs";
import { startTelegramStandIn } from "@w7s/conformance";
import { expect, it } from "vitest";
import { sendTelegramMessage } from "./index.js";

it("runs the README example", async () => {
  const telegram = await startTelegramStandIn({ bots: ["123456:bot-token"] });
  try {
    const answer = await sendTelegramMessage(
      { apiUrl: telegram.url, botToken: "123456:bot-token" },
      { chatId: "4711", text: "*W7S deploy succeeded*", parseMode: "MarkdownV2" },
    );
    expect(answer).toEqual({ ok: true, result: { messageId: String(telegram.messages[0]!.messageId) } });
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toContain('{ chatId: "4711", text: "*W7S deploy succeeded*", parseMode: "MarkdownV2" },');
  } finally {
    await telegram.close();
  }
});
