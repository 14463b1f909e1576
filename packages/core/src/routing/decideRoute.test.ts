import { Clock, Effect } from "effect";
import { describe, expect, it } from "vitest";
import { afterBackend } from "./backendDispatch.js";
import { decideRoute, decideRouteSync } from "./decideRoute.js";
import {
  type AppKey,
  accountingSource,
  type CustomDomainRoute,
  NotCached,
  type RoutableDeployment,
  type RouteDecision,
  type RouteLookups,
  type SuspensionView,
  type SyncRouteLookups,
} from "./routeModel.js";
import { selectCustomDomainRoute } from "./routePaths.js";

// A small world of deployments, custom-domain routes and suspensions, as an adapter's storage would hold.

const contentTypeOf = (path: string): string => {
  if (path.endsWith(".html")) return "text/html; charset=utf-8";
  if (path.endsWith(".js")) return "text/javascript; charset=utf-8";
  if (path.endsWith(".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
};

interface AppFixture {
  readonly owner: string;
  readonly repo: string;
  readonly environment?: string;
  readonly backend?: boolean;
  /** Route path -> size. */
  readonly files?: Readonly<Record<string, number>>;
  readonly defaultDomain?: boolean;
}

const deploymentOf = (app: AppFixture): RoutableDeployment => {
  const files = app.files;
  return {
    environment: app.environment ?? "production",
    orgSlug: app.owner,
    repoSlug: app.repo,
    hasBackend: app.backend ?? false,
    routing: { defaultDomain: app.defaultDomain ?? true },
    static:
      files === undefined
        ? undefined
        : {
            hasIndex: Object.hasOwn(files, "index.html"),
            file: (routePath) => {
              const size = Object.hasOwn(files, routePath) ? files[routePath] : undefined;
              return size === undefined
                ? undefined
                : { routePath, contentType: contentTypeOf(routePath), size, etag: `sha-${routePath}` };
            },
          },
  };
};

const apps: readonly AppFixture[] = [
  { owner: "w7s-io", repo: "demo", files: { "index.html": 20, "assets/app.js": 10 } },
  {
    owner: "w7s-io",
    repo: "docs",
    files: {
      "index.html": 20,
      "deploy-from-github": 0,
      "deploy-from-github/index.html": 30,
      "my file.txt": 5,
      "secret.txt": 5,
    },
  },
  { owner: "acme", repo: "acme", files: { "index.html": 20, "blog/post.css": 5, "about.txt": 5 } },
  { owner: "acme", repo: "blog", files: { "index.html": 20 } },
  { owner: "acme", repo: "web", backend: true, files: { "index.html": 20, "assets/app.js": 10 } },
  { owner: "acme", repo: "web", environment: "feature-x", files: { "index.html": 21 } },
  { owner: "acme", repo: "api", backend: true },
  { owner: "acme", repo: "limited", files: { "index.html": 20 } },
  { owner: "acme", repo: "static-site", files: { "index.html": 20, health: 2, "api/v1/status": 2 } },
  { owner: "dev-tools", repo: "dev-tools", files: { "index.html": 20 } },
  { owner: "guerrerocarlos", repo: "whereis", defaultDomain: false, files: { "index.html": 20 } },
  { owner: "omattic", repo: "compress-video", files: { "index.html": 20, "assets/app.js": 10 } },
  { owner: "omattic", repo: "site", backend: true, files: { "index.html": 20, "assets/site.css": 10 } },
];

const routes: readonly CustomDomainRoute[] = [
  {
    hostname: "whereis.carlosguerrero.com",
    orgSlug: "guerrerocarlos",
    repoSlug: "whereis",
    environment: "production",
  },
  { hostname: "omattic.com", orgSlug: "omattic", repoSlug: "site", environment: "production" },
  {
    hostname: "omattic.com",
    pathPrefix: "/compress-video",
    orgSlug: "omattic",
    repoSlug: "compress-video",
    environment: "production",
  },
  {
    hostname: "static.example.com",
    pathPrefix: "/",
    orgSlug: "acme",
    repoSlug: "static-site",
    environment: "production",
  },
  { hostname: "gone.example.com", orgSlug: "acme", repoSlug: "gone", environment: "production" },
];

const limitedState: SuspensionView = {
  reason: "W7S free-tier limit exceeded for runtime.request.",
  metrics: [{ metric: "runtime.request" }],
  resumeAfter: "2026-06-02T00:00:00.000Z",
};

const keyOf = (key: AppKey): string => `${key.environment}:${key.owner}:${key.repo}`;

/** Lookups over the world above, recording every deployment key asked for. */
const makeLookups = (world: readonly AppFixture[] = apps) => {
  const asked: string[] = [];
  const deployments = new Map(
    world.map((app) => [
      keyOf({ environment: app.environment ?? "production", owner: app.owner, repo: app.repo }),
      deploymentOf(app),
    ]),
  );
  const lookups: RouteLookups = {
    deployment: (key) => {
      asked.push(keyOf(key));
      return Effect.succeed(deployments.get(keyOf(key)));
    },
    customDomain: (host, pathname) =>
      Effect.succeed(
        selectCustomDomainRoute(
          routes.filter((route) => route.hostname === host),
          pathname,
        ),
      ),
    suspension: (key) => Effect.succeed(keyOf(key) === "production:acme:limited" ? limitedState : undefined),
  };
  return { lookups, asked };
};

interface RequestSpec {
  readonly url: string;
  readonly method?: string;
  readonly host?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
}

const NOON = Date.parse("2026-06-01T12:00:00.000Z");

/** A clock stopped at `ms`, so retry-after values are exact. */
const stoppedClock = (ms: number): Clock.Clock => {
  const nanos = BigInt(ms) * 1_000_000n;
  return {
    currentTimeMillisUnsafe: () => ms,
    currentTimeMillis: Effect.succeed(ms),
    currentTimeNanosUnsafe: () => nanos,
    currentTimeNanos: Effect.succeed(nanos),
    monotonicTimeNanosUnsafe: () => nanos,
    monotonicTimeNanos: Effect.succeed(nanos),
    sleep: () => Effect.void,
  };
};

/** The same lookups answered synchronously, as an adapter's caches would. */
const syncLookupsOf = (lookups: RouteLookups): SyncRouteLookups => ({
  deployment: (key) => Effect.runSync(lookups.deployment(key)),
  customDomain: (host, pathname) => Effect.runSync(lookups.customDomain(host, pathname)),
  suspension: (key) => Effect.runSync(lookups.suspension(key)),
  nowMs: () => NOON,
});

/** `decideRoute`'s decision, checked to be exactly what `decideRouteSync` decides over the same world. */
const decide = (spec: RequestSpec, world?: readonly AppFixture[]): RouteDecision => {
  const { lookups } = makeLookups(world);
  const host = spec.host === null ? undefined : (spec.host ?? new URL(spec.url).host);
  const request = {
    method: spec.method ?? "GET",
    url: spec.url,
    host,
    headers: new Headers(spec.headers ?? {}),
  };
  const program = decideRoute(request, { baseDomain: "w7s.cloud" }, lookups);
  const decision = Effect.runSync(program.pipe(Effect.provideService(Clock.Clock, stoppedClock(NOON))));
  expect(decideRouteSync(request, { baseDomain: "w7s.cloud" }, syncLookupsOf(lookups))).toEqual(decision);
  return decision;
};

const summary = (decision: RouteDecision): Record<string, unknown> => {
  switch (decision._tag) {
    case "Platform":
      return { tag: decision._tag, reason: decision.reason };
    case "RepoRootRedirect":
      return {
        tag: decision._tag,
        source: accountingSource(decision.source, decision.served),
        status: decision.response.status,
        location: decision.response.headers["location"],
      };
    case "StaticFile":
      return {
        tag: decision._tag,
        source: accountingSource(decision.source, decision.served),
        status: decision.status,
        file: decision.file.routePath,
        environment: decision.served.environment,
      };
    case "Backend":
      return {
        tag: decision._tag,
        app: `${decision.served.environment}:${decision.served.orgSlug}/${decision.served.repoSlug}`,
        mount: decision.served.mount,
        url: decision.dispatch.url,
        workerFirst: decision.workerFirst,
      };
    case "Suspended":
      return {
        tag: decision._tag,
        status: decision.response.status,
        environment: decision.served.environment,
      };
    case "NotConnected":
      return { tag: decision._tag, reason: decision.reason, status: decision.response.status };
    case "DeployTarget":
      return { tag: decision._tag, page: decision.page, status: decision.response.status };
  }
};

const platform = (reason: string) => ({ tag: "Platform", reason });
const notConnected = (reason: string) => ({ tag: "NotConnected", reason, status: 404 });
const staticFile = (source: string, file: string, status = 200, environment = "production") => ({
  tag: "StaticFile",
  source,
  status,
  file,
  environment,
});
const backend = (app: string, mount: string, url: string, workerFirst = false) => ({
  tag: "Backend",
  app,
  mount,
  url,
  workerFirst,
});
const navigate = { "sec-fetch-mode": "navigate" };

describe("D.1 / A.5 / A.7 which host routing serves", () => {
  it.each<[string, RequestSpec, Record<string, unknown>]>([
    ["the apex is the platform", { url: "https://w7s.cloud/" }, platform("apex")],
    ["the apex with a port", { url: "https://w7s.cloud:443/x", host: "W7S.cloud:8443" }, platform("apex")],
    ["www is the platform", { url: "https://www.w7s.cloud/" }, platform("not-runtime-host")],
    ["api is the platform", { url: "https://api.w7s.cloud/api/v1/status" }, platform("not-runtime-host")],
    ["app is the platform", { url: "https://app.w7s.cloud/" }, platform("not-runtime-host")],
    ["a foreign host without a custom domain", { url: "https://example.org/" }, platform("not-runtime-host")],
    ["an unparsable URL", { url: "not a url", host: "acme.w7s.cloud" }, platform("unparsable-url")],
    ["/api/v1 on an owner host", { url: "https://acme.w7s.cloud/api/v1" }, platform("platform-api")],
    [
      "POST /api/v1/deploy on an owner host",
      { url: "https://acme.w7s.cloud/api/v1/deploy", method: "POST" },
      platform("platform-api"),
    ],
    [
      "/api/v1 on a branch host",
      { url: "https://x--acme.w7s.cloud/api/v1/status" },
      platform("platform-api"),
    ],
    [
      "/api/v10 is an app path",
      { url: "https://acme.w7s.cloud/api/v10" },
      backend("production:acme/api", "repo-prefix", "https://acme.w7s.cloud/v10"),
    ],
    [
      "GET /health on an owner host is platform health",
      { url: "https://acme.w7s.cloud/health" },
      platform("platform-health"),
    ],
    [
      "POST /health on an owner host is an app path",
      { url: "https://acme.w7s.cloud/health", method: "POST" },
      notConnected("no-match"),
    ],
    [
      "the URL host is used without a Host header",
      { url: "https://acme.w7s.cloud/about.txt", host: null },
      staticFile("static_exact:org-root", "about.txt"),
    ],
    [
      "the Host header wins and its port is ignored",
      { url: "http://127.0.0.1:8080/about.txt", host: "ACME.w7s.cloud:8443" },
      staticFile("static_exact:org-root", "about.txt"),
    ],
    [
      "DECISIONS 9: dev-tools is an owner, not a legacy prefix",
      { url: "https://dev-tools.w7s.cloud/" },
      staticFile("static_exact:org-root", "index.html"),
    ],
    [
      "custom domain: /health is an app path",
      { url: "https://static.example.com/health" },
      staticFile("static_exact:custom-domain", "health"),
    ],
    [
      "custom domain: /api/v1/status is an app path",
      { url: "https://static.example.com/api/v1/status" },
      staticFile("static_exact:custom-domain", "api/v1/status"),
    ],
    [
      "custom domain: POST /api/v1/deploy is never the platform deploy API",
      { url: "https://static.example.com/api/v1/deploy", method: "POST" },
      notConnected("no-match"),
    ],
  ])("%s", (_name, spec, expected) => {
    expect(summary(decide(spec))).toStrictEqual(expected);
  });
});

describe("A.6 / D.2 owner-host candidates and static files", () => {
  it.each<[string, RequestSpec, Record<string, unknown>]>([
    [
      "repo-root redirect keeps the query",
      { url: "https://w7s-io.w7s.cloud/demo?from=test" },
      {
        tag: "RepoRootRedirect",
        source: "static_redirect:repo-prefix",
        status: 302,
        location: "https://w7s-io.w7s.cloud/demo/?from=test",
      },
    ],
    [
      "HEAD is redirected too",
      { url: "https://w7s-io.w7s.cloud/demo", method: "HEAD" },
      {
        tag: "RepoRootRedirect",
        source: "static_redirect:repo-prefix",
        status: 302,
        location: "https://w7s-io.w7s.cloud/demo/",
      },
    ],
    [
      "POST is not redirected",
      { url: "https://w7s-io.w7s.cloud/demo", method: "POST" },
      notConnected("no-match"),
    ],
    [
      "the repo root with a slash",
      { url: "https://w7s-io.w7s.cloud/demo/" },
      staticFile("static_exact:repo-prefix", "index.html"),
    ],
    [
      "a backend-only repo root is not redirected",
      { url: "https://acme.w7s.cloud/api" },
      backend("production:acme/api", "repo-prefix", "https://acme.w7s.cloud/"),
    ],
    [
      "a folder index",
      { url: "https://w7s-io.w7s.cloud/docs/deploy-from-github/" },
      staticFile("static_exact:repo-prefix", "deploy-from-github/index.html"),
    ],
    [
      "the zero-byte file without the slash",
      { url: "https://w7s-io.w7s.cloud/docs/deploy-from-github" },
      staticFile("static_exact:repo-prefix", "deploy-from-github"),
    ],
    [
      "DECISIONS 10: %20 is decoded",
      { url: "https://w7s-io.w7s.cloud/docs/my%20file.txt" },
      staticFile("static_exact:repo-prefix", "my file.txt"),
    ],
    [
      "an encoded `..` never reaches a file",
      { url: "https://w7s-io.w7s.cloud/docs/x/%2E%2E%2Fsecret.txt" },
      notConnected("no-match"),
    ],
    [
      "a NUL never reaches a file (the SPA index answers the extensionless path)",
      { url: "https://w7s-io.w7s.cloud/docs/secret.txt%00" },
      staticFile("static_fallback:repo-prefix", "index.html"),
    ],
    [
      "SPA fallback for an app route",
      { url: "https://w7s-io.w7s.cloud/demo/dashboard/settings" },
      staticFile("static_fallback:repo-prefix", "index.html"),
    ],
    [
      "no SPA fallback for a missing asset",
      { url: "https://w7s-io.w7s.cloud/demo/missing.js" },
      notConnected("no-match"),
    ],
    [
      "no SPA fallback for a hidden file",
      { url: "https://w7s-io.w7s.cloud/demo/.env" },
      notConnected("no-match"),
    ],
    [
      "no SPA fallback for a scanner path",
      { url: "https://w7s-io.w7s.cloud/demo/wp-admin/setup" },
      notConnected("no-match"),
    ],
    [
      "the same-name repo serves the owner root",
      { url: "https://acme.w7s.cloud/" },
      staticFile("static_exact:org-root", "index.html"),
    ],
    [
      "a repo prefix wins over the owner-root app",
      { url: "https://acme.w7s.cloud/blog/" },
      staticFile("static_exact:repo-prefix", "index.html"),
    ],
    [
      "an unknown first segment is an owner-root path",
      { url: "https://acme.w7s.cloud/about.txt" },
      staticFile("static_exact:org-root", "about.txt"),
    ],
    [
      "/<owner>/x is the owner-root app at /x, mounted by its prefix",
      { url: "https://acme.w7s.cloud/acme/about.txt" },
      staticFile("static_exact:repo-prefix", "about.txt"),
    ],
    [
      "a static-only miss never tries the owner-root app",
      { url: "https://acme.w7s.cloud/blog/post.css" },
      notConnected("no-match"),
    ],
  ])("%s", (_name, spec, expected) => {
    expect(summary(decide(spec))).toStrictEqual(expected);
  });

  it("a static-only miss asks for no owner-root deployment", () => {
    const { lookups, asked } = makeLookups();
    Effect.runSync(
      decideRoute(
        {
          method: "GET",
          url: "https://acme.w7s.cloud/blog/post.css",
          host: "acme.w7s.cloud",
          headers: new Headers(),
        },
        { baseDomain: "w7s.cloud" },
        lookups,
      ),
    );
    expect(asked).toStrictEqual(["production:acme:blog"]);
  });

  it("static answers carry the D.3 headers and the serving environment", () => {
    const decision = decide({ url: "https://w7s-io.w7s.cloud/demo/assets/app.js" });
    expect(decision).toMatchObject({
      _tag: "StaticFile",
      body: { kind: "whole" },
      headers: {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "public, max-age=31536000, immutable",
        etag: '"sha-assets/app.js"',
        "x-w7s-environment": "production",
      },
    });
    const index = decide({ url: "https://w7s-io.w7s.cloud/demo/" });
    expect(index).toMatchObject({ headers: { "cache-control": "no-cache", etag: '"sha-index.html"' } });
  });

  it.each<[string, RequestSpec, number, Record<string, unknown>]>([
    [
      "HEAD has no body",
      { url: "https://w7s-io.w7s.cloud/demo/assets/app.js", method: "HEAD" },
      200,
      { kind: "none" },
    ],
    [
      "If-None-Match gives 304",
      {
        url: "https://w7s-io.w7s.cloud/demo/assets/app.js",
        headers: { "if-none-match": '"sha-assets/app.js"' },
      },
      304,
      { kind: "none" },
    ],
    [
      "Range gives 206",
      { url: "https://w7s-io.w7s.cloud/demo/assets/app.js", headers: { range: "bytes=0-3" } },
      206,
      { kind: "range", offset: 0, length: 4 },
    ],
    [
      "an unsatisfiable Range gives 416",
      { url: "https://w7s-io.w7s.cloud/demo/assets/app.js", headers: { range: "bytes=10-" } },
      416,
      { kind: "none" },
    ],
    [
      "the SPA fallback honours If-None-Match",
      { url: "https://w7s-io.w7s.cloud/demo/settings", headers: { "if-none-match": '"sha-index.html"' } },
      304,
      { kind: "none" },
    ],
  ])("%s", (_name, spec, status, body) => {
    expect(decide(spec)).toMatchObject({ _tag: "StaticFile", status, body });
  });

  it("the redirect has no body and is never cached", () => {
    expect(decide({ url: "https://w7s-io.w7s.cloud/demo?from=test" })).toMatchObject({
      response: {
        status: 302,
        headers: {
          location: "https://w7s-io.w7s.cloud/demo/?from=test",
          "cache-control": "no-store",
          "x-w7s-environment": "production",
        },
        body: null,
      },
    });
  });
});

describe("A.5 / DECISIONS branch hosts fall back to production and report who served", () => {
  it.each<[string, RequestSpec, Record<string, unknown>]>([
    [
      "a branch deployment serves its branch host",
      { url: "https://feature-x--acme.w7s.cloud/web/" },
      staticFile("static_exact:repo-prefix", "index.html", 200, "feature-x"),
    ],
    [
      "a typo branch falls back to production",
      { url: "https://typo--acme.w7s.cloud/web/assets/app.js" },
      staticFile("static_exact:repo-prefix", "assets/app.js", 200, "production"),
    ],
    [
      "a branch without that repo falls back to its production backend",
      { url: "https://feature-x--acme.w7s.cloud/api/users" },
      backend("production:acme/api", "repo-prefix", "https://feature-x--acme.w7s.cloud/users"),
    ],
  ])("%s", (_name, spec, expected) => {
    expect(summary(decide(spec))).toStrictEqual(expected);
  });

  it("tries the branch environment, then production", () => {
    const { lookups, asked } = makeLookups();
    const decision = Effect.runSync(
      decideRoute(
        { method: "GET", url: "https://typo--acme.w7s.cloud/web/", host: undefined, headers: new Headers() },
        { baseDomain: "w7s.cloud" },
        lookups,
      ),
    );
    expect(asked).toStrictEqual(["typo:acme:web", "production:acme:web"]);
    expect(decision).toMatchObject({ headers: { "x-w7s-environment": "production" } });
  });
});

describe("D.2 steps 6.7-6.9 / D.4 owner-host backends", () => {
  it("dispatches with the repo path, the query and the identity headers", () => {
    expect(decide({ url: "https://acme.w7s.cloud/api/users?page=2", method: "POST" })).toMatchObject({
      _tag: "Backend",
      workerFirst: false,
      exactStatic: undefined,
      dispatch: {
        url: "https://acme.w7s.cloud/users?page=2",
        method: "POST",
        repoPath: "/users",
        identityHeaders: {
          "x-w7s-org-slug": "acme",
          "x-w7s-repo-slug": "api",
          "x-w7s-original-path": "/api/users",
        },
      },
    });
  });

  it("an owner-root backend sees the full path and its own slug", () => {
    const world: AppFixture[] = [{ owner: "guerrerocarlos", repo: "guerrerocarlos", backend: true }];
    expect(decide({ url: "https://guerrerocarlos.w7s.cloud/api/status" }, world)).toMatchObject({
      _tag: "Backend",
      served: { mount: "org-root" },
      dispatch: {
        url: "https://guerrerocarlos.w7s.cloud/api/status",
        identityHeaders: { "x-w7s-repo-slug": "guerrerocarlos", "x-w7s-original-path": "/api/status" },
      },
    });
  });

  it("an exact static file is served before the backend", () => {
    expect(summary(decide({ url: "https://acme.w7s.cloud/web/assets/app.js" }))).toStrictEqual(
      staticFile("static_exact:repo-prefix", "assets/app.js"),
    );
  });

  const after = (spec: RequestSpec, status: number): Record<string, unknown> => {
    const decision = decide(spec);
    if (decision._tag !== "Backend") throw new Error(`expected a backend decision, got ${decision._tag}`);
    const next = afterBackend(decision, status);
    return next._tag === "BackendNotFound"
      ? {
          source: accountingSource(next.source, next.served),
          status: next.response.status,
          body: next.response.body,
        }
      : { source: accountingSource(next.source, next.served) };
  };

  it.each<[string, RequestSpec, number, Record<string, unknown>]>([
    [
      "GET 200 is the backend's",
      { url: "https://acme.w7s.cloud/web/dashboard" },
      200,
      { source: "worker:repo-prefix" },
    ],
    [
      "GET 404 falls back to index.html",
      { url: "https://acme.w7s.cloud/web/dashboard" },
      404,
      { source: "static_fallback:repo-prefix" },
    ],
    [
      "GET 405 falls back to index.html",
      { url: "https://acme.w7s.cloud/web/dashboard" },
      405,
      { source: "static_fallback:repo-prefix" },
    ],
    [
      "HEAD 404 falls back to index.html",
      { url: "https://acme.w7s.cloud/web/dashboard", method: "HEAD" },
      404,
      { source: "static_fallback:repo-prefix" },
    ],
    [
      "POST 404 passes through",
      { url: "https://acme.w7s.cloud/web/dashboard", method: "POST" },
      404,
      { source: "worker:repo-prefix" },
    ],
    [
      "PUT 405 passes through",
      { url: "https://acme.w7s.cloud/web/dashboard", method: "PUT" },
      405,
      { source: "worker:repo-prefix" },
    ],
    [
      "GET 404 for an asset is the text 404",
      { url: "https://acme.w7s.cloud/web/missing.png" },
      404,
      { source: "not_found:repo-prefix", status: 404, body: "Not found." },
    ],
    [
      "GET 404 without a static site is the text 404",
      { url: "https://acme.w7s.cloud/api/missing" },
      404,
      { source: "not_found:repo-prefix", status: 404, body: "Not found." },
    ],
    [
      "HEAD 404 without a static site has no body",
      { url: "https://acme.w7s.cloud/api/missing", method: "HEAD" },
      404,
      { source: "not_found:repo-prefix", status: 404, body: null },
    ],
  ])("%s", (_name, spec, status, expected) => {
    expect(after(spec, status)).toStrictEqual(expected);
  });

  it("the text 404 reports the serving environment", () => {
    const decision = decide({ url: "https://acme.w7s.cloud/api/missing" });
    expect(decision).toMatchObject({
      notFound: {
        response: {
          headers: { "content-type": "text/plain; charset=utf-8", "x-w7s-environment": "production" },
        },
      },
    });
  });
});

describe("D.2 custom domains", () => {
  it.each<[string, RequestSpec, Record<string, unknown>]>([
    [
      "the route prefix is stripped",
      { url: "https://omattic.com/compress-video/assets/app.js" },
      staticFile("static_exact:custom-domain", "assets/app.js"),
    ],
    [
      "the bare prefix is the app root, never redirected",
      { url: "https://omattic.com/compress-video" },
      staticFile("static_exact:custom-domain", "index.html"),
    ],
    [
      "a backend app is called first",
      { url: "https://omattic.com/login?next=%2F" },
      backend("production:omattic/site", "custom-domain", "https://omattic.com/login?next=%2F", true),
    ],
    [
      "even for its static files",
      { url: "https://omattic.com/assets/site.css" },
      backend("production:omattic/site", "custom-domain", "https://omattic.com/assets/site.css", true),
    ],
    [
      "D.5: defaultDomain=false is served on its custom domain",
      { url: "https://whereis.carlosguerrero.com/" },
      staticFile("static_exact:custom-domain", "index.html"),
    ],
    ["a static miss: /.env", { url: "https://static.example.com/.env" }, notConnected("no-match")],
    [
      "a static miss: /wp-login.php",
      { url: "https://static.example.com/wp-login.php" },
      notConnected("no-match"),
    ],
    [
      "a static miss: /assets/missing.js",
      { url: "https://static.example.com/assets/missing.js" },
      notConnected("no-match"),
    ],
    [
      "a route to a missing deployment",
      { url: "https://gone.example.com/" },
      notConnected("mapped-deployment-missing"),
    ],
  ])("%s", (_name, spec, expected) => {
    expect(summary(decide(spec))).toStrictEqual(expected);
  });

  it("a static miss answers the JSON with code, host and path", () => {
    const decision = decide({
      url: "https://static.example.com/wp-login.php?x=1",
      host: "Static.Example.com:443",
    });
    expect(decision).toMatchObject({
      response: {
        status: 404,
        headers: { "content-type": "application/json" },
      },
    });
    const body = decision._tag === "NotConnected" ? JSON.parse(decision.response.body ?? "") : undefined;
    expect(body).toMatchObject({
      code: "deployment_not_connected",
      host: "Static.Example.com:443",
      path: "/wp-login.php?x=1",
    });
  });

  const after = (spec: RequestSpec, status: number, location: string | null = null) => {
    const decision = decide(spec);
    if (decision._tag !== "Backend") throw new Error(`expected a backend decision, got ${decision._tag}`);
    return afterBackend(decision, status, location);
  };

  it.each<[string, RequestSpec, number, string | null, string]>([
    [
      "a 3xx with location is returned unchanged",
      { url: "https://omattic.com/login" },
      302,
      "/signin",
      "worker_redirect",
    ],
    [
      "a static file wins over a non-redirect answer",
      { url: "https://omattic.com/assets/site.css" },
      200,
      null,
      "static_exact",
    ],
    [
      "a redirect wins over a static file",
      { url: "https://omattic.com/assets/site.css" },
      301,
      "/x",
      "worker_redirect",
    ],
    ["a 200 stands when no file matches", { url: "https://omattic.com/login" }, 200, null, "worker"],
    ["GET 404 falls back to index.html", { url: "https://omattic.com/login" }, 404, null, "static_fallback"],
    ["POST 404 passes through", { url: "https://omattic.com/login", method: "POST" }, 404, null, "worker"],
    ["GET 404 for an asset is not found", { url: "https://omattic.com/nothing.js" }, 404, null, "not_found"],
  ])("%s", (_name, spec, status, location, source) => {
    expect(after(spec, status, location).source).toBe(source);
  });

  it("its not-found answer is the not-connected JSON", () => {
    const next = after({ url: "https://omattic.com/nothing.js" }, 404);
    expect(next).toMatchObject({
      _tag: "BackendNotFound",
      response: {
        status: 404,
        headers: {
          "content-type": "application/json",
          "cache-control": "no-store",
          "x-robots-tag": "noindex, nofollow, noarchive",
          "x-w7s-environment": "production",
        },
      },
    });
  });
});

describe("D.2 step 5 / L.1 private /_w7s paths", () => {
  it.each<[string, RequestSpec]>([
    ["owner root", { url: "https://acme.w7s.cloud/_w7s/x" }],
    ["owner root, encoded", { url: "https://acme.w7s.cloud/%5Fw7s/x" }],
    ["under a repo prefix", { url: "https://acme.w7s.cloud/api/_w7s/queue/jobs", method: "POST" }],
    ["custom domain root", { url: "https://omattic.com/_w7s/schedule", method: "POST" }],
    ["custom domain under a prefix", { url: "https://omattic.com/compress-video/_w7s" }],
  ])("%s", (_name, spec) => {
    const { lookups, asked } = makeLookups();
    const decision = Effect.runSync(
      decideRoute(
        { method: spec.method ?? "GET", url: spec.url, host: undefined, headers: new Headers() },
        { baseDomain: "w7s.cloud" },
        lookups,
      ),
    );
    expect(summary(decision)).toStrictEqual(notConnected("private-path"));
    expect(asked).toStrictEqual([]);
  });
});

describe("F.8 suspended apps", () => {
  it("answer 429 JSON before anything else", () => {
    const decision = decide({ url: "https://acme.w7s.cloud/limited/" });
    expect(summary(decision)).toStrictEqual({ tag: "Suspended", status: 429, environment: "production" });
    expect(decision).toMatchObject({
      response: {
        headers: {
          "content-type": "application/json; charset=utf-8",
          "retry-after": "43200",
          "x-w7s-environment": "production",
        },
        body: JSON.stringify({
          status: "error",
          error: "W7S free-tier limit exceeded for runtime.request.",
          details: { appLimitState: limitedState },
        }),
      },
    });
  });

  it("answer browsers with the page", () => {
    const decision = decide({ url: "https://acme.w7s.cloud/limited", headers: { accept: "text/html" } });
    expect(decision).toMatchObject({
      _tag: "Suspended",
      response: { headers: { "content-type": "text/html; charset=utf-8" } },
    });
  });

  it("also on a branch host that fell back to production", () => {
    expect(summary(decide({ url: "https://typo--acme.w7s.cloud/limited/", method: "POST" }))).toStrictEqual({
      tag: "Suspended",
      status: 429,
      environment: "production",
    });
  });
});

describe("D.2 step 7 / D.5 / D.6 / D.7 owner host without a deployment", () => {
  it.each<[string, RequestSpec, Record<string, unknown>]>([
    ["a program gets not-connected", { url: "https://nobody.w7s.cloud/app/" }, notConnected("no-deployment")],
    [
      "a navigation gets the showcase",
      { url: "https://nobody.w7s.cloud/app/", headers: navigate },
      { tag: "DeployTarget", page: "showcase", status: 200 },
    ],
    [
      "HEAD navigation gets the showcase headers",
      { url: "https://nobody.w7s.cloud/", method: "HEAD", headers: navigate },
      { tag: "DeployTarget", page: "showcase", status: 200 },
    ],
    [
      "POST gets not-connected even as a navigation",
      { url: "https://nobody.w7s.cloud/app/", method: "POST", headers: navigate },
      notConnected("no-deployment"),
    ],
    [
      "robots.txt without navigation",
      { url: "https://nobody.w7s.cloud/robots.txt" },
      notConnected("no-deployment"),
    ],
    [
      "robots.txt as a navigation",
      { url: "https://nobody.w7s.cloud/robots.txt", headers: navigate },
      { tag: "DeployTarget", page: "robots", status: 200 },
    ],
    [
      "sitemap.xml as a navigation",
      { url: "https://nobody.w7s.cloud/sitemap.xml", headers: navigate },
      { tag: "DeployTarget", page: "sitemap", status: 404 },
    ],
    [
      "a crawler without navigation",
      { url: "https://nobody.w7s.cloud/app/", headers: { "user-agent": "Slackbot 1.0" } },
      notConnected("no-deployment"),
    ],
    [
      "a crawler as a navigation",
      { url: "https://nobody.w7s.cloud/app/", headers: { ...navigate, "user-agent": "Slackbot 1.0" } },
      { tag: "DeployTarget", page: "crawler", status: 204 },
    ],
    [
      "sec-fetch-mode must be exactly navigate",
      { url: "https://nobody.w7s.cloud/app/", headers: { "sec-fetch-mode": "cors" } },
      notConnected("no-deployment"),
    ],
    [
      "D.5: defaultDomain=false is invisible on the owner host",
      { url: "https://guerrerocarlos.w7s.cloud/whereis/", headers: navigate },
      { tag: "DeployTarget", page: "showcase", status: 200 },
    ],
  ])("%s", (_name, spec, expected) => {
    expect(summary(decide(spec))).toStrictEqual(expected);
  });

  it("D.5: the showcase names the requested URL", () => {
    const decision = decide({ url: "https://guerrerocarlos.w7s.cloud/whereis/", headers: navigate });
    expect(decision).toMatchObject({
      _tag: "DeployTarget",
      target: {
        requestedUrl: "https://guerrerocarlos.w7s.cloud/whereis/",
        repoSlug: "whereis",
        deployUrl: "https://guerrerocarlos.w7s.cloud/whereis/",
        repository: "guerrerocarlos/whereis",
      },
    });
    expect(decision._tag === "DeployTarget" && decision.response.body).toContain(
      "<code>https://guerrerocarlos.w7s.cloud/whereis/</code>",
    );
  });

  it("D.7: the navigation 404 elsewhere is the HTML page, HEAD without body", () => {
    const page = decide({ url: "https://acme.w7s.cloud/blog/post.css", headers: navigate });
    expect(page).toMatchObject({
      _tag: "NotConnected",
      response: {
        status: 404,
        headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
      },
    });
    const head = decide({ url: "https://nobody.w7s.cloud/app/", method: "HEAD" });
    expect(head).toMatchObject({
      _tag: "NotConnected",
      response: { body: null, headers: { "content-type": "application/json" } },
    });
  });
});

describe("decideRouteSync: the same rules over lookups answered from memory", () => {
  const request = (url: string) => ({ method: "GET", url, host: new URL(url).host, headers: new Headers() });

  it("decides exactly as decideRoute when every lookup is at hand (every table above checks this too)", () => {
    const { lookups } = makeLookups();
    const sync = decideRouteSync(
      request("https://acme.w7s.cloud/web/assets/app.js"),
      { baseDomain: "w7s.cloud" },
      syncLookupsOf(lookups),
    );
    expect(sync !== NotCached && summary(sync)).toEqual(
      staticFile("static_exact:repo-prefix", "assets/app.js"),
    );
  });

  it("gives up with NotCached as soon as one lookup cannot answer from memory", () => {
    const { lookups } = makeLookups();
    const asked: string[] = [];
    const partial: SyncRouteLookups = {
      ...syncLookupsOf(lookups),
      deployment: (key) => {
        asked.push(keyOf(key));
        return key.repo === "web" ? NotCached : Effect.runSync(lookups.deployment(key));
      },
    };
    expect(
      decideRouteSync(
        request("https://feature-x--acme.w7s.cloud/web/"),
        { baseDomain: "w7s.cloud" },
        partial,
      ),
    ).toBe(NotCached);
    expect(asked).toEqual(["feature-x:acme:web"]);
  });

  it("answers without any lookup when the rules need none (apex, /api/v1, private paths)", () => {
    const none: SyncRouteLookups = {
      deployment: () => NotCached,
      customDomain: () => NotCached,
      suspension: () => NotCached,
      nowMs: () => NOON,
    };
    const config = { baseDomain: "w7s.cloud" };
    const tags = [
      "https://w7s.cloud/",
      "https://acme.w7s.cloud/api/v1/x",
      "https://acme.w7s.cloud/_w7s/q",
    ].map((url) => {
      const decision = decideRouteSync(request(url), config, none);
      return decision === NotCached ? "NotCached" : decision._tag;
    });
    expect(tags).toEqual(["Platform", "Platform", "NotConnected"]);
  });
});
