import { describe, expect, it } from "vitest";
import {
  deployTargetOf,
  deployTargetPage,
  deployTargetPageFor,
  deployTargetResponse,
  isSocialPreviewCrawler,
  MINIMAL_DEPLOY_WORKFLOW,
} from "./deployTarget.js";
import type { DeployTarget } from "./routeModel.js";

describe("D.6 deploy target data", () => {
  it.each<[string, string, string, string, Omit<DeployTarget, "owner">]>([
    [
      "a repo path",
      "http://guerrerocarlos.w7s.cloud/whereis/",
      "guerrerocarlos.w7s.cloud",
      "guerrerocarlos",
      {
        requestedUrl: "https://guerrerocarlos.w7s.cloud/whereis/",
        repoSlug: "whereis",
        deployUrl: "https://guerrerocarlos.w7s.cloud/whereis/",
        repository: "guerrerocarlos/whereis",
        repositoryUrl: "https://github.com/guerrerocarlos/whereis",
        ownerRoot: false,
      },
    ],
    [
      "the first segment is normalized and the query kept in the requested URL",
      "https://acme.w7s.cloud/My_App/deep/page?x=1",
      "acme.w7s.cloud",
      "acme",
      {
        requestedUrl: "https://acme.w7s.cloud/My_App/deep/page?x=1",
        repoSlug: "my_app",
        deployUrl: "https://acme.w7s.cloud/my_app/",
        repository: "acme/my_app",
        repositoryUrl: "https://github.com/acme/my_app",
        ownerRoot: false,
      },
    ],
    [
      "the owner root",
      "https://acme.w7s.cloud/",
      "acme.w7s.cloud",
      "acme",
      {
        requestedUrl: "https://acme.w7s.cloud/",
        repoSlug: "acme",
        deployUrl: "https://acme.w7s.cloud/",
        repository: "acme/acme",
        repositoryUrl: "https://github.com/acme/acme",
        ownerRoot: true,
      },
    ],
    [
      "the owner's own name is the owner root",
      "https://acme.w7s.cloud/acme/x",
      "acme.w7s.cloud",
      "acme",
      {
        requestedUrl: "https://acme.w7s.cloud/acme/x",
        repoSlug: "acme",
        deployUrl: "https://acme.w7s.cloud/",
        repository: "acme/acme",
        repositoryUrl: "https://github.com/acme/acme",
        ownerRoot: true,
      },
    ],
    [
      "the request host, port included, replaces the URL host",
      "http://127.0.0.1:8787/app/",
      "acme.w7s.localhost:8787",
      "acme",
      {
        requestedUrl: "https://acme.w7s.localhost:8787/app/",
        repoSlug: "app",
        deployUrl: "https://acme.w7s.localhost:8787/app/",
        repository: "acme/app",
        repositoryUrl: "https://github.com/acme/app",
        ownerRoot: false,
      },
    ],
  ])("%s", (_name, url, host, owner, expected) => {
    expect(deployTargetOf({ url: new URL(url), host, owner })).toStrictEqual({ ...expected, owner });
  });
});

