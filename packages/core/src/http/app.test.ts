import { Effect } from "effect";
import { beforeEach, describe, expect, it } from "vitest";
import { appKey, type MemoryWorld, makeMemoryWorld, memoryPorts } from "../../test/memoryPorts.js";
import { defaultPlatformConfig, type PlatformConfig } from "../platformConfig.js";
import { RuntimeError } from "../ports/PortErrors.js";
import type { DeploymentRecord } from "../ports/records/DeploymentRecord.js";
import { makeHttpApp } from "./app.js";

const config: PlatformConfig = {
  ...defaultPlatformConfig,
  baseDomain: "w7s.test",
  build: { commitId: "abc123", branch: "main", deployedAt: "2026-01-01T00:00:00.000Z" },
};

let world: MemoryWorld;
let app: ReturnType<typeof makeHttpApp>;
beforeEach(() => {
  world = makeMemoryWorld();
  const layer = memoryPorts(world);
  app = makeHttpApp({ config, run: (effect) => Effect.runPromise(Effect.provide(effect, layer)) });
});

const publish = (
  owner: string,
  repo: string,
  options: {
    environment?: string;
    files?: Record<string, string>;
    backend?: boolean;
    spaIndex?: boolean;
  } = {},
) => {
  const environment = options.environment ?? "production";
  const manifestKey = `manifest:${environment}:${owner}:${repo}`;
  const files = options.files ?? {};
  const entries = Object.fromEntries(
    Object.entries(files).map(([path, text]) => {
      const r2Key = `object:${environment}:${owner}:${repo}:${path}`;
      world.objects.set(r2Key, {
        body: new TextEncoder().encode(text),
        metadata: { contentType: "text/plain", etag: "e" },
      });
      const contentType = path.endsWith(".html") ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
      return [
        path,
        { path, r2Key, contentType, size: text.length, etag: `etag-${path.length}-${text.length}` },
      ];
    }),
  );
  const hasStatic = Object.keys(files).length > 0;
  if (hasStatic) {
    world.manifests.set(manifestKey, {
      version: 1,
      orgSlug: owner,
      repoSlug: repo,
      environment,
      assetPrefix: "p",
      deployedAt: "2026-01-01T00:00:00.000Z",
      files: entries,
      hasIndex: "index.html" in files,
    });
  }
  const record: DeploymentRecord = {
    version: 1,
    orgSlug: owner,
    repoSlug: repo,
    sourceRepoSlug: repo,
    application: `${owner}-${repo}`,
    environment,
    repository: `${owner}/${repo}`,
    branch: environment === "production" ? "main" : environment,
    commitSha: "0".repeat(40),
    deployedAt: "2026-01-01T00:00:00.000Z",
    targets: {
      ...(hasStatic
        ? {
            static: {
              manifestKey,
              assetPrefix: "p",
              fileCount: 1,
              totalSize: 1,
              hasIndex: "index.html" in files,
            },
          }
        : {}),
      ...(options.backend
        ? {
            worker: {
              namespace: "w7s",
              scriptName: repo,
              entrypoint: "index.js",
              compatibilityDate: "2026-01-01",
              startupTimeMs: null,
            },
          }
        : {}),
    },
  };
  world.deployments.set(appKey({ environment, orgSlug: owner, repoSlug: repo }), {
    deploymentId: `dep-${environment}-${owner}-${repo}`,
    record,
  });
};

const get = (host: string, path: string, init: RequestInit = {}) =>
  app.request(`http://${host}${path}`, {
    ...init,
    headers: { host, ...(init.headers as Record<string, string>) },
  });

describe("health (B.15)", () => {
  it.each(["/health", "/api/v1/health"])("%s answers the service name and build", async (path) => {
    const response = await get("w7s.test", path);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ok",
      service: "w7s",
      commitId: "abc123",
      commitHash: "abc123",
      branch: "main",
      deployedAt: "2026-01-01T00:00:00.000Z",
    });
  });
});

