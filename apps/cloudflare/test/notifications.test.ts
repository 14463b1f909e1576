/** Telegram notifications on Cloudflare: a deploy queues its message in the outbox, the cron trigger sends it. */
import { startTelegramStandIn, type TelegramStandIn, zipFiles } from "@w7s/conformance";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type CoreHarness, startCoreHarness } from "./harness.js";

let harness: CoreHarness;
let telegram: TelegramStandIn;

beforeAll(async () => {
  telegram = await startTelegramStandIn({ bots: ["bot-token"] });
  harness = await startCoreHarness({
    vars: {
      W7S_DEPLOY_TOKEN: "deploy-token",
      W7S_TELEGRAM_BOT_TOKEN: "bot-token",
      W7S_TELEGRAM_CHAT_ID: "4242",
      W7S_TELEGRAM_API_URL: telegram.url,
    },
  });
}, 120_000);

afterAll(async () => {
  await harness?.close();
  await telegram?.close();
});

it("sends the deploy notice to the manager chat on the next cron tick", async () => {
  const response = await fetch(`${harness.url}/api/v1/deploy`, {
    method: "POST",
    headers: {
      authorization: "Bearer deploy-token",
      "content-type": "application/zip",
      "x-github-repository": "acme/site",
      "x-github-sha": "0123456789abcdef0123456789abcdef01234567",
      "x-github-branch": "main",
    },
    body: zipFiles({ "dist/index.html": "<h1>hi</h1>" }) as Uint8Array<ArrayBuffer>,
  });
  expect(response.status).toBe(200);
  expect(telegram.messages).toHaveLength(0);
  const worker = await harness.mf.getWorker();
  await worker.scheduled({ scheduledTime: new Date(), cron: "* * * * *" });
  const deadline = Date.now() + 10_000;
  while (telegram.messages.length === 0 && Date.now() < deadline)
    await new Promise((done) => setTimeout(done, 100));
  expect(telegram.messages.map((message) => message.chatId)).toEqual(["4242"]);
  expect(telegram.messages[0]!.text).toContain("acme/site");
}, 60_000);
