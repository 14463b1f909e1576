/**
 * The scenarios every W7S adapter must pass, driven only through HTTP (spec A.4-A.6, B, D, E.1 and
 * DECISIONS 2-6, 10). Each scenario deploys under its own owner or repo, so they do not interfere.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubStandIn, startGitHubStandIn } from "../github/index.js";
import { type ArchiveFiles, zipBomb, zipFiles, zipWithSymlink } from "./archives.js";
import { type ConformanceTarget, type DeployOptions, deploy, request } from "./client.js";

export interface ConformanceFactoryOptions {
  readonly githubApiUrl: string;
  readonly oidc: { readonly issuer: string; readonly audiences: readonly string[]; readonly jwksUrl: string };
  readonly deployToken: string;
  readonly dataDir: string;
}

/** Starts the adapter's server with these settings. */
export type ConformanceFactory = (options: ConformanceFactoryOptions) => Promise<ConformanceTarget>;

const DEPLOY_TOKEN = "conformance-operator-token";
const USER_TOKEN = "ghu_conformance_writer";
const READ_ONLY_TOKEN = "ghu_conformance_reader";
const INSTALLATION_TOKEN = "ghs_conformance_installation";

const entrypointList =
  "worker/index.js, worker/index.mjs, worker/index.ts, worker/index.mts, backend/index.js, backend/index.mjs, backend/index.ts, backend/index.mts, dist/server/index.js, or dist/server/index.mjs";

/** A fullstack app: an SPA in dist/ and a backend that reports what it saw. */
const fullstackApp = (version: string): ArchiveFiles => ({
  "dist/index.html": `<h1>app ${version}</h1>`,
  "dist/assets/app.js": `console.log("app ${version}");`,
  "dist/docs/index.html": "<h1>docs</h1>",
  "backend/index.js": `import { describe } from "./lib/describe.js";
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/api/")) return Response.json(describe(request, env, "${version}"));
    if (url.pathname === "/echo" && request.method === "POST") return new Response("echo:" + (await request.text()));
    if (url.pathname === "/method") return new Response("no", { status: 405 });
    return new Response("backend 404", { status: 404 });
  },
};
`,
  "backend/lib/describe.js": `export const describe = (request, env, version) => ({
  version,
  path: new URL(request.url).pathname,
  query: new URL(request.url).search,
  repoSlugHeader: request.headers.get("x-w7s-repo-slug"),
  orgSlugHeader: request.headers.get("x-w7s-org-slug"),
  originalPath: request.headers.get("x-w7s-original-path"),
  spoofed: request.headers.get("x-w7s-spoofed"),
  owner: env.W7S_OWNER,
  repo: env.W7S_REPO,
  environment: env.W7S_ENVIRONMENT,
  branch: env.W7S_BRANCH,
  greeting: env.GREETING ?? null,
  secret: env.API_KEY ?? null,
  hasRpc: typeof env.W7S_RPC_TOKEN === "string",
});
`,
});

