import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startReplyText } from "./messages.js";
import { DEFAULT_SUBSCRIBED_EVENTS } from "./subscriptions.js";

const page = readFileSync(new URL("../../../../docs/notifications.md", import.meta.url), "utf8");

describe("docs/notifications.md", () => {
  it("shows the bot's /start reply exactly as the server sends it", () => {
    const shown = /````text\n([\s\S]*?)\n {3}````/.exec(page)?.[1];
    const unindented = shown?.replace(/^ {3}/gm, "");
    expect(unindented).toBe(
      startReplyText({ chatId: "123456789", deployUrl: "https://w7s.example.com/api/v1/deploy" }),
    );
  });

  it("names the default events a linked chat gets", () => {
    expect(page).toContain(
      `Without \`telegram-events\` a chat gets \`${DEFAULT_SUBSCRIBED_EVENTS.join(",")}\`.`,
    );
  });
});
