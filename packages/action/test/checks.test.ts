import {
  type GitHubStandIn,
  type ReadApiStandIn,
  startGitHubStandIn,
  startReadApiStandIn,
  startTelegramStandIn,
  type TelegramStandIn,
} from "@w7s/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageIssueMarker, usageIssueTitle } from "../src/index.js";
import { runInProcess } from "./support.js";

let github: GitHubStandIn;
let readApi: ReadApiStandIn;
let telegram: TelegramStandIn;
const today = new Date().toISOString().slice(0, 10);
const warnings = [
  { metric: "runtime.request", status: "warning", used: 9000, limit: 10000, remaining: 1000, message: "x" },
  { metric: "kv.write", status: "exceeded", used: 1001, limit: 1000, remaining: 0, message: "y" },
];

beforeAll(async () => {
  github = await startGitHubStandIn();
  readApi = await startReadApiStandIn({ upstream: github.url });
  telegram = await startTelegramStandIn();
  telegram.addBot("123:bot");
  github.addInstallationToken("ghs_workflow", ["acme/web", "acme/quiet"]);
  readApi.allowTokens("ghs_workflow");
});
afterAll(async () => {
  await Promise.all([github.close(), readApi.close(), telegram.close()]);
});

const deployUrl = () => `${readApi.url}/api/v1/deploy`;

