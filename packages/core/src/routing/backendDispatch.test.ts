import { describe, expect, it } from "vitest";
import {
  afterBackend,
  backendDispatch,
  backendDispatchTexts,
  backendRequestHeaders,
} from "./backendDispatch.js";
import type { BackendDecision, ServedApp, StaticFileDecision } from "./routeModel.js";

const served: ServedApp = {
  environment: "production",
  orgSlug: "w7s-io",
  repoSlug: "api",
  mount: "repo-prefix",
};

describe("D.4 dispatch request", () => {
  it.each<[string, string, string, ServedApp, string, string]>([
    [
      "repo prefix removed, query kept",
      "https://w7s-io.w7s.cloud/api/users?page=2",
      "/users",
      served,
      "https://w7s-io.w7s.cloud/users?page=2",
      "/api/users",
    ],
    [
      "owner-root repo sees the full path",
      "https://guerrerocarlos.w7s.cloud/api/status",
      "/api/status",
      { ...served, orgSlug: "guerrerocarlos", repoSlug: "guerrerocarlos", mount: "org-root" },
      "https://guerrerocarlos.w7s.cloud/api/status",
      "/api/status",
    ],
    ["repo root", "https://w7s-io.w7s.cloud/api", "/", served, "https://w7s-io.w7s.cloud/", "/api"],
  ])("%s", (_name, url, repoPath, app, dispatchUrl, originalPath) => {
    expect(backendDispatch({ url: new URL(url), method: "POST", repoPath, served: app })).toStrictEqual({
      url: dispatchUrl,
      method: "POST",
      repoPath,
      identityHeaders: {
        "x-w7s-org-slug": app.orgSlug,
        "x-w7s-repo-slug": app.repoSlug,
        "x-w7s-original-path": originalPath,
      },
    });
  });

  it("drops every x-w7s-* header a client sent, then sets the identity headers", () => {
    const dispatch = backendDispatch({
      url: new URL("https://w7s-io.w7s.cloud/api/users"),
      method: "GET",
      repoPath: "/users",
      served,
    });
    const incoming = new Headers({
      accept: "application/json",
      "X-W7S-Org-Slug": "evil",
      "x-w7s-repo-slug": "evil",
      "x-w7s-original-path": "/admin",
      "x-w7s-schedule": "1",
      "x-w7s-queue": "jobs",
      "x-w7s-rpc-caller-owner": "evil",
      "x-w7s-debug": "1",
      "x-request-id": "r1",
    });
    expect(Object.fromEntries(new Headers(backendRequestHeaders(incoming, dispatch)))).toStrictEqual(
      Object.fromEntries(
        new Headers({
          accept: "application/json",
          "x-request-id": "r1",
          "x-w7s-org-slug": "w7s-io",
          "x-w7s-repo-slug": "api",
          "x-w7s-original-path": "/api/users",
        }),
      ),
    );
  });

  it("quotes the adapter texts", () => {
    expect(backendDispatchTexts).toStrictEqual({
      notConfigured: "DISPATCHER binding is not configured.",
      failed: "Worker dispatch failed.",
    });
  });
});

const staticDecision = (source: StaticFileDecision["source"]): StaticFileDecision => ({
  _tag: "StaticFile",
  source,
  served,
  file: { routePath: "index.html", contentType: "text/html", size: 1, etag: "e" },
  status: 200,
  headers: {},
  body: { kind: "whole" },
});

const backend = (method: string, options: Partial<BackendDecision> = {}): BackendDecision => ({
  _tag: "Backend",
  served,
  dispatch: { url: "https://x/", method, repoPath: "/", identityHeaders: {} },
  workerFirst: false,
  exactStatic: undefined,
  spaFallback: staticDecision("static_fallback"),
  notFound: {
    _tag: "BackendNotFound",
    source: "not_found",
    served,
    response: { status: 404, headers: {}, body: "Not found." },
  },
  ...options,
});

describe("D.2 steps 5, 7-9 after the backend answers", () => {
  it.each<[string, BackendDecision, number, string | null, string]>([
    ["GET 200 stands", backend("GET"), 200, null, "worker"],
    ["GET 500 stands", backend("GET"), 500, null, "worker"],
    ["GET 302 stands", backend("GET"), 302, "/x", "worker"],
    ["GET 404 falls back to the SPA index", backend("GET"), 404, null, "static_fallback"],
    ["GET 405 falls back to the SPA index", backend("GET"), 405, null, "static_fallback"],
    ["HEAD 404 falls back to the SPA index", backend("HEAD"), 404, null, "static_fallback"],
    ["lower-case get is GET", backend("get"), 404, null, "static_fallback"],
    ["POST 404 passes through", backend("POST"), 404, null, "worker"],
    ["DELETE 405 passes through", backend("DELETE"), 405, null, "worker"],
    [
      "GET 404 without fallback is not found",
      backend("GET", { spaFallback: undefined }),
      404,
      null,
      "not_found",
    ],
    [
      "worker-first 3xx with location is returned unchanged",
      backend("GET", { workerFirst: true, exactStatic: staticDecision("static_exact") }),
      301,
      "https://example.com/",
      "worker_redirect",
    ],
    [
      "worker-first 3xx without location is not a redirect",
      backend("GET", { workerFirst: true, exactStatic: staticDecision("static_exact") }),
      304,
      null,
      "static_exact",
    ],
    [
      "worker-first exact static wins over the backend answer",
      backend("GET", { workerFirst: true, exactStatic: staticDecision("static_exact") }),
      200,
      null,
      "static_exact",
    ],
    [
      "worker-first without a static file keeps the answer",
      backend("GET", { workerFirst: true }),
      200,
      null,
      "worker",
    ],
    ["worker-first 404 falls back", backend("GET", { workerFirst: true }), 404, null, "static_fallback"],
    ["owner hosts never treat 3xx specially", backend("GET"), 307, "/elsewhere", "worker"],
  ])("%s", (_name, decision, status, location, source) => {
    expect(afterBackend(decision, status, location).source).toBe(source);
  });
});
