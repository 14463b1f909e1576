/**
 * `w7s deploy`, `w7s logs`, `w7s usage` against a running w7s-server (and, for the read APIs this server
 * does not serve yet, the W7S read-API stand-in in front of it), and what they infer from git.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  type GitHubStandIn,
  type ReadApiStandIn,
  request,
  startGitHubStandIn,
  startReadApiStandIn,
} from "@w7s/conformance";
import { DEFAULT_SETTINGS, type RunningServer, startServer } from "@w7s/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CommandIo,
  deployCommand,
  devIdentity,
  dryRun,
  logsCommand,
  repositoryFromRemote,
  resolveToken,
  rollbackCommand,
  UsageError,
  usageCommand,
} from "../src/index.js";

let github: GitHubStandIn;
let server: RunningServer;
let readApi: ReadApiStandIn;

beforeAll(async () => {
  github = await startGitHubStandIn();
  github.addUserToken("ghp_dev", { repos: { "acme/skipped": { push: true }, "acme/site": { push: true } } });
  server = await startServer({
    ...DEFAULT_SETTINGS,
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "w7s-cli-")),
    githubApiUrl: github.apiUrl,
  });
  readApi = await startReadApiStandIn({ upstream: server.url });
}, 60_000);
afterAll(async () => {
  await readApi?.close();
  await server?.close(1_000);
  await github?.close();
});

const writeApp = (files: Readonly<Record<string, string>>): string => {
  const dir = mkdtempSync(join(tmpdir(), "w7s-cli-app-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
};

const capture = (cwd: string, env: Record<string, string> = {}, extra: Partial<CommandIo> = {}) => {
  const lines: string[] = [];
  const errors: string[] = [];
  const io: CommandIo = {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    out: (line) => lines.push(line),
    err: (line) => errors.push(line),
    ghToken: () => undefined,
    ...extra,
  };
  return { io, lines, errors, text: () => lines.join("\n") };
};

describe("w7s deploy --dry-run", () => {
  it("lists the upload and prints the same native_backend_skipped warning the server answers with", async () => {
    const app = writeApp({
      "dist/index.html": "<p>static</p>",
      "backend/README.md": "no entrypoint here",
      "node_modules/x/index.js": "left out",
      "w7s.json": JSON.stringify({ vars: ["A"], unknownKey: true }),
    });
    const dry = capture(app);
    expect(await deployCommand(["--dry-run"], dry.io)).toBe(0);
    const report = dryRun(app);
    expect(report.files.map((file) => file.path)).toEqual([
      "backend/README.md",
      "dist/index.html",
      "w7s.json",
    ]);
    expect(report.layout).toEqual({
      kind: "static site (backend folder skipped)",
      staticRoot: "dist",
      backendEntrypoint: undefined,
    });
    expect(dry.text()).toContain("  static root:        dist/");
    expect(dry.text()).toContain("  backend entrypoint: none");

    const deployed = capture(app, { GITHUB_TOKEN: "ghp_dev" });
    expect(
      await deployCommand(
        ["--url", server.url, "--repository", "acme/skipped", "--branch", "main"],
        deployed.io,
      ),
    ).toBe(0);
    const answer = await fetch(`${server.url}/api/v1/deploy`, {
      method: "POST",
      headers: {
        authorization: "Bearer ghp_dev",
        "content-type": "application/zip",
        "x-github-repository": "acme/skipped",
        "x-github-sha": "dev",
        "x-github-branch": "main",
      },
      body: (await import("@w7s/action")).zipDirectory(app) as Uint8Array<ArrayBuffer>,
    });
    const serverWarnings = (
      (await answer.json()) as { data: { deploymentWarnings: Array<{ code: string; message: string }> } }
    ).data.deploymentWarnings;
    expect(serverWarnings.map((warning) => warning.code)).toEqual([
      "native_backend_skipped",
      "unknown_manifest_key",
    ]);
    expect(report.warnings).toEqual(serverWarnings);
    for (const warning of serverWarnings)
      expect(dry.text()).toContain(`  - [${warning.code}] ${warning.message}`);
    expect(deployed.text()).toContain(`- ${serverWarnings[0]!.message}`);
  });

  it("says what the server would refuse", async () => {
    const dry = capture(writeApp({ "backend/lib.js": "export const x = 1;" }));
    await deployCommand(["--dry-run", "--quiet"], dry.io);
    expect(dry.text()).toContain(
      "  nothing deployable: Native backend deploy requires worker/index.js, worker/index.mjs, worker/index.ts, worker/index.mts, backend/index.js, backend/index.mjs, backend/index.ts, backend/index.mts, dist/server/index.js, or dist/server/index.mjs.",
    );
  });
});

describe("w7s deploy", () => {
  it("deploys with GITHUB_TOKEN, printing progress and the server's answer", async () => {
    const app = writeApp({ "dist/index.html": "<p>cli</p>" });
    const run = capture(app, {
      GITHUB_TOKEN: "ghp_dev",
      GITHUB_REPOSITORY: "acme/site",
      GITHUB_REF_NAME: "feature/cli",
    });
    expect(await deployCommand([".", "--url", `${server.url}/api/v1/deploy`], run.io)).toBe(0);
    expect(run.text()).toContain("with the token from GITHUB_TOKEN");
    expect(run.text()).toMatch(/ {2}packaged 1\/1 files, 10 B/);
    expect(run.text()).toContain("W7S deploy: success (HTTP 200)");
    expect(run.text()).toContain(`URL: http://feature-cli--acme.w7s.localhost:${server.port}/site/`);
  });

  it("takes the token from `gh auth token`, and fails with the server's message", async () => {
    const app = writeApp({ "dist/index.html": "<p>x</p>" });
    const run = capture(app, { GITHUB_REPOSITORY: "acme/site" }, { ghToken: () => "not-valid" });
    expect(await deployCommand(["--url", server.url], run.io)).toBe(1);
    expect(run.text()).toContain("with the token from gh auth token");
    expect(run.text()).toContain("Error: Bearer token is not authorized for this GitHub repository.");
    await expect(
      deployCommand(["--url", server.url], capture(app, { GITHUB_REPOSITORY: "acme/site" }).io),
    ).rejects.toThrow(UsageError);
    expect(resolveToken(undefined, { W7S_TOKEN: "a", GITHUB_TOKEN: "b" })).toEqual({
      token: "a",
      source: "W7S_TOKEN",
    });
  });
});

describe("w7s rollback", () => {
  it("lists the kept deployments and switches back to an earlier one", async () => {
    const env = { GITHUB_TOKEN: "ghp_dev", GITHUB_REPOSITORY: "acme/site", GITHUB_REF_NAME: "main" };
    for (const text of ["one", "two"]) {
      const app = writeApp({ "dist/index.html": `<p>${text}</p>` });
      expect(await deployCommand(["--url", server.url, "--sha", text], capture(app, env).io)).toBe(0);
    }
    const page = async () =>
      (
        await request(
          { baseUrl: server.url, baseDomain: "", close: async () => {} },
          "acme.w7s.localhost",
          "/site/",
        )
      ).text();
    expect(await page()).toBe("<p>two</p>");

    const list = capture(process.cwd(), env);
    expect(await rollbackCommand(["--url", server.url, "--list"], list.io)).toBe(0);
    expect(list.lines[0]).toBe("Deployments of acme/site (production), newest first (the server keeps 10):");
    expect(list.lines[1]).toMatch(/^\* \S+ {2}two {2}main {2}\S+$/);
    expect(list.lines[2]).toMatch(/^ {2}\S+ {2}one {2}main {2}\S+$/);

    const back = capture(process.cwd(), env);
    expect(await rollbackCommand(["--url", server.url], back.io)).toBe(0);
    expect(back.lines[0]).toMatch(/^Rolled back acme\/site \(production\) from \S+ to \S+\.$/);
    expect(back.lines[1]).toBe(`Live at http://acme.w7s.localhost:${server.port}/site/`);
    expect(await page()).toBe("<p>one</p>");

    const tooFar = capture(process.cwd(), env);
    expect(await rollbackCommand(["--url", server.url, "--steps", "5"], tooFar.io)).toBe(1);
    expect(tooFar.errors[0]).toBe(
      "W7S rollback failed (HTTP 400): Cannot roll back 5 steps: acme/site (production) keeps 0 earlier deployments.",
    );
    await expect(rollbackCommand(["--steps", "0"], capture(process.cwd(), env).io)).rejects.toThrow(
      UsageError,
    );
  });
});

describe("w7s logs and w7s usage (read APIs through the stand-in)", () => {
  it("prints the logs newest first, and --follow prints new records once", async () => {
    readApi.setLogs("acme/site", "production", [
      { id: "2", kind: "console", level: "log", timestamp: "2026-05-26T13:00:02.000Z", text: "second" },
      { id: "1", kind: "console", level: "warn", timestamp: "2026-05-26T13:00:01.000Z", text: "first" },
    ]);
    const once = capture(process.cwd(), {
      GITHUB_TOKEN: "t",
      GITHUB_REPOSITORY: "acme/site",
      GITHUB_REF_NAME: "main",
    });
    expect(await logsCommand(["--url", readApi.url, "--kind", "console"], once.io)).toBe(0);
    expect(once.lines).toEqual([
      "2 record(s) for acme/site (production), newest first",
      "[2026-05-26T13:00:02.000Z] console/log second",
      "[2026-05-26T13:00:01.000Z] console/warn first",
    ]);
    expect(readApi.requests.at(-1)?.query).toMatchObject({ environment: "production", kind: "console" });

    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const follow = capture(
      process.cwd(),
      { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "acme/site", GITHUB_REF_NAME: "main" },
      { stopped },
    );
    const following = logsCommand(["--url", readApi.url, "--follow", "--interval", "0.2"], follow.io);
    await new Promise((resolve) => setTimeout(resolve, 300));
    readApi.setLogs("acme/site", "production", [
      { id: "3", kind: "exception", level: "error", timestamp: "2026-05-26T13:00:03.000Z", text: "third" },
      { id: "2", kind: "console", level: "log", timestamp: "2026-05-26T13:00:02.000Z", text: "second" },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    stop();
    expect(await following).toBe(0);
    expect(follow.lines).toEqual([
      "[2026-05-26T13:00:01.000Z] console/warn first",
      "[2026-05-26T13:00:02.000Z] console/log second",
      "[2026-05-26T13:00:03.000Z] exception/error third",
    ]);
    const refused = capture(process.cwd(), {
      GITHUB_TOKEN: "t",
      GITHUB_REPOSITORY: "acme/site",
      GITHUB_REF_NAME: "main",
    });
    await expect(logsCommand(["--url", readApi.url, "--hours", "999"], refused.io)).rejects.toThrow(
      "W7S logs request failed: hours must be an integer from 1 to 168.",
    );
  });

  it("prints usage warnings", async () => {
    readApi.setUsage("acme/site", "staging", {
      warnings: [{ metric: "kv.write", status: "exceeded", used: 1001, limit: 1000, remaining: 0 }],
    });
    const run = capture(process.cwd(), { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "acme/site" });
    expect(
      await usageCommand(["--url", readApi.url, "--environment", "staging", "--date", "2026-05-26"], run.io),
    ).toBe(0);
    expect(run.lines).toContain("- kv.write exceeded: 1001/1000 daily units");
    expect(readApi.requests.at(-1)?.query).toEqual({ date: "2026-05-26", environment: "staging" });
    const direct = capture(process.cwd(), { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "acme/site" });
    expect(await usageCommand(["--url", server.url], direct.io)).toBe(1);
    // The real server refuses a token the GitHub stand-in does not know, and the CLI shows its words.
    expect(direct.errors.join("\n")).toMatch(
      /^W7S usage request failed \(HTTP 401\): Bearer token is not authorized for this GitHub repository\./,
    );
  });
});

describe("what w7s infers from git", () => {
  it.each([
    ["git@github.com:acme/web.git", { owner: "acme", repo: "web" }],
    ["https://github.com/acme/web", { owner: "acme", repo: "web" }],
    ["https://github.com/acme/web.git/", { owner: "acme", repo: "web" }],
    ["ssh://git@ghe.example.com/acme/web.git", { owner: "acme", repo: "web" }],
  ])("%s", (remote, expected) => {
    expect(repositoryFromRemote(remote)).toEqual(expected);
  });

  it("takes owner, repo and environment from the remote and the branch", () => {
    const dir = writeApp({ "package.json": JSON.stringify({ name: "@scope/pkg-name" }) });
    expect(devIdentity(dir, {})).toMatchObject({
      owner: "local",
      repo: "pkg-name",
      environment: "production",
    });
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
    git("init", "-q", "-b", "feature/Login_Page");
    git("remote", "add", "origin", "git@github.com:Acme/Web-App.git");
    expect(devIdentity(dir, {})).toMatchObject({
      owner: "acme",
      repo: "web-app",
      environment: "feature-login-page",
    });
    expect(devIdentity(dir, { environment: "QA" }).environment).toBe("qa");
  });
});