const base64Url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Registers the suite with vitest; `factory` starts the server under test. */
export const defineConformanceSuite = (name: string, factory: ConformanceFactory): void => {
  describe(`W7S conformance: ${name}`, () => {
    let github: GitHubStandIn;
    let target: ConformanceTarget;
    const host = (owner: string, environment?: string) =>
      environment === undefined
        ? `${owner}.${target.baseDomain}`
        : `${environment}--${owner}.${target.baseDomain}`;
    const deployAs = (owner: string, repo: string, files: ArchiveFiles, options: DeployOptions = {}) =>
      deploy(target, { token: DEPLOY_TOKEN, repository: `${owner}/${repo}`, files, ...options });

    beforeAll(async () => {
      github = await startGitHubStandIn();
      github.addUserToken(USER_TOKEN, { "auth-owner/user-app": { push: true } });
      github.addUserToken(READ_ONLY_TOKEN, { "auth-owner/user-app": { push: false, pull: true } });
      github.addInstallationToken(INSTALLATION_TOKEN, ["auth-owner/other", "auth-owner/installed-app"]);
      target = await factory({
        githubApiUrl: github.apiUrl,
        oidc: { issuer: github.issuer, audiences: ["w7s.cloud"], jwksUrl: github.jwksUrl },
        deployToken: DEPLOY_TOKEN,
        dataDir: mkdtempSync(join(tmpdir(), "w7s-conformance-")),
      });
    }, 60_000);

    afterAll(async () => {
      await target?.close();
      await github?.close();
    });

    describe("B.2 deploy errors, in order", () => {
      const expectError = async (options: DeployOptions, status: number, error: string) => {
        const answer = await deploy(target, { token: DEPLOY_TOKEN, ...options });
        expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error });
        expect(answer.body.status).toBe("error");
      };

      it("row 1: bearer token", () => expectError({ token: null }, 401, "Missing bearer token."));
      it("row 2 beats row 3: zip content type", () =>
        expectError(
          { contentType: "text/plain", repository: null },
          415,
          "Deploy body must be an application/zip archive.",
        ));
      it("row 3: required headers in order", async () => {
        await expectError({ repository: null, sha: null }, 400, "Missing x-github-repository header.");
        await expectError({ sha: null, branch: null }, 400, "Missing x-github-sha header.");
        await expectError({ branch: "  " }, 400, "Missing x-github-branch header.");
      });
      it("row 4: owner/repo form", () =>
        expectError({ repository: "just-a-name" }, 400, "x-github-repository must be in owner/repo form."));
      it("row 5: slugs are a 400, never a 500", async () => {
        await expectError({ repository: "---/app" }, 400, "Invalid repository owner.");
        await expectError({ repository: "owner/---" }, 400, "Invalid repository name.");
      });
      it("row 6: environment override", () =>
        expectError({ query: "?environment=%21%21%21" }, 400, "Invalid environment."));
      it("row 7: a token that cannot deploy", () =>
        expectError(
          { token: "not-a-known-token" },
          401,
          "Bearer token is not authorized for this GitHub repository.",
        ));
      it("row 8: archive problems", async () => {
        await expectError({ zip: new Uint8Array(0) }, 400, "Deploy archive is empty.");
        await expectError(
          { zip: new TextEncoder().encode("not a zip") },
          400,
          "Unable to read deploy archive: invalid zip",
        );
        const invalidJson = await deploy(target, {
          token: DEPLOY_TOKEN,
          files: { "dist/index.html": "x", "w7s.json": "{ nope" },
        });
        expect(invalidJson.status).toBe(400);
        expect(invalidJson.body.error).toMatch(/^Invalid w7s\.json: /);
        await expectError(
          { files: { "dist/index.html": "x", "w7s.json": '{"bindings":{"kv":[1]}}' } },
          400,
          "bindings.kv[0] must be an object.",
        );
        await expectError(
          { headers: { "x-w7s-vars": "%%%" } },
          400,
          "x-w7s-vars must be base64url-encoded JSON.",
        );
        await expectError(
          { headers: { "x-w7s-vars": base64Url({ "1BAD": "x" }) } },
          400,
          "x-w7s-vars contains invalid environment variable name 1BAD.",
        );
      });
      it("row 9: application identity", () =>
        expectError(
          {
            files: { "dist/index.html": "x", "w7s.json": '{"name":"console"}' },
            headers: { "x-w7s-application": "other" },
          },
          400,
          "x-w7s-application must match name in w7s.json.",
        ));
      it("row 14: nothing deployable", async () => {
        await expectError(
          { files: { "README.md": "hi" } },
          400,
          "Archive must contain worker/, backend/, dist/server/, or static frontend output.",
        );
        await expectError(
          { files: { "backend/util.js": "export {}" } },
          400,
          `Native backend deploy requires ${entrypointList}.`,
        );
      });
      it("row 16: backend-only features on a static deploy", () =>
        expectError(
          {
            files: {
              "dist/index.html": "x",
              "w7s.json": '{"queues":["jobs"],"schedules":[{"cron":"* * * * *","path":"/tick"}]}',
            },
          },
          400,
          "Queues require a native backend deployment.",
        ));
      it("row 17: every shape cap at once", async () => {
        const answer = await deploy(target, {
          token: DEPLOY_TOKEN,
          files: {
            "backend/index.js": "export default {}",
            "w7s.json": JSON.stringify({
              bindings: { kv: ["A", "B", "C", "D"] },
              schedules: Array.from({ length: 6 }, (_, i) => ({ cron: "* * * * *", path: `/t${i}` })),
            }),
          },
        });
        expect(answer.status).toBe(400);
        expect(answer.body.error).toBe("Deploy exceeds W7S free-tier shape limits.");
        expect(answer.body.details?.["limits"]).toEqual([
          "w7s.json declares more than 3 KV bindings.",
          "w7s.json declares more than 5 schedules.",
        ]);
      });
      it("B.8: the backend module graph", async () => {
        await expectError(
          { files: { "backend/index.js": 'import "./missing.js";\nexport default {}' } },
          400,
          "Could not resolve ./missing.js from backend/index.js.",
        );
        await expectError(
          { files: { "backend/index.js": 'import { Hono } from "hono";\nexport default {}' } },
          400,
          "Native deploy currently supports only relative imports inside backend/. Unsupported import: hono",
        );
      });
    });

    describe("archive attacks (DECISIONS 5)", () => {
      const expectRefused = async (zip: Uint8Array | Promise<Uint8Array>, error: string) => {
        const answer = await deploy(target, {
          token: DEPLOY_TOKEN,
          repository: "attacks/app",
          zip: await zip,
        });
        expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 400, error });
      };
      it("refuses paths that climb out of the archive", () =>
        expectRefused(
          zipFiles({ "dist/index.html": "x", "../../evil.txt": "x" }),
          'Deploy archive entry "../../evil.txt" escapes the archive root.',
        ));
      it("refuses absolute paths", async () => {
        await expectRefused(
          zipFiles({ "dist/index.html": "x", "/etc/cron.d/x": "x" }),
          'Deploy archive entry "/etc/cron.d/x" has an absolute path.',
        );
        await expectRefused(
          zipFiles({ "dist/index.html": "x", "C:/x.txt": "x" }),
          'Deploy archive entry "C:/x.txt" has an absolute path.',
        );
      });
      it("refuses symbolic links", () =>
        expectRefused(
          zipWithSymlink({ "dist/index.html": "x" }, "dist/passwd", "/etc/passwd"),
          'Deploy archive entry "dist/passwd" is a symbolic link.',
        ));
      it("refuses two entries with the same path", () =>
        expectRefused(
          zipFiles({ "dist/index.html": "a", "dist/./index.html": "b" }),
          'Deploy archive contains "dist/index.html" more than once.',
        ));
      it("refuses a zip bomb early", () =>
        expectRefused(zipBomb(101 * 1024 * 1024), "Deploy archive expands past 100 MB."));
      it("a refused deploy changes nothing", async () => {
        const answer = await request(target, host("attacks"), "/app/");
        expect(answer.status).toBe(404);
      });
    });

    describe("B.3 authorization (DECISIONS 3)", () => {
      const files = { "dist/index.html": "<h1>auth</h1>" };
      it("accepts an OIDC token for the repository, with its branch", async () => {
        const token = await github.mintOidcToken({
          repository: "auth-owner/oidc-app",
          ref: "refs/heads/main",
        });
        expect((await deploy(target, { token, repository: "auth-owner/oidc-app", files })).status).toBe(200);
      });
      it("rejects an OIDC token whose branch disagrees with x-github-branch", async () => {
        const token = await github.mintOidcToken({
          repository: "auth-owner/oidc-app",
          ref: "refs/heads/feature",
        });
        const answer = await deploy(target, {
          token,
          repository: "auth-owner/oidc-app",
          branch: "main",
          files,
        });
        expect(answer.status).toBe(403);
      });
      it("rejects OIDC tokens for another repository, signed by an unknown key, or expired", async () => {
        const refused = "Bearer token is not authorized for this GitHub repository.";
        for (const token of [
          await github.mintOidcToken({ repository: "auth-owner/elsewhere" }),
          await github.mintOidcToken({ repository: "auth-owner/oidc-app", foreignKey: true }),
          await github.mintOidcToken({
            repository: "auth-owner/oidc-app",
            exp: Math.floor(Date.now() / 1000) - 600,
          }),
          await github.mintOidcToken({ repository: "auth-owner/oidc-app", audience: "someone-else" }),
        ]) {
          const answer = await deploy(target, { token, repository: "auth-owner/oidc-app", files });
          expect({ status: answer.status, error: answer.body.error }).toEqual({
            status: 401,
            error: refused,
          });
        }
      });
      it("accepts a user token with push access, refuses a read-only one", async () => {
        expect(
          (await deploy(target, { token: USER_TOKEN, repository: "auth-owner/user-app", files })).status,
        ).toBe(200);
        expect(
          (await deploy(target, { token: READ_ONLY_TOKEN, repository: "auth-owner/user-app", files })).status,
        ).toBe(401);
      });
      it("accepts an installation token that covers the repository", async () => {
        expect(
          (await deploy(target, { token: INSTALLATION_TOKEN, repository: "auth-owner/installed-app", files }))
            .status,
        ).toBe(200);
        expect(
          (await deploy(target, { token: INSTALLATION_TOKEN, repository: "auth-owner/not-installed", files }))
            .status,
        ).toBe(401);
      });
      it("answers 502 when GitHub fails", async () => {
        github.failNext(500);
        const answer = await deploy(target, { token: USER_TOKEN, repository: "auth-owner/user-app", files });
        expect(answer.status).toBe(502);
      });
    });

    describe("D routing", () => {
      beforeAll(async () => {
        const production = await deployAs("router", "app", fullstackApp("v1"), {
          headers: {
            "x-w7s-vars": base64Url({ GREETING: "hello" }),
            "x-w7s-secrets": base64Url({ API_KEY: "k-1" }),
          },
        });
        expect(production.body.status).toBe("success");
        const branch = await deployAs("router", "app", fullstackApp("branch"), { branch: "feature/x" });
        expect(branch.body.status).toBe("success");
        const root = await deployAs("router", "router", { "dist/index.html": "<h1>owner root</h1>" });
        expect(root.body.status).toBe("success");
      }, 60_000);

      it("answers B.13 with the deployment and its URL, never token hashes", async () => {
        const answer = await deployAs("router", "shape", fullstackApp("shape"));
        const deployment = answer.body.data?.deployment ?? {};
        expect(answer.body.data?.url).toMatch(/^https?:\/\/router\.[^/]+\/shape\/$/);
        expect(deployment["rpc"]).toEqual({ binding: "W7S_RPC", allow: [] });
        expect(JSON.stringify(answer.body)).not.toContain("tokenHash");
      });
      it("serves an exact static file with its content type and immutable caching", async () => {
        const response = await request(target, host("router"), "/app/assets/app.js");
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
        expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
        expect(await response.text()).toBe('console.log("app v1");');
      });
      it("serves a directory index", async () => {
        expect(await (await request(target, host("router"), "/app/docs/")).text()).toBe("<h1>docs</h1>");
      });
      it("redirects the repo root to its trailing slash, keeping the query", async () => {
        const response = await request(target, host("router"), "/app?from=test");
        expect(response.status).toBe(302);
        expect(new URL(response.headers.get("location") ?? "").pathname).toBe("/app/");
        expect(new URL(response.headers.get("location") ?? "").search).toBe("?from=test");
      });
      it("dispatches to the backend with the repo path and identity, never client x-w7s-* headers", async () => {
        const response = await request(target, host("router"), "/app/api/users?page=2", {
          headers: { "x-w7s-spoofed": "yes", "x-w7s-repo-slug": "evil" },
        });
        expect(response.headers.get("x-w7s-environment")).toBe("production");
        expect(await response.json()).toEqual({
          version: "v1",
          path: "/api/users",
          query: "?page=2",
          repoSlugHeader: "app",
          orgSlugHeader: "router",
          originalPath: "/app/api/users",
          spoofed: null,
          owner: "router",
          repo: "app",
          environment: "production",
          branch: "main",
          greeting: "hello",
          secret: "k-1",
          hasRpc: true,
        });
      });
      it("falls back to index.html after a backend 404 or 405, for GET and HEAD only", async () => {
        const page = await request(target, host("router"), "/app/settings/profile");
        expect({ status: page.status, body: await page.text() }).toEqual({
          status: 200,
          body: "<h1>app v1</h1>",
        });
        const method = await request(target, host("router"), "/app/method");
        expect(await method.text()).toBe("<h1>app v1</h1>");
        const head = await request(target, host("router"), "/app/settings", { method: "HEAD" });
        expect({ status: head.status, body: await head.text() }).toEqual({ status: 200, body: "" });
        const post = await request(target, host("router"), "/app/missing", { method: "POST", body: "x" });
        expect({ status: post.status, body: await post.text() }).toEqual({
          status: 404,
          body: "backend 404",
        });
        const echo = await request(target, host("router"), "/app/echo", { method: "POST", body: "ping" });
        expect(await echo.text()).toBe("echo:ping");
      });
      it("serves branch environments and falls back to production", async () => {
        const branch = await request(target, host("router", "feature-x"), "/app/api/x");
        expect(branch.headers.get("x-w7s-environment")).toBe("feature-x");
        expect(await branch.json()).toMatchObject({
          version: "branch",
          environment: "feature-x",
          branch: "feature/x",
        });
        const fallback = await request(target, host("router", "no-such-branch"), "/app/api/x");
        expect(fallback.headers.get("x-w7s-environment")).toBe("production");
        expect(await fallback.json()).toMatchObject({ version: "v1" });
      });
      it("serves the owner-root repo at /", async () => {
        expect(await (await request(target, host("router"), "/")).text()).toBe("<h1>owner root</h1>");
      });
      it("keeps /api/v1 for the platform on owner hosts", async () => {
        const response = await request(target, host("router"), "/api/v1/anything");
        expect(response.status).toBe(404);
        expect(await response.json()).toMatchObject({ status: "error" });
      });
      it("answers deployment_not_connected as JSON, or HTML for navigations", async () => {
        const json = await request(target, host("nobody"), "/missing?x=1");
        expect(json.status).toBe(404);
        expect(await json.json()).toMatchObject({ code: "deployment_not_connected", path: "/missing?x=1" });
        const html = await request(target, host("nobody"), "/x/y", {
          headers: { "sec-fetch-mode": "navigate" },
        });
        expect(html.headers.get("content-type")).toBe("text/html; charset=utf-8");
      });
      it("answers If-None-Match with 304 and Range with 206", async () => {
        const first = await request(target, host("router"), "/app/assets/app.js");
        const etag = first.headers.get("etag") ?? "";
        const cached = await request(target, host("router"), "/app/assets/app.js", {
          headers: { "if-none-match": etag },
        });
        expect(cached.status).toBe(304);
        const range = await request(target, host("router"), "/app/assets/app.js", {
          headers: { range: "bytes=0-6" },
        });
        expect(range.status).toBe(206);
        expect(await range.text()).toBe("console");
        expect(range.headers.get("content-range")).toBe("bytes 0-6/22");
      });
      it("health answers on the platform host", async () => {
        const response = await request(target, target.baseDomain, "/health");
        expect(await response.json()).toMatchObject({ status: "ok" });
      });
    });

    describe("all-or-nothing deploys (DECISIONS 6)", () => {
      it("a failed deploy leaves the previous one serving; a good one switches", async () => {
        expect((await deployAs("atomic", "app", fullstackApp("one"))).status).toBe(200);
        const broken = await deployAs("atomic", "app", {
          ...fullstackApp("two"),
          "backend/index.js": 'import "./nowhere.js";\nexport default {}',
        });
        expect(broken.status).toBe(400);
        expect(await (await request(target, host("atomic"), "/app/api/v")).json()).toMatchObject({
          version: "one",
        });
        const crashing = await deployAs("atomic", "app", {
          ...fullstackApp("three"),
          "backend/index.js": "export default { fetch( {",
        });
        expect(crashing.status).toBe(400);
        expect(await (await request(target, host("atomic"), "/app/api/v")).json()).toMatchObject({
          version: "one",
        });
        expect((await deployAs("atomic", "app", fullstackApp("four"))).status).toBe(200);
        expect(await (await request(target, host("atomic"), "/app/api/v")).json()).toMatchObject({
          version: "four",
        });
        expect(await (await request(target, host("atomic"), "/app/")).text()).toBe("<h1>app four</h1>");
      }, 60_000);
    });
  });
};