describe("static files (D.2, DECISIONS 10)", () => {
  beforeEach(() =>
    publish("acme", "site", {
      files: { "index.html": "<h1>home</h1>", "docs/index.html": "docs", "a b.txt": "spaced" },
    }),
  );

  it("serves an exact file and tags the environment", async () => {
    const response = await get("acme.w7s.test", "/site/index.html");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("<h1>home</h1>");
    expect(response.headers.get("x-w7s-environment")).toBe("production");
  });

  it("serves a directory index and redirects the slashless repo root keeping the query", async () => {
    expect(await (await get("acme.w7s.test", "/site/docs/")).text()).toBe("docs");
    expect(await (await get("acme.w7s.test", "/site/docs")).text()).toBe("docs");
    const redirect = await get("acme.w7s.test", "/site?x=1");
    expect([301, 302, 307, 308]).toContain(redirect.status);
    expect(redirect.headers.get("location")).toMatch(/\/site\/\?x=1$/);
  });

  it("looks up percent-decoded paths", async () => {
    expect(await (await get("acme.w7s.test", "/site/a%20b.txt")).text()).toBe("spaced");
  });

  it("answers 304 to a matching If-None-Match and 206/416 to ranges", async () => {
    const first = await get("acme.w7s.test", "/site/index.html");
    const etag = first.headers.get("etag") ?? "";
    expect(etag).not.toBe("");
    const cached = await get("acme.w7s.test", "/site/index.html", { headers: { "if-none-match": etag } });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe("");
    const partial = await get("acme.w7s.test", "/site/index.html", { headers: { range: "bytes=1-3" } });
    expect(partial.status).toBe(206);
    expect(await partial.text()).toBe("h1>");
    const outside = await get("acme.w7s.test", "/site/index.html", { headers: { range: "bytes=500-600" } });
    expect(outside.status).toBe(416);
  });

  it("never sends a body to HEAD", async () => {
    const response = await get("acme.w7s.test", "/site/index.html", { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });
});

describe("backends (D.2, D.4)", () => {
  beforeEach(() => {
    publish("acme", "full", { files: { "index.html": "spa shell" }, backend: true });
    world.backendFetch = (_id, request) => {
      const url = new URL(request.url);
      if (url.pathname.startsWith("/api")) {
        return new Response(
          `api ${request.method} ${url.pathname}${url.search} ${request.headers.get("x-w7s-secret") ?? "-"}`,
          {
            headers: { "set-cookie": "keep=1; Path=/", "x-extra": "1" },
          },
        );
      }
      return new Response("missing", { status: 404 });
    };
  });

  it("dispatches with the repo path, the query kept and client x-w7s-* headers dropped", async () => {
    const response = await get("acme.w7s.test", "/full/api/items?q=1", {
      headers: { "x-w7s-secret": "forged" },
    });
    expect(await response.text()).toBe("api GET /api/items?q=1 -");
  });

  it("falls back to the SPA index after a backend 404 for GET, not for POST", async () => {
    const page = await get("acme.w7s.test", "/full/settings/profile");
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("spa shell");
    const post = await get("acme.w7s.test", "/full/settings/profile", { method: "POST", body: "x" });
    expect(post.status).toBe(404);
    expect(await post.text()).toBe("missing");
  });

  it("drops cookies set for the base domain and keeps the app's own", async () => {
    world.backendFetch = () => {
      const headers = new Headers();
      headers.append("set-cookie", "own=1; Path=/");
      headers.append("set-cookie", "wide=1; Domain=w7s.test; Path=/");
      return new Response("ok", { headers });
    };
    const response = await get("acme.w7s.test", "/full/api/x");
    expect(response.headers.getSetCookie()).toEqual(["own=1; Path=/"]);
  });

  it("answers 502 with the runtime's message when the backend fails", async () => {
    world.backendFetch = () =>
      new RuntimeError({
        operation: "BackendRuntime.dispatch",
        reason: "Failed",
        description: "boom",
      } as never);
    const response = await get("acme.w7s.test", "/full/api/x");
    expect(response.status).toBe(502);
    expect(await response.text()).toContain("boom");
  });

  it("answers 504 with the runtime's limit when the backend times out", async () => {
    world.backendFetch = () =>
      new RuntimeError({
        operation: "BackendRuntime.dispatch",
        reason: "Timeout",
        description: "The backend did not answer within 50 ms.",
      });
    const response = await get("acme.w7s.test", "/full/api/x");
    expect(response.status).toBe(504);
    expect(await response.text()).toBe("The backend did not answer within 50 ms.");
  });
});

describe("hosts and environments (D.1, D.2)", () => {
  it("serves a branch host from production when the branch has no deployment", async () => {
    publish("acme", "site", { files: { "index.html": "prod" } });
    const response = await get("feature--acme.w7s.test", "/site/");
    expect(await response.text()).toBe("prod");
    expect(response.headers.get("x-w7s-environment")).toBe("production");
  });

  it("serves the branch's own deployment when it has one", async () => {
    publish("acme", "site", { files: { "index.html": "prod" } });
    publish("acme", "site", { environment: "feature", files: { "index.html": "branch" } });
    const response = await get("feature--acme.w7s.test", "/site/");
    expect(await response.text()).toBe("branch");
    expect(response.headers.get("x-w7s-environment")).toBe("feature");
  });

  it("serves the owner-root repository at the host root", async () => {
    publish("acme", "acme", { files: { "index.html": "root site" } });
    expect(await (await get("acme.w7s.test", "/")).text()).toBe("root site");
  });

  it("reserves /api/v1 on owner hosts", async () => {
    publish("acme", "api", { files: { "index.html": "x" } });
    const response = await get("acme.w7s.test", "/api/v1/whatever");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ status: "error", error: "Not found." });
  });

  it("answers not connected as JSON to fetches and HTML to navigations", async () => {
    const api = await get("nobody.w7s.test", "/nothing/");
    expect(api.status).toBe(404);
    expect(api.headers.get("content-type")).toContain("application/json");
    // A browser navigation gets the HTML page that shows where to deploy (D.2 deploy target).
    const page = await get("nobody.w7s.test", "/nothing/", { headers: { "sec-fetch-mode": "navigate" } });
    expect(page.headers.get("content-type")).toContain("text/html");
  });

  it("shows the landing page on the apex and 404 text for other methods", async () => {
    const page = await get("w7s.test", "/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("abc123");
    const post = await get("w7s.test", "/", { method: "POST" });
    expect(post.status).toBe(404);
    expect(await post.text()).toBe("404 Not Found");
  });

  it("hides /_w7s paths from the public", async () => {
    publish("acme", "site", { files: { "index.html": "x", "_w7s/secret.txt": "hidden" } });
    const response = await get("acme.w7s.test", "/site/_w7s/secret.txt");
    expect(await response.text()).not.toBe("hidden");
  });
});
