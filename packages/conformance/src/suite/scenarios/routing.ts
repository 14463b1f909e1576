/** D (with A.4-A.6 and DECISIONS 10): which file or backend answers a request, and with which headers. */
import { beforeAll, describe, expect, it } from "vitest";
import { echoBackendApp, fullstackApp } from "../apps.js";
import { base64Url, type SuiteContext } from "../context.js";

export const routingScenarios = (context: SuiteContext): void => {
  describe("D routing", () => {
    const router = () => context.host("router");
    beforeAll(async () => {
      const production = await context.deployAs("router", "app", fullstackApp("v1"), {
        headers: {
          "x-w7s-vars": base64Url({ GREETING: "hello" }),
          "x-w7s-secrets": base64Url({ API_KEY: "k-1" }),
        },
      });
      expect(production.body.status).toBe("success");
      const branch = await context.deployAs("router", "app", fullstackApp("branch"), { branch: "feature/x" });
      expect(branch.body.status).toBe("success");
      const root = await context.deployAs("router", "router", { "dist/index.html": "<h1>owner root</h1>" });
      expect(root.body.status).toBe("success");
      const rootBackend = await context.deployAs("rootapi", "rootapi", echoBackendApp());
      expect(rootBackend.body.status).toBe("success");
    }, 60_000);

    it("answers B.13 with the deployment and its URL, never token hashes", async () => {
      const answer = await context.deployAs("router", "shape", fullstackApp("shape"));
      const deployment = answer.body.data?.deployment ?? {};
      expect(answer.body.data?.url).toMatch(/^https?:\/\/router\.[^/]+\/shape\/$/);
      expect(deployment["rpc"]).toEqual({ binding: "W7S_RPC", allow: [] });
      expect(deployment["ai"]).toEqual({ binding: "W7S_AI" });
      expect(JSON.stringify(answer.body)).not.toContain("tokenHash");
    });
    it("gives branch and owner-root deployments their A.4 URLs", async () => {
      const branch = await context.deployAs(
        "router",
        "urls",
        { "dist/index.html": "u" },
        { branch: "Feature/API.v2_test" },
      );
      expect(branch.body.data?.url).toMatch(/^https?:\/\/feature-api-v2-test--router\.[^/]+\/urls\/$/);
      const root = await context.deployAs("urlowner", "urlowner", { "dist/index.html": "u" });
      expect(root.body.data?.url).toMatch(/^https?:\/\/urlowner\.[^/]+\/$/);
    });
    it("serves an exact static file with its content type, etag and immutable caching", async () => {
      const response = await context.get(router(), "/app/assets/app.js");
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/javascript; charset=utf-8");
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(response.headers.get("etag")).toMatch(/^"[0-9a-f]{64}"$/);
      expect(await response.text()).toBe('console.log("app v1");');
    });
    it("answers HEAD with the same headers and no body", async () => {
      const get = await context.get(router(), "/app/assets/app.js");
      const head = await context.get(router(), "/app/assets/app.js", { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers.get("etag")).toBe(get.headers.get("etag"));
      expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
      expect(await head.text()).toBe("");
    });
    it("serves HTML with no-cache and a directory index", async () => {
      const docs = await context.get(router(), "/app/docs/");
      expect(await docs.text()).toBe("<h1>docs</h1>");
      expect(docs.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(docs.headers.get("cache-control")).toBe("no-cache");
    });
    it("percent-decodes the path before looking it up", async () => {
      expect(await (await context.get(router(), "/app/assets/my%20file.txt")).text()).toBe("spaced");
    });
    it("redirects the repo root to its trailing slash, keeping the query", async () => {
      const response = await context.get(router(), "/app?from=test");
      expect(response.status).toBe(302);
      expect(response.headers.get("cache-control")).toBe("no-store");
      const location = new URL(response.headers.get("location") ?? "", "http://relative.invalid");
      expect({ path: location.pathname, search: location.search }).toEqual({
        path: "/app/",
        search: "?from=test",
      });
    });
    it("dispatches to the backend with the repo path and identity, never client x-w7s-* headers", async () => {
      const response = await context.get(router(), "/app/api/users?page=2", {
        headers: { "x-w7s-spoofed": "yes", "x-w7s-repo-slug": "evil", "x-w7s-original-path": "/evil" },
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
      const page = await context.get(router(), "/app/settings/profile");
      expect({ status: page.status, body: await page.text() }).toEqual({
        status: 200,
        body: "<h1>app v1</h1>",
      });
      const method = await context.get(router(), "/app/method");
      expect({ status: method.status, body: await method.text() }).toEqual({
        status: 200,
        body: "<h1>app v1</h1>",
      });
      const head = await context.get(router(), "/app/settings", { method: "HEAD" });
      expect({ status: head.status, body: await head.text() }).toEqual({ status: 200, body: "" });
      const post = await context.get(router(), "/app/missing", { method: "POST", body: "x" });
      expect({ status: post.status, body: await post.text() }).toEqual({ status: 404, body: "backend 404" });
      const postMethod = await context.get(router(), "/app/method", { method: "POST", body: "x" });
      expect({ status: postMethod.status, body: await postMethod.text() }).toEqual({
        status: 405,
        body: "no",
      });
      const echo = await context.get(router(), "/app/echo", { method: "POST", body: "ping" });
      expect(await echo.text()).toBe("echo:ping");
    });
    it("answers Not found. instead of the SPA for files with an extension and scanner paths", async () => {
      for (const path of ["/app/missing.js", "/app/wp-admin/setup", "/app/.env"]) {
        const response = await context.get(router(), path);
        expect({ path, status: response.status, body: await response.text() }).toEqual({
          path,
          status: 404,
          body: "Not found.",
        });
      }
    });
    it("serves branch environments and falls back to production, saying which served", async () => {
      const branch = await context.get(context.host("router", "feature-x"), "/app/api/x");
      expect(branch.headers.get("x-w7s-environment")).toBe("feature-x");
      expect(await branch.json()).toMatchObject({
        version: "branch",
        environment: "feature-x",
        branch: "feature/x",
      });
      const branchStatic = await context.get(context.host("router", "feature-x"), "/app/");
      expect(await branchStatic.text()).toBe("<h1>app branch</h1>");
      const fallback = await context.get(context.host("router", "no-such-branch"), "/app/api/x");
      expect(fallback.headers.get("x-w7s-environment")).toBe("production");
      expect(await fallback.json()).toMatchObject({ version: "v1", environment: "production" });
    });
    it("serves the owner-root repo at /, repo-prefixed apps first", async () => {
      expect(await (await context.get(router(), "/")).text()).toBe("<h1>owner root</h1>");
      expect(await (await context.get(router(), "/app/docs/")).text()).toBe("<h1>docs</h1>");
      const api = await context.get(context.host("rootapi"), "/api/status?x=1");
      expect(await api.json()).toEqual({
        path: "/api/status",
        repoSlugHeader: "rootapi",
        originalPath: "/api/status",
      });
      const named = await context.get(context.host("rootapi"), "/rootapi/x");
      expect(await named.json()).toMatchObject({ path: "/x", repoSlugHeader: "rootapi" });
    });
    it("keeps /api/v1 for the platform on owner hosts", async () => {
      const onOwnerRoot = await context.get(context.host("rootapi"), "/api/v1/anything");
      expect(onOwnerRoot.status).toBe(404);
      expect(await onOwnerRoot.json()).toMatchObject({ status: "error" });
      const exact = await context.get(context.host("rootapi"), "/api/v1");
      expect(exact.status).toBe(404);
      expect(await exact.text()).not.toContain("repoSlugHeader");
    });
    it("answers deployment_not_connected as JSON, and a deploy-target page to navigations (D.6, D.7)", async () => {
      const json = await context.get(context.host("nobody"), "/missing?x=1");
      expect(json.status).toBe(404);
      expect(json.headers.get("content-type")).toBe("application/json");
      expect(json.headers.get("cache-control")).toBe("no-store");
      expect(json.headers.get("x-robots-tag")).toBe("noindex, nofollow, noarchive");
      expect(await json.json()).toEqual({
        status: "error",
        code: "deployment_not_connected",
        error: "Deployment not connected.",
        message: "This W7S route is reachable, but there is no deployment attached to it yet.",
        host: context.host("nobody"),
        path: "/missing?x=1",
      });
      const head = await context.get(context.host("nobody"), "/x", { method: "HEAD" });
      expect({ status: head.status, body: await head.text() }).toEqual({ status: 404, body: "" });
      const page = await context.get(context.host("nobody"), "/x/y", {
        headers: { "sec-fetch-mode": "navigate" },
      });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("cache-control")).toBe("no-store");
      expect(page.headers.get("x-robots-tag")).toBe("noindex, nofollow, noarchive, nosnippet, noimageindex");
      expect(await page.text()).toContain("nobody/x");
    });
    it("answers If-None-Match with 304 and Range with 206", async () => {
      const first = await context.get(router(), "/app/assets/app.js");
      const etag = first.headers.get("etag") ?? "";
      const cached = await context.get(router(), "/app/assets/app.js", {
        headers: { "if-none-match": etag },
      });
      expect(cached.status).toBe(304);
      expect(await cached.text()).toBe("");
      const stale = await context.get(router(), "/app/assets/app.js", {
        headers: { "if-none-match": '"other"' },
      });
      expect(stale.status).toBe(200);
      const range = await context.get(router(), "/app/assets/app.js", { headers: { range: "bytes=0-6" } });
      expect(range.status).toBe(206);
      expect(await range.text()).toBe("console");
      expect(range.headers.get("content-range")).toBe("bytes 0-6/22");
    });
    it("answers health on the platform host and owner hosts (B.15)", async () => {
      for (const host of [context.target().baseDomain, router()]) {
        for (const path of ["/health", "/api/v1/health"]) {
          const response = await context.get(host, path);
          expect({ host, path, status: response.status }).toEqual({ host, path, status: 200 });
          const body = (await response.json()) as Record<string, unknown>;
          expect(Object.keys(body).sort()).toEqual(
            ["branch", "commitHash", "commitId", "deployedAt", "service", "status"].sort(),
          );
          expect(body["status"]).toBe("ok");
          expect(body["commitHash"]).toBe(body["commitId"]);
        }
      }
    });
  });
};
