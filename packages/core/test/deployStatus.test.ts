/**
 * `POST /api/v1/deploy/status` (I.6) over the in-memory ports: the checks in the reference's order, who
 * hears about a stage, the subscriber's message sent at once with its id (or edited), and the outbox when
 * Telegram is down. The Bot API side is tested against its stand-in in the server.
 */
import { Effect } from "effect";
import { beforeEach, describe, expect, it } from "vitest";
import { reportDeployStatus } from "../src/http/deployStatus.js";
import { defaultPlatformConfig, type PlatformConfig } from "../src/platformConfig.js";
import { UpstreamError } from "../src/ports/PortErrors.js";
import { type MemoryWorld, makeMemoryWorld, memoryPorts } from "./memoryPorts.js";

const config: PlatformConfig = {
  ...defaultPlatformConfig,
  notifications: {
    adminChatIds: ["100"],
    managerChatIds: ["900"],
    managerEvents: ["deploy_error"],
    webhookSecret: null,
  },
};

let world: MemoryWorld;
beforeEach(() => {
  world = makeMemoryWorld();
});

const report = async (
  body: unknown,
  options: { token?: string | null; withConfig?: PlatformConfig } = {},
) => {
  const token = options.token === undefined ? "ghs_test" : options.token;
  const request = new Request("https://w7s.localhost/api/v1/deploy/status", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const response = await Effect.runPromise(
    reportDeployStatus(request, options.withConfig ?? config).pipe(Effect.provide(memoryPorts(world))),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const queuedChats = () => [...world.outbox.values()].map((entry) => entry.message.message.chatId).sort();

describe("POST /api/v1/deploy/status", () => {
  it("checks the bearer, the body, the stage, the repository, then the token's access, in that order", async () => {
    expect(await report("not json", { token: null })).toMatchObject({
      status: 401,
      body: { status: "error", error: "Missing bearer token." },
    });
    expect(await report("not json")).toMatchObject({
      status: 400,
      body: { error: "Invalid deploy status body." },
    });
    expect(await report([1, 2])).toMatchObject({
      status: 400,
      body: { error: "Invalid deploy status body." },
    });
    expect(await report({ stage: "done", github: { repository: "x" } })).toMatchObject({
      status: 400,
      body: { error: "Invalid deploy status stage." },
    });
    expect(await report({ stage: "start", github: { repository: "acme" } })).toMatchObject({
      status: 400,
      body: { error: "Repository must be in owner/repo form." },
    });
    world.access = { granted: false };
    expect(await report({ stage: "start", github: { repository: "acme/site" } })).toMatchObject({
      status: 401,
      body: { error: "Bearer token is not authorized for this GitHub repository." },
    });
    world.access = new UpstreamError({ operation: "RepoAuth.verify", reason: "Unavailable" });
    expect((await report({ stage: "start", github: { repository: "acme/site" } })).status).toBe(502);
    expect(world.outbox.size).toBe(0);
    expect(world.chatsSent).toHaveLength(0);
  });

  it("asks for deploy access to the repository the body names, deployment before github", async () => {
    await report({
      stage: "upload",
      deployment: { repository: "Acme/Site" },
      github: { repository: "other/repo" },
    });
    expect(world.verifyRequests.at(-1)).toMatchObject({ owner: "Acme", repo: "Site", access: "deploy" });
  });

  it("tells the admin chats every stage and the manager chats only the events they take", async () => {
    const started = await report({
      stage: "start",
      github: { repository: "acme/site", sha: "0123456789abcdef" },
    });
    expect(started).toEqual({
      status: 200,
      body: { notified: 1, event: "deploy_success", repository: "acme/site", stage: "start" },
    });
    expect(queuedChats()).toEqual(["100"]);
    const text = [...world.outbox.values()][0]?.message.message.text ?? "";
    expect(text).toContain("*W7S Deployment started*");
    expect(text).toContain("Commit: 0123456789ab");

    world.outbox.clear();
    const failed = await report({ stage: "error", github: { repository: "acme/site" }, message: "boom" });
    expect(failed.body).toMatchObject({ notified: 2, event: "deploy_error" });
    expect(queuedChats()).toEqual(["100", "900"]);
  });

  it("sends the subscriber's message at once and answers its id; a later report edits it", async () => {
    const first = await report({
      stage: "package",
      github: { repository: "acme/site" },
      telegram: { chatId: "4711", events: ["deploy_success", "deploy_error"] },
    });
    expect(first.body).toMatchObject({ notified: 2, telegramMessageId: "1" });
    expect(world.chatsSent).toEqual([expect.objectContaining({ chatId: "4711", parseMode: "MarkdownV2" })]);
    expect(world.chatsSent[0]?.text).toContain("Packaging repository");

    const second = await report({
      stage: "success",
      github: { repository: "acme/site" },
      telegram: { chatId: 4711, events: "deploy_success", messageId: 1 },
    });
    expect(second.body).toMatchObject({ telegramMessageId: "1" });
    expect(world.chatsSent[1]).toMatchObject({ chatId: "4711", editMessageId: "1" });
    expect(world.chatsSent[1]?.text).toContain("Deployment completed");
  });

  it("leaves out a subscriber whose events do not include the stage's, and an invalid chat id", async () => {
    const warning = await report({
      stage: "warning",
      github: { repository: "acme/site" },
      telegram: { chatId: "4711", events: "deploy_error" },
    });
    expect(warning.body).toMatchObject({ notified: 1, event: "deploy_warning" });
    await report({ stage: "error", github: { repository: "acme/site" }, telegram: { chatId: "not a chat" } });
    expect(world.chatsSent).toHaveLength(0);
  });

  it("never sends the same chat the report twice when the subscriber is also an admin", async () => {
    const answer = await report({
      stage: "error",
      github: { repository: "acme/site" },
      telegram: { chatId: "100" },
    });
    expect(answer.body).toMatchObject({ notified: 2, telegramMessageId: "1" });
    expect(queuedChats()).toEqual(["900"]);
  });

  it("puts the subscriber's message in the outbox when Telegram is down, and still answers", async () => {
    world.notifierDown = true;
    const answer = await report({
      stage: "start",
      github: { repository: "acme/site" },
      telegram: { chatId: "4711" },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).not.toHaveProperty("telegramMessageId");
    expect(queuedChats()).toEqual(["100", "4711"]);
  });

  it("answers notified 0 on a server without a bot, after the same checks", async () => {
    const withConfig = { ...config, notifications: null };
    expect(await report({ stage: "start", github: { repository: "acme/site" } }, { withConfig })).toEqual({
      status: 200,
      body: { notified: 0, event: "deploy_success", repository: "acme/site", stage: "start" },
    });
    world.access = { granted: false };
    expect(
      (await report({ stage: "start", github: { repository: "acme/site" } }, { withConfig })).status,
    ).toBe(401);
  });
});
