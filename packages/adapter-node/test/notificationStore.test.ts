/**
 * NotificationStore on both control-plane databases, and the core's delivery round over it with the real
 * Telegram Notifier against the Bot API stand-in: links upserted per app and chat, claims leased once,
 * an outage retried after its delay, a refusal dropped. One suite, run twice.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  dropTestSchemas,
  freshSchemaName,
  requirePostgres,
  startTelegramStandIn,
  TEST_DATABASE_URL,
  type TelegramStandIn,
} from "@w7s/conformance";
import {
  type ChatLink,
  defaultNotificationDeliveryPolicy,
  deliverNotifications,
  NotificationStore,
  type OutboxMessage,
} from "@w7s/core";
import { Clock, Effect, Layer } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idsLayer } from "../src/ids.js";
import { notificationStoreLayer, telegramNotifierLayer } from "../src/notifications/index.js";

const TOKEN = "4242:notifier-test";
const NOW = Date.parse("2026-05-26T14:00:00.000Z");
let now = NOW;
const clock: Clock.Clock = (() => {
  const real = Effect.runSync(Clock.clockWith(Effect.succeed));
  return {
    ...real,
    currentTimeMillisUnsafe: () => now,
    currentTimeMillis: Effect.sync(() => now),
  } as Clock.Clock;
})();

const backends = [
  { name: "SQLite", options: () => ({ dataDir: mkdtempSync(join(tmpdir(), "w7s-notify-")) }) },
  {
    name: "Postgres",
    options: () => ({
      dataDir: mkdtempSync(join(tmpdir(), "w7s-notify-")),
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: freshSchemaName(),
    }),
  },
];

let telegram: TelegramStandIn;
beforeAll(async () => {
  await requirePostgres();
  telegram = await startTelegramStandIn({ bots: [TOKEN] });
}, 30_000);
afterAll(async () => {
  await telegram.close();
  await dropTestSchemas();
}, 30_000);

const app = { environment: "production", orgSlug: "acme", repoSlug: "shop" };

const link = (chatId: string, events: string[]): ChatLink => ({
  version: 1,
  chatId,
  events,
  ...app,
  repository: "acme/shop",
  updatedAt: new Date(now).toISOString(),
  source: "github_action",
});

const message = (id: string, chatId: string, text = `message ${id}`): OutboxMessage => ({
  id,
  event: "deploy_success",
  createdAt: new Date(now).toISOString(),
  message: { chatId, text },
});

describe.each(backends)("NotificationStore on $name", (backend) => {
  const options = backend.options();
  const run = <A, E, R>(body: Effect.Effect<A, E, R>) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.suspend(() =>
          body.pipe(
            Effect.provide(
              Layer.mergeAll(
                notificationStoreLayer(options),
                telegramNotifierLayer({ apiUrl: telegram.url, botToken: TOKEN }),
                idsLayer,
              ),
            ),
          ),
        ).pipe(Effect.provideService(Clock.Clock, clock)),
      ) as Effect.Effect<A, unknown, never>,
    );

  it("upserts one link per app and chat, and lists only that app's", async () => {
    const links = await run(
      Effect.gen(function* () {
        const store = yield* NotificationStore;
        yield* store.linkChat(link("1001", ["deploy_success"]));
        yield* store.linkChat(link("1001", ["deploy_error", "app_suspended"]));
        yield* store.linkChat(link("1002", ["all"]));
        yield* store.linkChat({ ...link("1003", ["all"]), environment: "staging" });
        return yield* store.linkedChats(app);
      }),
    );
    expect(links.map((found) => [found.chatId, found.events])).toEqual([
      ["1001", ["deploy_error", "app_suspended"]],
      ["1002", ["all"]],
    ]);
  });

  it("leases a message to one claimer, and gives it back after the lease or a retry time", async () => {
    now = NOW;
    await run(
      Effect.gen(function* () {
        const store = yield* NotificationStore;
        yield* store.enqueue([message("m1", "1001"), message("m2", "1002")]);
        const first = yield* store.claim({ limit: 1, leaseMs: 30_000, leaseToken: "a" });
        const second = yield* store.claim({ limit: 10, leaseMs: 30_000, leaseToken: "b" });
        expect(first.map((claimed) => [claimed.id, claimed.attempts])).toEqual([["m1", 1]]);
        expect(second.map((claimed) => claimed.id)).toEqual(["m2"]);
        expect(yield* store.claim({ limit: 10, leaseMs: 30_000, leaseToken: "c" })).toEqual([]);
        // Only the holder settles: another token's remove changes nothing.
        yield* store.remove({ ...first[0]!, leaseToken: "x" });
        yield* store.retryLater(first[0]!, new Date(NOW + 5_000).toISOString(), "HTTP 500");
        yield* store.remove(second[0]!);
        expect(yield* store.pending()).toBe(1);
        now = NOW + 4_999;
        expect(yield* store.claim({ limit: 10, leaseMs: 30_000, leaseToken: "d" })).toEqual([]);
        now = NOW + 5_000;
        const again = yield* store.claim({ limit: 10, leaseMs: 30_000, leaseToken: "e" });
        expect(again.map((claimed) => [claimed.id, claimed.attempts, claimed.message.chatId])).toEqual([
          ["m1", 2, "1001"],
        ]);
        yield* store.remove(again[0]!);
        expect(yield* store.pending()).toBe(0);
      }),
    );
  });

  it("delivers through Telegram: an outage is retried after its delay, a refused chat is dropped", async () => {
    now = NOW;
    const text = `outage test ${backend.name}`;
    telegram.setOutage(500);
    const first = await run(
      Effect.gen(function* () {
        const store = yield* NotificationStore;
        yield* store.enqueue([message("o1", "2001", text), message("o2", "", `no chat ${backend.name}`)]);
        return yield* deliverNotifications();
      }),
    );
    // During the outage both are failures worth retrying (Telegram did not judge the message).
    expect(first).toMatchObject({ sent: 0, retried: 2, dropped: [] });
    telegram.setOutage(undefined);
    const early = await run(deliverNotifications());
    expect(early).toMatchObject({ sent: 0, retried: 0 });
    now = NOW + defaultNotificationDeliveryPolicy.baseDelayMs;
    const recovered = await run(deliverNotifications());
    expect(recovered.sent).toBe(1);
    expect(recovered.dropped).toEqual([
      { id: "o2", event: "deploy_success", error: expect.stringContaining("chat_id is empty") },
    ]);
    expect(telegram.messages.filter((sent) => sent.text === text)).toHaveLength(1);
    const pending = await run(
      Effect.gen(function* () {
        const store = yield* NotificationStore;
        return yield* store.pending();
      }),
    );
    expect(pending).toBe(0);
  });
});
