/** The `deployment_not_connected` 404 (D.7 [NEWEST]): JSON for programs, a small page for browser navigations. */
import { escapeHtml } from "./html.js";
import type { RoutedResponse } from "./routeModel.js";

/** The exact texts of the not-connected answer. */
export const notConnectedTexts = {
  code: "deployment_not_connected",
  error: "Deployment not connected.",
  message: "This W7S route is reachable, but there is no deployment attached to it yet.",
  title: "Deployment not connected | W7S",
} as const;

/** Exactly `application/json`, unlike the generic JSON envelope (L.41). */
export const NOT_CONNECTED_JSON_CONTENT_TYPE = "application/json";

/** `x-robots-tag` of the not-connected answer. */
export const NOT_CONNECTED_ROBOTS = "noindex, nofollow, noarchive";

/** What the not-connected answer echoes and how it is asked for. */
export interface NotConnectedRequest {
  readonly method: string;
  /** The raw `Host` header, or the URL host. */
  readonly host: string;
  /** Pathname plus search. */
  readonly path: string;
  /** The request header `sec-fetch-mode` is exactly `navigate`. */
  readonly navigation: boolean;
}

const notConnectedPage = (request: NotConnectedRequest): string =>
  [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8" />',
    '<meta name="viewport" content="width=device-width, initial-scale=1" />',
    `<meta name="robots" content="${NOT_CONNECTED_ROBOTS}" />`,
    `<title>${notConnectedTexts.title}</title>`,
    "</head>",
    "<body>",
    "<main>",
    `<h1>404 ${notConnectedTexts.code}</h1>`,
    `<p>${notConnectedTexts.message}</p>`,
    `<p><code>${escapeHtml(request.host + request.path)}</code></p>`,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");

/** Status 404, `cache-control: no-store`, the robots header and the JSON or HTML body (none for HEAD). */
export const notConnectedResponse = (request: NotConnectedRequest): RoutedResponse => {
  const headers = {
    "content-type": request.navigation ? "text/html; charset=utf-8" : NOT_CONNECTED_JSON_CONTENT_TYPE,
    "cache-control": "no-store",
    "x-robots-tag": NOT_CONNECTED_ROBOTS,
  };
  if (request.method.toUpperCase() === "HEAD") return { status: 404, headers, body: null };
  const body = request.navigation
    ? notConnectedPage(request)
    : JSON.stringify({
        status: "error",
        code: notConnectedTexts.code,
        error: notConnectedTexts.error,
        message: notConnectedTexts.message,
        host: request.host,
        path: request.path,
      });
  return { status: 404, headers, body };
};
