/** The help a browser gets on an owner-host route with no deployment yet (D.6 [NEWEST]: navigations only). */
import { normalizeSlug } from "@w7s/env-naming";
import { escapeHtml } from "./html.js";
import type { DeployTarget, DeployTargetPage, HeaderLookup, RoutedResponse } from "./routeModel.js";

/** `x-robots-tag` and meta robots of pages that must never be indexed or previewed. */
export const NO_PREVIEW_ROBOTS = "noindex, nofollow, noarchive, nosnippet, noimageindex";

/** Headers of every D.6 answer: never cached, never indexed or previewed. */
export const noPreviewHeaders: Readonly<Record<string, string>> = {
  "cache-control": "no-store",
  "x-robots-tag": NO_PREVIEW_ROBOTS,
};

/** The exact bodies of the D.6 robots and sitemap answers. */
export const deployTargetTexts = {
  robots: "User-agent: *\nDisallow: /\n",
  sitemapMissing: "Sitemap not available.",
} as const;

/** The smallest workflow that deploys a repository with the official action (I.2). */
export const MINIMAL_DEPLOY_WORKFLOW = `name: Deploy

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  id-token: write
  contents: read

jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - uses: w7s-io/w7s-cloud@v1
`;

const DEPLOY_ACTION = "w7s-io/w7s-cloud@v1";

/** Link-preview bots, matched as whole words in any case. */
const socialCrawler =
  /\b(?:twitterbot|facebookexternalhit|facebot|telegrambot|whatsapp|slackbot|discordbot|linkedinbot|skypeuripreview|pinterestbot|applebot)\b/i;

/** True when a User-Agent is one of the D.6 social preview crawlers. */
export const isSocialPreviewCrawler = (userAgent: string | null): boolean =>
  userAgent !== null && socialCrawler.test(userAgent);

/**
 * What a request to an empty owner-host route was looking for: the repo its first path segment names (the
 * same-name owner-root repo when there is none), the URL it would be served at, and the repository to create.
 */
export const deployTargetOf = (input: {
  readonly url: URL;
  readonly host: string;
  readonly owner: string;
}): DeployTarget => {
  const requested = new URL(input.url.href);
  requested.protocol = "https:";
  requested.host = input.host.trim();
  const host = requested.host;
  const firstSegment = input.url.pathname
    .split("/")
    .map((segment) => segment.trim())
    .find((segment) => segment !== "");
  const repoSlug = (firstSegment === undefined ? "" : normalizeSlug(firstSegment)) || input.owner;
  const ownerRoot = repoSlug === input.owner;
  return {
    requestedUrl: requested.href,
    owner: input.owner,
    repoSlug,
    deployUrl: ownerRoot ? `https://${host}/` : `https://${host}/${repoSlug}/`,
    repository: `${input.owner}/${repoSlug}`,
    repositoryUrl: `https://github.com/${input.owner}/${repoSlug}`,
    ownerRoot,
  };
};

/** Which D.6 answer a navigation to `pathname` gets. */
export const deployTargetPageFor = (pathname: string, headers: HeaderLookup): DeployTargetPage => {
  if (pathname === "/robots.txt") return "robots";
  if (pathname === "/sitemap.xml") return "sitemap";
  return isSocialPreviewCrawler(headers.get("user-agent")) ? "crawler" : "showcase";
};

const workflowHtml = (): string =>
  escapeHtml(MINIMAL_DEPLOY_WORKFLOW).replace(
    escapeHtml(DEPLOY_ACTION),
    `<strong class="workflow-action">${escapeHtml(DEPLOY_ACTION)}</strong>`,
  );

const ownerRootNote = (target: DeployTarget): string[] => {
  if (!target.ownerRoot) return [];
  const host = new URL(target.deployUrl).host;
  return [
    `<p>The root of this host serves the repository named like its owner, <code>${escapeHtml(target.repository)}</code>.`,
    ` Any other repository is served under its name: <code>${escapeHtml(target.owner)}/repo-name</code> at`,
    ` <code>https://${escapeHtml(host)}/repo-name/</code>.</p>`,
  ];
};

/** The showcase page: where this URL would come from, and the workflow that deploys it. */
export const deployTargetPage = (target: DeployTarget): string =>
  [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8" />',
    '<meta name="viewport" content="width=device-width, initial-scale=1" />',
    `<meta name="robots" content="${NO_PREVIEW_ROBOTS}" />`,
    `<meta name="googlebot" content="${NO_PREVIEW_ROBOTS}" />`,
    `<meta name="bingbot" content="${NO_PREVIEW_ROBOTS}" />`,
    "<title>Nothing deployed here yet | W7S</title>",
    "</head>",
    "<body>",
    "<main>",
    "<h1>Nothing deployed here yet</h1>",
    '<section id="deploy-target">',
    "<h2>Deploy target</h2>",
    `<p>Requested URL: <code>${escapeHtml(target.requestedUrl)}</code></p>`,
    `<p>Repository: <a href="${escapeHtml(target.repositoryUrl)}"><code>${escapeHtml(target.repository)}</code></a></p>`,
    `<p>Deployed URL: <code>${escapeHtml(target.deployUrl)}</code></p>`,
    ...ownerRootNote(target),
    "</section>",
    '<section id="workflow">',
    "<h2>Deploy with GitHub Actions</h2>",
    "<p>Add this workflow as <code>.github/workflows/deploy.yml</code> and push:</p>",
    `<pre><code>${workflowHtml()}</code></pre>`,
    "</section>",
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");

/** The D.6 answer for a navigation; HEAD gets the same status and headers without a body. */
export const deployTargetResponse = (
  page: DeployTargetPage,
  target: DeployTarget,
  method: string,
): RoutedResponse => {
  const withBody = method.toUpperCase() !== "HEAD";
  switch (page) {
    case "robots":
      return {
        status: 200,
        headers: { ...noPreviewHeaders, "content-type": "text/plain; charset=utf-8" },
        body: withBody ? deployTargetTexts.robots : null,
      };
    case "sitemap":
      return {
        status: 404,
        headers: { ...noPreviewHeaders, "content-type": "text/plain; charset=utf-8" },
        body: withBody ? deployTargetTexts.sitemapMissing : null,
      };
    case "crawler":
      return { status: 204, headers: { ...noPreviewHeaders }, body: null };
    case "showcase":
      return {
        status: 200,
        headers: { ...noPreviewHeaders, "content-type": "text/html; charset=utf-8" },
        body: withBody ? deployTargetPage(target) : null,
      };
  }
};