describe("J.4 usage-check-only", () => {
  it("finds today's issue on the second page of issues and updates it instead of opening another", async () => {
    github.seedIssues("acme/web", [
      {
        title: usageIssueTitle("production", today),
        body: `${usageIssueMarker("production", today)}\n\nold body`,
      },
    ]);
    github.seedIssues(
      "acme/web",
      Array.from({ length: 130 }, (_, index) => ({
        title: `Unrelated ${index}`,
        pullRequest: index % 7 === 0,
      })),
    );
    readApi.setUsage("acme/web", "production", { warnings });
    const run = await runInProcess(
      {
        "deploy-url": deployUrl(),
        "usage-check-only": "true",
        "github-token": "ghs_workflow",
      },
      { GITHUB_API_URL: github.apiUrl },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("W7S usage warnings:\n- runtime.request warning: 9000/10000 daily units");
    const mine = github.issues("acme/web").filter((issue) => issue.title.startsWith("W7S usage warning"));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.number).toBe(1);
    expect(mine[0]?.body).toContain("| kv.write | exceeded | 1001 | 1000 | 0 |");
    expect(mine[0]?.body).toContain("- Check: usage only");
    expect(run.summary).toContain("#### ⚠️ W7S Usage Warnings");
    expect(run.summary).toContain("This usage check found the repo near or over one or more daily limits.");
    expect(run.summary).toContain(
      "- `kv.write` `exceeded`: `1001` used of `1000` daily units, `0` remaining.",
    );
    expect(run.summary).toContain(`Updated issue: [#1](https://github.com/acme/web/issues/1)`);
    const pages = github.requests.filter((request) => request.path.startsWith("/repos/acme/web/issues?"));
    expect(pages.map((request) => new URL(request.path, "http://x").searchParams.get("page"))).toEqual([
      "1",
      "2",
    ]);
    expect(pages[0]?.headers).toMatchObject({
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      "user-agent": "w7s-cloud-action",
    });
    const usageRequest = readApi.requests.at(-1);
    expect(usageRequest).toMatchObject({
      path: "/api/v1/usage/acme/web",
      query: { date: today, environment: "production" },
      authorization: "Bearer ghs_workflow",
    });
  });

  it("reopens a closed issue of the same day, and opens exactly one when there is none", async () => {
    github.seedIssues("acme/quiet", [
      { title: usageIssueTitle("staging", today), body: usageIssueMarker("staging", today), state: "closed" },
    ]);
    readApi.setUsage("acme/quiet", "staging", { warnings: warnings.slice(0, 1) });
    readApi.setUsage("acme/quiet", "production", {
      appLimitState: { status: "suspended", reason: "Too much.", resumeAfter: "2026-05-27T00:00:00.000Z" },
    });
    const env = { GITHUB_API_URL: github.apiUrl, GITHUB_REPOSITORY: "acme/quiet" };
    const staging = await runInProcess(
      {
        "deploy-url": deployUrl(),
        "usage-check-only": "true",
        environment: "Staging",
        "github-token": "ghs_workflow",
      },
      env,
    );
    expect(staging.summary).toContain("Reopened issue: [#1]");
    expect(github.issues("acme/quiet")[0]?.state).toBe("open");
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const production = await runInProcess(
        { "deploy-url": deployUrl(), "usage-check-only": "true", "github-token": "ghs_workflow" },
        env,
      );
      expect(production.summary).toContain("- App status: `suspended`");
      expect(production.summary).toMatch(attempt === 0 ? /Opened issue: \[#2\]/ : /Updated issue: \[#2\]/);
    }
    expect(github.issues("acme/quiet").map((issue) => issue.title)).toEqual([
      usageIssueTitle("staging", today),
      usageIssueTitle("production", today),
    ]);
    expect(github.issues("acme/quiet")[1]?.body).toContain("No metric warnings were returned");
  });

  it("says none without warnings, skips the issue when disabled, and needs a token", async () => {
    readApi.setUsage("acme/web", "calm", {});
    const calm = await runInProcess(
      {
        "deploy-url": deployUrl(),
        "usage-check-only": "true",
        environment: "calm",
        "github-token": "ghs_workflow",
      },
      { GITHUB_API_URL: github.apiUrl },
    );
    expect(calm.stdout).toContain("W7S usage warnings: none.");
    readApi.setUsage("acme/web", "noisy", { warnings });
    const disabled = await runInProcess(
      {
        "deploy-url": deployUrl(),
        "usage-check-only": "true",
        environment: "noisy",
        "usage-warnings-issue": "off",
        "github-token": "ghs_workflow",
      },
      { GITHUB_API_URL: github.apiUrl },
    );
    expect(disabled.summary).toContain("Issue notification skipped: `usage-warnings-issue` is disabled.");
    const noToken = await runInProcess({ "deploy-url": deployUrl(), "usage-check-only": "true" });
    expect({ code: noToken.code, stderr: noToken.stderr }).toEqual({
      code: 1,
      stderr: "W7S usage check requires a GitHub token.",
    });
    const refused = await runInProcess({
      "deploy-url": deployUrl(),
      "usage-check-only": "true",
      token: "wrong",
    });
    expect(refused).toMatchObject({
      code: 0,
      stdout: "W7S usage warnings: skipped usage lookup (HTTP 401).",
    });
  });

  it("sends a GitHub Actions OIDC token for the deploy URL's host when oidc is true", async () => {
    const runner = github.addActionsRunner({ repository: "acme/web" });
    readApi.setUsage("acme/web", "oidc-env", {});
    const readApiOpen = await startReadApiStandIn({ upstream: github.url });
    readApiOpen.setUsage("acme/web", "oidc-env", {});
    const run = await runInProcess(
      {
        "deploy-url": `${readApiOpen.url}/api/v1/deploy`,
        "usage-check-only": "true",
        oidc: "true",
        environment: "oidc-env",
      },
      {
        ACTIONS_ID_TOKEN_REQUEST_URL: runner.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: runner.requestToken,
      },
    );
    expect(run.code).toBe(0);
    const bearer = readApiOpen.requests.at(-1)?.authorization?.replace("Bearer ", "") ?? "";
    const claims = JSON.parse(Buffer.from(bearer.split(".")[1] ?? "", "base64url").toString("utf8"));
    expect(claims).toMatchObject({ aud: "127.0.0.1", repository: "acme/web" });
    expect(run.stdout).toContain(`::add-mask::${bearer}`);
    const missing = await runInProcess({
      "deploy-url": deployUrl(),
      "usage-check-only": "true",
      oidc: "true",
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("ACTIONS_ID_TOKEN_REQUEST_URL is not set");
    await readApiOpen.close();
  });
});

describe("J.5 logs-check-only", () => {
  it("prints one line per record, writes logs-count and logs-url, and a summary table with stacks", async () => {
    readApi.setLogs("acme/web", "production", [
      {
        kind: "exception",
        level: "error",
        timestamp: "2026-05-26T13:42:10.534Z",
        text: "Error: boom | pipe",
        exception: { name: "Error", message: "boom", stack: "Error: boom\n    at fetch" },
        request: { method: "GET", path: "/throw", status: 500 },
      },
      {
        kind: "console",
        level: "warn",
        timestamp: "2026-05-26T13:41:58.112Z",
        message: ["warned", { path: "/warn" }],
      },
    ]);
    const run = await runInProcess({
      "deploy-url": deployUrl(),
      "logs-check-only": "true",
      "logs-hours": "500",
      "logs-limit": "10",
      "github-token": "ghs_workflow",
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("W7S logs: 2 record(s) for acme/web (production)");
    expect(run.stdout).toContain(
      "[2026-05-26T13:42:10.534Z] exception/error GET /throw 500 Error: boom | pipe",
    );
    expect(run.stdout).toContain('[2026-05-26T13:41:58.112Z] console/warn warned {"path":"/warn"}');
    expect(run.outputs["logs-count"]).toBe("2");
    expect(run.outputs["logs-url"]).toBe(
      `${readApi.url}/api/v1/logs/acme/web?environment=production&hours=168&limit=10`,
    );
    expect(run.summary).toContain("### W7S Logs");
    expect(run.summary).toContain(
      "| 2026-05-26T13:42:10.534Z | exception | error | GET /throw 500 | Error: boom \\| pipe |",
    );
    expect(run.summary).toContain("<summary>Exception stacks</summary>");
  });

  it("fails with the server's message for a refused query", async () => {
    const run = await runInProcess({
      "deploy-url": deployUrl(),
      "logs-check-only": "true",
      "logs-kind": "nope",
      "github-token": "ghs_workflow",
    });
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 1,
      stderr: "W7S logs request failed: kind must be console, exception, or outcome.",
    });
    expect(run.stderr).not.toContain("at ");
  });
});

describe("J.6 Telegram direct mode", () => {
  it("sends the status message, then edits the same message", async () => {
    const inputs = {
      "telegram-notify-only": "true",
      "telegram-chat-id": "4711",
      "telegram-bot-token": "123:bot",
      "telegram-api-url": telegram.url,
    };
    const first = await runInProcess(inputs);
    expect(first.code).toBe(0);
    const id = first.outputs["telegram-message-id"];
    expect(telegram.messages.find((message) => String(message.messageId) === id)?.text).toBe(
      [
        "W7S Deployment started",
        "",
        "Repository: acme/web",
        "Environment: production",
        "Branch: main",
        "Commit: 0123456789ab",
        "Workflow: Deploy",
        "",
        "https://github.com/acme/web/actions/runs/4242",
      ].join("\n"),
    );
    const second = await runInProcess({
      ...inputs,
      "telegram-message-id": id ?? "",
      "telegram-status-stage": "error",
    });
    expect(second.outputs["telegram-message-id"]).toBe(id);
    const message = telegram.messages.find((candidate) => String(candidate.messageId) === id);
    expect(message).toMatchObject({ edits: 1 });
    expect(message?.text.startsWith("W7S Deployment failed")).toBe(true);
    const call = telegram.calls.at(-1);
    expect(call).toMatchObject({
      method: "editMessageText",
      body: { disable_web_page_preview: true, chat_id: "4711" },
    });
  });

  it("warns, and never fails, without a bot token or when Telegram refuses", async () => {
    const skipped = await runInProcess({ "telegram-notify-only": "true", "telegram-chat-id": "4711" });
    expect(skipped).toMatchObject({
      code: 0,
      stdout:
        "::warning title=W7S Telegram notification skipped::telegram-chat-id was provided, but telegram-bot-token is empty.",
    });
    const refused = await runInProcess({
      "telegram-notify-only": "true",
      "telegram-chat-id": "4711",
      "telegram-bot-token": "999:unknown",
      "telegram-api-url": telegram.url,
    });
    expect(refused).toMatchObject({
      code: 0,
      stdout: "::warning title=W7S deploy status notification failed::Unauthorized",
    });
  });
});
