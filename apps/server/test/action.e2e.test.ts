/**
 * End to end: the BUILT GitHub Action (packages/action/dist/index.js) run as a child process under the
 * GitHub Actions environment, against this server, the GitHub stand-in and (for usage, which this server
 * does not serve yet) the W7S read-API stand-in in front of it. Plus compatibility both ways with the
 * official action's scripts: `zip -qr` + `curl --data-binary` requests are accepted, and our action renders
 * the server's answers.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import {
  ACTION_EXCLUDE_PATTERNS,
  type ApiAnswer,
  type DeployData,
  deployLogLines,
  deploySummaryMarkdown,
  type Envelope,
  parseOutputFile,
  usageIssueTitle,
} from "@w7s/action";
import {
  type GitHubStandIn,
  type ReadApiStandIn,
  request,
  startGitHubStandIn,
  startReadApiStandIn,
  startTelegramStandIn,
} from "@w7s/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../src/config.js";
import { type RunningServer, startServer } from "../src/server.js";

const run = promisify(execFile);
const actionBundle = resolve(import.meta.dirname, "../../../packages/action/dist/index.js");
const hasTool = (tool: string) => {
  try {
    execFileSync(tool, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const hasZipAndCurl = hasTool("zip") && hasTool("curl");

let github: GitHubStandIn;
let server: RunningServer;
let readApi: ReadApiStandIn;
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  github = await startGitHubStandIn();
  github.addInstallationToken("ghs_workflow", [
    "acme/site",
    "acme/warned",
    "acme/broken",
    "acme/oidc",
    "acme/curl",
  ]);
  server = await startServer({
    ...DEFAULT_SETTINGS,
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "w7s-action-e2e-")),
    githubApiUrl: github.apiUrl,
    oidcIssuer: github.issuer,
    oidcJwksUrl: github.jwksUrl,
    oidcAudiences: ["w7s.cloud", "127.0.0.1"],
    requestTimeoutMs: 10_000,
  });
  readApi = await startReadApiStandIn({ upstream: server.url });
}, 60_000);
afterAll(async () => {
  await readApi?.close();
  await server?.close(1_000);
  await github?.close();
});

const writeApp = (files: Readonly<Record<string, string>>): string => {
  const dir = mkdtempSync(join(tmpdir(), "w7s-app-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
};

interface BuiltActionRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly summary: string;
  readonly outputs: Record<string, string>;
}

/** Runs dist/index.js as the runner does: cwd = GITHUB_WORKSPACE, inputs as `INPUT_<NAME>` with hyphens kept. */
const runBuiltAction = async (
  workspace: string,
  inputs: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>> = {},
): Promise<BuiltActionRun> => {
  const temp = mkdtempSync(join(tmpdir(), "w7s-runner-"));
  const summaryFile = join(temp, "step-summary.md");
  const outputFile = join(temp, "output.txt");
  writeFileSync(summaryFile, "");
  writeFileSync(outputFile, "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: "acme/site",
    GITHUB_REF_NAME: "main",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_API_URL: github.apiUrl,
    GITHUB_RUN_ID: "77",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_WORKFLOW: "Deploy",
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: temp,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_OUTPUT: outputFile,
    ...extra,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  let code = 0;
  let stdout = "";
  let stderr = "";
  try {
    ({ stdout, stderr } = await run(process.execPath, [actionBundle], { cwd: workspace, env }));
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    code = failed.code ?? 1;
    stdout = failed.stdout ?? "";
    stderr = failed.stderr ?? "";
  }
  return {
    code,
    stdout,
    stderr,
    summary: readFileSync(summaryFile, "utf8"),
    outputs: parseOutputFile(readFileSync(outputFile, "utf8")),
  };
};

const appGet = async (url: string) => {
  const parsed = new URL(url);
  const response = await request(
    { baseUrl: server.url, baseDomain: "", close: async () => {} },
    parsed.host,
    parsed.pathname,
  );
  return { status: response.status, body: await response.text() };
};

describe("the built action against w7s-server", () => {
  it("is one bundled file named by action.yml", () => {
    const actionYml = readFileSync(resolve(actionBundle, "../../action.yml"), "utf8");
    expect(actionYml).toMatch(/using: node24\n\s+main: dist\/index\.js/);
    expect(existsSync(actionBundle)).toBe(true);
  });

  it("deploys a fullstack app with runtime values: summary has the URL, outputs are set, the app answers", async () => {
    const workspace = writeApp({
      "w7s.json": JSON.stringify({ vars: ["GREETING"], secrets: ["API_KEY"] }),
      "dist/index.html": "<h1>deployed by the action</h1>",
      "backend/index.js":
        "export default { fetch: (request, env) => Response.json({ greeting: env.GREETING, hasKey: Boolean(env.API_KEY) }) };",
      "node_modules/left-out/index.js": "x",
      ".git/HEAD": "ref: refs/heads/main",
    });
    const result = await runBuiltAction(
      workspace,
      { "deploy-url": `${server.url}/api/v1/deploy`, "github-token": "ghs_workflow" },
      { GREETING: "hello from the workflow", API_KEY: "s3cret" },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const url = `http://acme.w7s.localhost:${server.port}/site/`;
    expect(result.outputs).toMatchObject({ url, environment: "production" });
    expect(result.summary).toContain("### W7S Deploy");
    expect(result.summary).toContain(`- URL: ${url}`);
    expect(result.summary).toContain("- Worker entrypoint: `backend/index.js`");
    expect(result.summary).toContain("- Runtime vars: `GREETING`");
    expect(result.summary).toContain("- Runtime secrets: `1`");
    // node_modules/ and .git/ are left out, as the action's zip -x patterns leave them out.
    expect(result.stdout).toMatch(/W7S deploy: packaged 3\/3 files, \d+ B \(\d+\.\d s\)/);
    expect(result.stdout).toMatch(/W7S deploy: uploaded [\d.]+ [KM]?B of [\d.]+ [KM]?B \(100%, \d+\.\d s\)/);
    expect(result.stdout).toContain("W7S deploy: success (HTTP 200)");
    // The action's usage check (J.4) reads this server's usage API with the same token: a fresh app has none.
    expect(result.stdout).toContain("W7S usage warnings: none.");
    expect(await appGet(url)).toEqual({ status: 200, body: "<h1>deployed by the action</h1>" });
    expect(JSON.parse((await appGet(`${url}api/hello`)).body)).toEqual({
      greeting: "hello from the workflow",
      hasKey: true,
    });
    const posted = github.requests.filter((entry) => entry.path === "/repos/acme/site");
    expect(posted.length).toBeGreaterThan(0);
  });

  it("opens exactly one usage-warning issue, and a second run updates it (issues over 2+ pages)", async () => {
    github.seedIssues(
      "acme/site",
      Array.from({ length: 120 }, (_, index) => ({
        title: `Older issue ${index}`,
        pullRequest: index % 9 === 0,
      })),
    );
    readApi.setUsage("acme/site", "production", {
      warnings: [
        {
          metric: "deploy",
          status: "warning",
          used: 45,
          limit: 50,
          remaining: 5,
          message: "deploy is approaching the daily limit (45/50).",
        },
      ],
    });
    const workspace = writeApp({ "dist/index.html": "<p>v2</p>" });
    const inputs = { "deploy-url": `${readApi.url}/api/v1/deploy`, "github-token": "ghs_workflow" };
    const first = await runBuiltAction(workspace, inputs);
    expect(first.code).toBe(0);
    expect(first.summary).toContain("#### ⚠️ W7S Usage Warnings");
    expect(first.summary).toContain(
      "This deployment succeeded, but the repo is near or over one or more daily limits.",
    );
    expect(first.summary).toMatch(/Opened issue: \[#121\]\(https:\/\/github\.com\/acme\/site\/issues\/121\)/);
    const second = await runBuiltAction(workspace, inputs);
    expect(second.code).toBe(0);
    expect(second.summary).toContain("Updated issue: [#121](https://github.com/acme/site/issues/121)");
    const usageIssues = github
      .issues("acme/site")
      .filter((issue) => issue.title.startsWith("W7S usage warning"));
    expect(usageIssues.map((issue) => issue.title)).toEqual([usageIssueTitle("production", today)]);
    expect(usageIssues[0]?.body).toContain("| deploy | warning | 45 | 50 | 5 |");
    expect(usageIssues[0]?.body).toContain(`- Deployment: [http://acme.w7s.localhost:${server.port}/site/]`);
    // Each run read both pages of issues (state=all) before the match was known not to be on page 1.
    const listed = github.requests.filter((entry) =>
      entry.path.startsWith("/repos/acme/site/issues?state=all"),
    );
    expect(listed.some((entry) => entry.path.includes("page=2"))).toBe(true);
    expect(readApi.requests.filter((entry) => entry.path === "/api/v1/usage/acme/site")).toHaveLength(2);
  }, 60_000);

  it("shows the server's deploy warnings as workflow warnings and in the summary", async () => {
    const workspace = writeApp({ "dist/index.html": "<p>static</p>", "backend/README.md": "not a backend" });
    const result = await runBuiltAction(
      workspace,
      {
        "deploy-url": `${server.url}/api/v1/deploy`,
        "github-token": "ghs_workflow",
      },
      { GITHUB_REPOSITORY: "acme/warned" },
    );
    expect(result.code).toBe(0);
    const message =
      "backend/ was present, but W7S did not deploy a backend because no supported backend entrypoint was found.";
    expect(result.stdout).toContain(`::warning title=W7S deploy warning::${message}`);
    expect(result.summary).toContain("#### ⚠️ Deploy Warnings");
    expect(result.summary).toContain(`- ${message}`);
  });

  it("fails with the server's message and details, never a stack trace", async () => {
    const workspace = writeApp({
      "dist/index.html": "<p>x</p>",
      "w7s.json": JSON.stringify({ bindings: { kv: ["A", "B", "C", "D"] } }),
    });
    const caps = await runBuiltAction(
      workspace,
      {
        "deploy-url": `${server.url}/api/v1/deploy`,
        "github-token": "ghs_workflow",
      },
      { GITHUB_REPOSITORY: "acme/broken" },
    );
    expect(caps.code).toBe(1);
    expect(caps.stdout).toContain(
      "Error: Deploy exceeds W7S free-tier shape limits.\nlimits:\n  - w7s.json declares more than 3 KV bindings.",
    );
    expect(caps.summary).toContain("- Error: `Deploy exceeds W7S free-tier shape limits.`");
    expect(caps.summary).toContain("<details><summary>Raw response</summary>");
    expect(caps.stderr).toContain(
      "::error title=W7S deploy failed::Deploy exceeds W7S free-tier shape limits.",
    );
    const unauthorized = await runBuiltAction(
      workspace,
      {
        "deploy-url": `${server.url}/api/v1/deploy`,
        token: "not-a-token",
      },
      { GITHUB_REPOSITORY: "acme/broken" },
    );
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stdout).toContain("W7S deploy: error (HTTP 401)");
    expect(unauthorized.summary).toContain(
      "- Error: `Bearer token is not authorized for this GitHub repository.`",
    );
    const unreachable = await runBuiltAction(workspace, {
      "deploy-url": "http://127.0.0.1:9/api/v1/deploy",
      token: "x",
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim()).toBe(
      "Could not upload to http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9",
    );
    for (const output of [caps, unauthorized, unreachable])
      expect(`${output.stdout}${output.stderr}`).not.toMatch(/\n\s+at /);
    const noToken = await runBuiltAction(workspace, { "deploy-url": `${server.url}/api/v1/deploy` });
    expect({ code: noToken.code, stderr: noToken.stderr.trim() }).toEqual({
      code: 1,
      stderr: "W7S deploy requires a GitHub token.",
    });
  });

  it("deploys with a GitHub Actions OIDC token (oidc: true), the environment URL-encoded, the repo-root CNAME copied", async () => {
    const runner = github.addActionsRunner({ repository: "acme/oidc", ref: "refs/heads/main" });
    const workspace = writeApp({ CNAME: "app.example.com", "site/dist/index.html": "<p>oidc</p>" });
    const result = await runBuiltAction(
      workspace,
      {
        "deploy-url": `${server.url}/api/v1/deploy`,
        oidc: "true",
        environment: "qa&x",
        "working-directory": "site",
      },
      {
        GITHUB_REPOSITORY: "acme/oidc",
        ACTIONS_ID_TOKEN_REQUEST_URL: runner.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: runner.requestToken,
      },
    );
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("Copied repo-root CNAME into the deploy directory.");
    expect(existsSync(join(workspace, "site/CNAME"))).toBe(true);
    expect(result.outputs.environment).toBe("qa-x");
    expect(github.requests.some((entry) => entry.path.startsWith("/repos/acme/oidc"))).toBe(false);
  });
});

describe("the built action's Telegram status message (J.6)", () => {
  it("sends it when the deploy starts and edits it with the outcome", async () => {
    const telegram = await startTelegramStandIn();
    telegram.addBot("123:bot");
    try {
      const workspace = writeApp({ "dist/index.html": "<p>telegram</p>" });
      const result = await runBuiltAction(workspace, {
        "deploy-url": `${server.url}/api/v1/deploy`,
        "github-token": "ghs_workflow",
        "telegram-chat-id": "4711",
        "telegram-bot-token": "123:bot",
        "telegram-thread-id": "9",
        "telegram-api-url": telegram.url,
      });
      expect(result.code).toBe(0);
      expect(telegram.calls.map((call) => call.method)).toEqual(["sendMessage", "editMessageText"]);
      expect(telegram.calls[0]?.body).toMatchObject({ chat_id: "4711", message_thread_id: "9" });
      const [message] = telegram.messages;
      expect(result.outputs["telegram-message-id"]).toBe(String(message?.messageId));
      expect(message?.text).toContain("W7S Deployment completed\n\nRepository: acme/site");
      expect(message?.text).toContain(`URL: http://acme.w7s.localhost:${server.port}/site/`);
      expect(message?.text).toContain("HTTP: 200");
    } finally {
      await telegram.close();
    }
  });
});

describe.skipIf(!hasZipAndCurl)("compatibility with the official action's scripts (J.3, J.7)", () => {
  it("accepts zip -qr + curl --data-binary with the J.3 headers, and our action renders that answer", async () => {
    const app = writeApp({
      "w7s.json": JSON.stringify({ vars: ["GREETING"] }),
      "dist/index.html": "<p>curl</p>",
      "worker/index.js": "export default { fetch: (r, env) => new Response(env.GREETING) };",
      "node_modules/x/index.js": "x",
    });
    const archive = join(mkdtempSync(join(tmpdir(), "w7s-curl-")), "w7s-deploy.zip");
    execFileSync("zip", ["-qr", archive, ".", "-x", ...ACTION_EXCLUDE_PATTERNS], { cwd: app });
    // write-deploy-metadata.cjs: base64url of the UTF-8 JSON, no padding.
    const vars = Buffer.from(JSON.stringify({ GREETING: "hi from curl" })).toString("base64url");
    const responseFile = `${archive}.json`;
    const { stdout: status } = await run("curl", [
      "-sS",
      "-o",
      responseFile,
      "-w",
      "%{http_code}",
      "-X",
      "POST",
      `${server.url}/api/v1/deploy?environment=staging`,
      "-H",
      "Authorization: Bearer ghs_workflow",
      "-H",
      "x-github-repository: acme/curl",
      "-H",
      "x-github-branch: feature/curl",
      "-H",
      "x-github-sha: 0123456789abcdef0123456789abcdef01234567",
      "-H",
      "content-type: application/zip",
      "-H",
      `x-w7s-vars: ${vars}`,
      "--data-binary",
      `@${archive}`,
    ]);
    const raw = readFileSync(responseFile, "utf8");
    const answer: ApiAnswer<Envelope<DeployData>> = { status: Number(status), body: JSON.parse(raw), raw };
    expect(answer.status).toBe(200);
    const lines = deployLogLines(answer).join("\n");
    expect(lines).toContain("W7S deploy: success (HTTP 200)\nRepository: acme/curl\nEnvironment: staging");
    expect(lines).toContain("Worker entrypoint: worker/index.js\nStatic files: 1\nBindings: 1 vars");
    expect(deploySummaryMarkdown(answer)).toContain(
      `- URL: http://staging--acme.w7s.localhost:${server.port}/curl/`,
    );
    expect((await appGet(`http://staging--acme.w7s.localhost:${server.port}/curl/x`)).body).toBe(
      "hi from curl",
    );
  });

  it("renders the server's error answer to a curl request like the official script's raw response", async () => {
    const { stdout } = await run("curl", [
      "-sS",
      "-w",
      "\n%{http_code}",
      "-X",
      "POST",
      `${server.url}/api/v1/deploy`,
      "-H",
      "content-type: application/zip",
      "--data-binary",
      "not a zip",
    ]);
    const [raw = "", status = ""] = stdout.split("\n");
    const answer: ApiAnswer<Envelope<DeployData>> = { status: Number(status), body: JSON.parse(raw), raw };
    expect(deployLogLines(answer)).toEqual([
      "W7S deploy: error (HTTP 401)",
      "Error: Missing bearer token.",
      "",
      "Raw W7S response:",
      JSON.stringify({ status: "error", error: "Missing bearer token." }, null, 2),
    ]);
  });
});
