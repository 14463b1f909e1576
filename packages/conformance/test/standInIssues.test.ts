import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GitHubStandIn,
  startGitHubStandIn,
  startReadApiStandIn,
  startTelegramStandIn,
} from "../src/index.js";

let github: GitHubStandIn;
beforeAll(async () => {
  github = await startGitHubStandIn();
  github.addInstallationToken("workflow", ["acme/web"]);
  github.seedIssues(
    "acme/web",
    Array.from({ length: 150 }, (_, index) => ({
      title: `Issue ${index + 1}`,
      pullRequest: index % 10 === 0,
      state: index % 3 === 0 ? ("closed" as const) : ("open" as const),
    })),
  );
});
afterAll(() => github.close());

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${github.apiUrl}${path}`, {
    ...init,
    headers: { authorization: "Bearer workflow", "content-type": "application/json", ...init.headers },
  });

describe("GitHub stand-in: issues", () => {
  it("lists issues and pull requests newest first, with GitHub's Link pagination", async () => {
    const first = await api("/repos/acme/web/issues?state=all&per_page=100");
    expect(first.status).toBe(200);
    const page = (await first.json()) as Array<{ number: number; pull_request?: unknown; html_url: string }>;
    expect(page).toHaveLength(100);
    expect(page[0]).toMatchObject({ number: 150, html_url: "https://github.com/acme/web/issues/150" });
    expect(page.find((issue) => issue.number === 141)?.pull_request).toBeDefined();
    const link = first.headers.get("link") ?? "";
    expect(link).toContain('rel="next"');
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? "";
    expect(new URL(next).searchParams.get("state")).toBe("all");
    const second = (await (
      await fetch(next, { headers: { authorization: "Bearer workflow" } })
    ).json()) as unknown[];
    expect(second).toHaveLength(50);
    const open = (await (await api("/repos/acme/web/issues?per_page=100")).json()) as Array<{
      state: string;
    }>;
    expect(open.every((issue) => issue.state === "open")).toBe(true);
  });

  it("creates (201) and updates (200) issues, reopening closed ones; 422 without a title; 404 for others' repos", async () => {
    const created = await api("/repos/acme/web/issues", {
      method: "POST",
      body: JSON.stringify({ title: "Usage", body: "<!-- marker -->" }),
    });
    expect(created.status).toBe(201);
    const issue = (await created.json()) as { number: number; state: string };
    expect(issue).toMatchObject({ number: 151, state: "open" });
    const closed = await api(`/repos/acme/web/issues/${issue.number}`, {
      method: "PATCH",
      body: JSON.stringify({ state: "closed" }),
    });
    expect(((await closed.json()) as { state: string }).state).toBe("closed");
    const reopened = await api(`/repos/acme/web/issues/${issue.number}`, {
      method: "PATCH",
      body: JSON.stringify({ title: "Usage 2", state: "open" }),
    });
    expect(await reopened.json()).toMatchObject({ title: "Usage 2", state: "open", body: "<!-- marker -->" });
    expect((await api("/repos/acme/web/issues", { method: "POST", body: "{}" })).status).toBe(422);
    expect((await api("/repos/acme/other/issues")).status).toBe(404);
    expect(github.issues("acme/web").at(-1)).toMatchObject({ title: "Usage 2", state: "open" });
  });

  it("mints GitHub Actions OIDC tokens for a runner's request token and audience", async () => {
    const runner = github.addActionsRunner({ repository: "acme/web", ref: "refs/heads/main" });
    const url = new URL(runner.requestUrl);
    url.searchParams.set("audience", "w7s.example.com");
    const answer = await fetch(url, { headers: { authorization: `Bearer ${runner.requestToken}` } });
    const { value } = (await answer.json()) as { value: string };
    const payload = JSON.parse(Buffer.from(value.split(".")[1]!, "base64url").toString("utf8"));
    expect(payload).toMatchObject({ aud: "w7s.example.com", repository: "acme/web", iss: github.issuer });
    expect((await fetch(url, { headers: { authorization: "Bearer nope" } })).status).toBe(401);
  });
});

describe("Telegram Bot API stand-in", () => {
  it("sends and edits messages in the Bot API's JSON, refusing unknown bots and unchanged edits", async () => {
    const telegram = await startTelegramStandIn();
    telegram.addBot("123:abc");
    const call = (token: string, method: string, body: unknown) =>
      fetch(`${telegram.url}/bot${token}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      }));
    const sent = await call("123:abc", "sendMessage", { chat_id: "42", text: "hello" });
    expect(sent).toMatchObject({
      status: 200,
      body: { ok: true, result: { chat: { id: 42 }, text: "hello" } },
    });
    const id = (sent.body.result as { message_id: number }).message_id;
    expect(
      (await call("123:abc", "editMessageText", { chat_id: "42", message_id: id, text: "bye" })).status,
    ).toBe(200);
    expect(
      await call("123:abc", "editMessageText", { chat_id: "42", message_id: id, text: "bye" }),
    ).toMatchObject({
      status: 400,
      body: { ok: false, error_code: 400 },
    });
    expect((await call("999:x", "sendMessage", { chat_id: "42", text: "x" })).body).toEqual({
      ok: false,
      error_code: 401,
      description: "Unauthorized",
    });
    expect(telegram.messages).toMatchObject([{ chatId: "42", text: "bye", edits: 1 }]);
    await telegram.close();
  });
});

describe("W7S read-API stand-in", () => {
  it("answers usage and logs in the documented envelopes and forwards everything else", async () => {
    const upstream = await startTelegramStandIn(); // any HTTP server to forward to
    const readApi = await startReadApiStandIn({ upstream: upstream.url });
    readApi.setUsage("acme/web", "production", { warnings: [{ metric: "deploy", status: "warning" }] });
    const usage = await fetch(`${readApi.url}/api/v1/usage/acme/web?date=2026-05-26`, {
      headers: { authorization: "Bearer t" },
    });
    expect(await usage.json()).toMatchObject({
      status: "success",
      data: { usage: { date: "2026-05-26", environment: "production" }, warnings: [{ metric: "deploy" }] },
    });
    const badHours = await fetch(`${readApi.url}/api/v1/logs/acme/web?hours=0`);
    expect(await badHours.json()).toEqual({
      status: "error",
      error: "hours must be an integer from 1 to 168.",
    });
    expect((await fetch(`${readApi.url}/bot1/sendMessage`, { method: "POST", body: "{}" })).status).toBe(401);
    await readApi.close();
    await upstream.close();
  });
});