describe("D.6 navigation pages", () => {
  const target = deployTargetOf({
    url: new URL("https://acme.w7s.cloud/"),
    host: "acme.w7s.cloud",
    owner: "acme",
  });
  const noPreview = {
    "cache-control": "no-store",
    "x-robots-tag": "noindex, nofollow, noarchive, nosnippet, noimageindex",
  };

  it.each<[string, string | null, string]>([
    ["/robots.txt", null, "robots"],
    ["/sitemap.xml", null, "sitemap"],
    ["/app/", "Mozilla/5.0 (compatible; Twitterbot/1.0)", "crawler"],
    ["/app/", "facebookexternalhit/1.1", "crawler"],
    ["/app/", "Mozilla/5.0 Safari/605 (Applebot/0.1)", "crawler"],
    ["/app/", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "showcase"],
    ["/app/", "NotTwitterbotish", "showcase"],
    ["/app/", null, "showcase"],
  ])("%s with User-Agent %j is %s", (pathname, userAgent, page) => {
    const headers = new Headers(userAgent === null ? {} : { "user-agent": userAgent });
    expect(deployTargetPageFor(pathname, headers)).toBe(page);
  });

  it.each([
    "Twitterbot",
    "facebookexternalhit",
    "Facebot",
    "TelegramBot",
    "WhatsApp",
    "Slackbot",
    "Discordbot",
    "LinkedInBot",
    "SkypeUriPreview",
    "Pinterestbot",
    "Applebot",
  ])("%s is a social preview crawler in any case", (name) => {
    expect(isSocialPreviewCrawler(`x ${name.toUpperCase()}/2`)).toBe(true);
  });

  it.each<[string, "robots" | "sitemap" | "crawler" | "showcase", number, string, string | null]>([
    ["robots", "robots", 200, "text/plain; charset=utf-8", "User-agent: *\nDisallow: /\n"],
    ["sitemap", "sitemap", 404, "text/plain; charset=utf-8", "Sitemap not available."],
  ])("%s answer", (_name, page, status, contentType, body) => {
    expect(deployTargetResponse(page, target, "GET")).toStrictEqual({
      status,
      headers: { ...noPreview, "content-type": contentType },
      body,
    });
    expect(deployTargetResponse(page, target, "HEAD").body).toBeNull();
  });

  it("crawlers get 204 with no body", () => {
    expect(deployTargetResponse("crawler", target, "GET")).toStrictEqual({
      status: 204,
      headers: noPreview,
      body: null,
    });
  });

  it("the showcase is a no-store, never-indexed page with the deploy target", () => {
    const response = deployTargetResponse("showcase", target, "GET");
    expect(response.status).toBe(200);
    expect(response.headers).toStrictEqual({ ...noPreview, "content-type": "text/html; charset=utf-8" });
    const body = response.body ?? "";
    for (const text of [
      '<meta name="robots" content="noindex, nofollow, noarchive, nosnippet, noimageindex" />',
      '<meta name="googlebot" content="noindex, nofollow, noarchive, nosnippet, noimageindex" />',
      '<meta name="bingbot" content="noindex, nofollow, noarchive, nosnippet, noimageindex" />',
      "Deploy target",
      "<code>https://acme.w7s.cloud/</code>",
      '<a href="https://github.com/acme/acme">',
      "<code>https://acme.w7s.cloud/repo-name/</code>",
      "<code>acme/repo-name</code>",
      '<strong class="workflow-action">w7s-io/w7s-cloud@v1</strong>',
    ]) {
      expect(body).toContain(text);
    }
    expect(body).not.toMatch(/og:|twitter:/);
    expect(deployTargetResponse("showcase", target, "HEAD").body).toBeNull();
  });

  it("repo pages do not explain the owner root", () => {
    const repo = deployTargetOf({
      url: new URL("https://acme.w7s.cloud/app"),
      host: "acme.w7s.cloud",
      owner: "acme",
    });
    expect(deployTargetPage(repo)).not.toContain("repo-name");
  });

  it("escapes what the request controls", () => {
    const page = deployTargetPage({ ...target, requestedUrl: "https://acme.w7s.cloud/?q=<b>" });
    expect(page).toContain("<code>https://acme.w7s.cloud/?q=&lt;b&gt;</code>");
  });
});

describe("I.2 minimal deploy workflow", () => {
  it.each([
    "name: Deploy",
    "push:",
    "branches:",
    "workflow_dispatch",
    "id-token: write",
    "contents: read",
    "actions/checkout@v5",
    "w7s-io/w7s-cloud@v1",
  ])("contains %j", (text) => {
    expect(MINIMAL_DEPLOY_WORKFLOW).toContain(text);
  });

  it.each([
    `token: \${{ github.token }}`,
    "schedule:",
    "issues: write",
    "usage-check-only",
    "install-command",
    "build-command",
  ])("does not contain %j", (text) => {
    expect(MINIMAL_DEPLOY_WORKFLOW).not.toContain(text);
  });
});
