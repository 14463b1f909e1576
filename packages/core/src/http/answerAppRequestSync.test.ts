import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { appKey, makeMemoryWorld, memoryPorts } from "../../test/memoryPorts.js";
import { defaultPlatformConfig, type PlatformConfig } from "../platformConfig.js";
import type { DeploymentRecord } from "../ports/records/DeploymentRecord.js";
import { NotCached } from "../routing/routeModel.js";
import { answerAppRequestSync, type SyncAppLookups } from "./answerAppRequestSync.js";
import { type AppAnswer, applyResponseRules } from "./appAnswers.js";
import { handleAppRequest, makeManifestCache } from "./handleAppRequest.js";

const config: PlatformConfig = { ...defaultPlatformConfig, baseDomain: "w7s.test" };
const world = makeMemoryWorld();
// The fast path answers only from bytes held in memory; a store reading the same bytes from its memory says so.
world.objectsInMemory = true;

const publish = (repo: string, files: Record<string, string>, backend: boolean) => {
  const manifestKey = `manifest:${repo}`;
  const entries = Object.fromEntries(
    Object.entries(files).map(([path, text]) => {
      const r2Key = `object:${repo}:${path}`;
      world.objects.set(r2Key, {
        body: new TextEncoder().encode(text),
        metadata: { contentType: "text/plain", etag: "e" },
      });
      const contentType = path.endsWith(".html") ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
      return [path, { path, r2Key, contentType, size: text.length, etag: `etag-${repo}-${path}` }];
    }),
  );
  world.manifests.set(manifestKey, {
    version: 1,
    orgSlug: "acme",
    repoSlug: repo,
    environment: "production",
    assetPrefix: "p",
    deployedAt: "2026-01-01T00:00:00.000Z",
    files: entries,
    hasIndex: "index.html" in files,
  });
  const record: DeploymentRecord = {
    version: 1,
    orgSlug: "acme",
    repoSlug: repo,
    sourceRepoSlug: repo,
    application: `acme-${repo}`,
    environment: "production",
    repository: `acme/${repo}`,
    branch: "main",
    commitSha: "0".repeat(40),
    deployedAt: "2026-01-01T00:00:00.000Z",
    targets: {
      static: { manifestKey, assetPrefix: "p", fileCount: 1, totalSize: 1, hasIndex: "index.html" in files },
      ...(backend
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
  world.deployments.set(appKey({ environment: "production", orgSlug: "acme", repoSlug: repo }), {
    deploymentId: `dep-${repo}`,
    record,
  });
};

publish("site", { "index.html": "<h1>site</h1>", "assets/app.js": "console.log(1);" }, false);
publish("app", { "index.html": "<h1>spa</h1>" }, true);
world.backendFetch = (_id, request) => {
  const path = new URL(request.url).pathname;
  if (path === "/api") {
    const headers = new Headers({ "content-type": "application/json" });
    headers.append("set-cookie", "sid=1; Domain=w7s.test");
    headers.append("set-cookie", "theme=dark");
    return new Response('{"ok":true}', { headers });
  }
  return new Response("nope", { status: path === "/post" ? 405 : 404 });
};

const syncLookups: SyncAppLookups = {
  current: (app) => world.deployments.get(appKey(app)),
  manifest: (key) => world.manifests.get(key) ?? NotCached,
  object: (key, range) => {
    const body = world.objects.get(key)?.body;
    return range === undefined ? body : body?.subarray(range.offset, range.offset + range.length);
  },
  domainRoutes: (hostname) => [...world.domains.values()].filter((route) => route.hostname === hostname),
};

const claim = (hostname: string, repoSlug: string, pathPrefix?: string) =>
  world.domains.set(`${hostname} ${pathPrefix ?? "/"}`, {
    version: 1,
    hostname,
    ...(pathPrefix === undefined ? {} : { pathPrefix }),
    orgSlug: "acme",
    repoSlug,
    environment: "production",
    repository: `acme/${repoSlug}`,
    deployedAt: "2026-01-01T00:00:00.000Z",
  });
claim("shop.example.com", "site");
claim("shop.example.com", "app", "/app");

interface Seen {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const seenOf = async (response: Response): Promise<Seen> => ({
  status: response.status,
  headers: Object.fromEntries(response.headers),
  body: await response.text(),
});

const slow = async (request: Request): Promise<Seen | undefined> => {
  const response = await Effect.runPromise(
    Effect.provide(handleAppRequest(request, config, makeManifestCache()), memoryPorts(world)),
  );
  return response === undefined ? undefined : seenOf(response);
};

const answerSeen = (answer: AppAnswer): Promise<Seen> =>
  seenOf(new Response(answer.body as BodyInit | null, { status: answer.status, headers: answer.headers }));

const fast = async (request: Request): Promise<Seen | undefined> => {
  const answer = answerAppRequestSync(
    {
      method: request.method,
      url: request.url,
      host: request.headers.get("host") ?? undefined,
      headers: request.headers,
    },
    config,
    syncLookups,
  );
  if (answer === undefined) return undefined;
  if (answer._tag === "Answer") return answerSeen(answer.answer);
  const backend = world.backendFetch?.(answer.deploymentId, new Request(answer.decision.dispatch.url));
  if (!(backend instanceof Response)) throw new Error("the test backend always answers");
  const after = answer.after(backend.status, backend.headers.get("location"));
  if (after !== undefined) return answerSeen(after);
  applyResponseRules(backend.headers, config.baseDomain, answer.decision.served);
  return seenOf(request.method === "HEAD" ? new Response(null, backend) : backend);
};

const request = (
  path: string,
  init: { method?: string; headers?: Record<string, string>; host?: string } = {},
) =>
  new Request(`http://${init.host ?? "acme.w7s.test"}${path}`, {
    method: init.method ?? "GET",
    headers: { host: init.host ?? "acme.w7s.test", ...init.headers },
  });
const shop = (path: string) => request(path, { host: "shop.example.com" });

describe("D.2 / D.3 / D.4 answerAppRequestSync answers as handleAppRequest does", () => {
  it.each([
    ["exact file", request("/site/assets/app.js")],
    ["directory index", request("/site/")],
    ["repo-root redirect", request("/site?x=1")],
    ["SPA miss on a static-only app", request("/site/missing.js")],
    ["304", request("/site/", { headers: { "if-none-match": '"etag-site-index.html"' } })],
    ["206", request("/site/assets/app.js", { headers: { range: "bytes=2-5" } })],
    ["416", request("/site/assets/app.js", { headers: { range: "bytes=99-" } })],
    ["HEAD", request("/site/assets/app.js", { method: "HEAD" })],
    ["backend with cookies", request("/app/api")],
    ["backend 404, SPA fallback", request("/app/settings")],
    ["backend 404, not found", request("/app/missing.png")],
    ["backend 405 HEAD, SPA fallback", request("/app/post", { method: "HEAD" })],
    ["no deployment", request("/nothing/")],
    ["navigation to no deployment", request("/nothing/", { headers: { "sec-fetch-mode": "navigate" } })],
    ["custom domain root", shop("/")],
    ["custom domain file", shop("/assets/app.js")],
    ["custom domain miss", shop("/missing.js")],
    ["custom domain /health is the app's", shop("/health")],
    ["custom domain private path", shop("/_w7s/queues/x")],
    ["custom domain path route, backend first", shop("/app/api")],
    ["custom domain path route, SPA fallback", shop("/app/settings")],
    ["unclaimed host", request("/", { host: "nobody.example.org" })],
  ])("%s", async (_name, incoming) => {
    expect(await fast(incoming.clone())).toEqual(await slow(incoming));
  });

  it("leaves platform routes and things not in memory to the HTTP app", () => {
    const readAhead: string[] = [];
    const lookups: SyncAppLookups = {
      ...syncLookups,
      object: () => NotCached,
      readAhead: (key) => readAhead.push(key),
    };
    const ask = (path: string, using = syncLookups) => {
      const incoming = request(path);
      return answerAppRequestSync(
        { method: "GET", url: incoming.url, host: "acme.w7s.test", headers: incoming.headers },
        config,
        using,
      );
    };
    expect(ask("/api/v1/deploy")).toBeUndefined();
    expect(ask("/health")).toBeUndefined();
    expect(ask("/site/", lookups)).toBeUndefined();
    // The SPA index a backend 404 may lead to is not in memory: the backend is not called from here.
    expect(ask("/app/settings", lookups)).toBeUndefined();
    expect(ask("/app/settings")?._tag).toBe("Backend");
    // That index is read ahead (the HTTP app would not read it unless the backend answered 404); a file the
    // request itself asks for is read by the HTTP app, so it is not.
    expect(readAhead).toEqual(["object:app:index.html"]);
  });
});

describe("D.2 step 6.3 and D.8 from memory: suspensions and accounting as the HTTP app does them", () => {
  const sync = (path: string, lookups: SyncAppLookups, headers: Record<string, string> = {}) =>
    answerAppRequestSync(
      {
        method: "GET",
        url: `http://acme.w7s.test${path}`,
        host: "acme.w7s.test",
        headers: new Headers(headers),
      },
      config,
      lookups,
    );
  const suspended = {
    reason: "Paused by the operator.",
    metrics: [],
  };

  it("answers a suspended app's 429 from the cached state, and leaves an unknown state to the HTTP app", () => {
    const blocked = sync("/site/", { ...syncLookups, suspension: () => suspended });
    expect(blocked?._tag).toBe("Answer");
    if (blocked?._tag !== "Answer") return;
    expect(blocked.answer.status).toBe(429);
    expect(blocked.accounted).toBeUndefined();
    expect(sync("/site/", { ...syncLookups, suspension: () => NotCached })).toBeUndefined();
    expect(sync("/site/", { ...syncLookups, suspension: () => undefined })?._tag).toBe("Answer");
  });

  it("names the served app and D.8 source of every accounted answer", () => {
    const file = sync("/site/", syncLookups);
    expect(file?._tag === "Answer" && file.accounted).toEqual({
      served: { environment: "production", orgSlug: "acme", repoSlug: "site", mount: "repo-prefix" },
      source: "static_exact",
    });
    const redirect = sync("/site", syncLookups);
    expect(redirect?._tag === "Answer" && redirect.accounted?.source).toBe("static_redirect");
    const backend = sync("/app/api", syncLookups);
    expect(backend?._tag).toBe("Backend");
    if (backend?._tag !== "Backend") return;
    expect(backend.sourceOf(200, null)).toBe("worker");
    expect(backend.sourceOf(302, "https://elsewhere.example/")).toBe("worker");
    expect(backend.sourceOf(404, null)).toBe("static_fallback");
    const missing = sync("/nowhere", syncLookups, { "sec-fetch-mode": "navigate" });
    expect(missing?._tag === "Answer" && missing.showcase).toBe(true);
  });
});
