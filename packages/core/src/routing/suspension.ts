/** The 429 a suspended app answers with (F.8): JSON with the state, or a small page for browsers. */
import { errorResponse } from "../errors/errorResponse.js";
import { TooManyRequests } from "../errors/httpErrors.js";
import { escapeHtml } from "./html.js";
import type { RoutedResponse, SuspensionView } from "./routeModel.js";

/** The exact texts of the suspension answer. */
export const suspensionTexts = {
  title: "W7S limit reached",
  genericReason: "W7S free-tier limit exceeded.",
  nextUtcDay: "the next UTC day",
} as const;

const DAY_MS = 86_400_000;

/** The user-facing reason: the stored reason, else the first exceeded metric, else the generic text. */
export const suspensionMessage = (suspension: SuspensionView): string => {
  if (suspension.reason !== "") return suspension.reason;
  const metric = suspension.metrics[0]?.metric;
  return metric === undefined ? suspensionTexts.genericReason : `W7S free-tier limit exceeded for ${metric}.`;
};

/** Whole seconds until `resumeAfter`, or until the next UTC midnight when there is none; at least 1. */
export const suspensionRetryAfterSeconds = (suspension: SuspensionView, nowMs: number): number => {
  const resumeAt = suspension.resumeAfter === undefined ? Number.NaN : Date.parse(suspension.resumeAfter);
  const until = Number.isNaN(resumeAt) ? (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS : resumeAt;
  return Math.max(1, Math.ceil((until - nowMs) / 1000));
};

const suspensionPage = (message: string, resumeAfter: string): string =>
  [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8" />',
    '<meta name="viewport" content="width=device-width, initial-scale=1" />',
    `<title>${suspensionTexts.title}</title>`,
    "</head>",
    "<body>",
    "<main>",
    `<h1>${suspensionTexts.title}</h1>`,
    `<p>${escapeHtml(message)}</p>`,
    `<p>This app can resume after ${escapeHtml(resumeAfter)}.</p>`,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");

/** The request facts the 429 depends on. */
export interface SuspendedRequest {
  readonly method: string;
  readonly accept: string | null;
  readonly nowMs: number;
}

/**
 * 429 with `retry-after`: an HTML page when `accept` contains `text/html`, else
 * `{"status":"error","error":<message>,"details":{"appLimitState":<state>}}`. HEAD gets no body.
 */
export const suspendedResponse = (suspension: SuspensionView, request: SuspendedRequest): RoutedResponse => {
  const message = suspensionMessage(suspension);
  const retryAfterSeconds = suspensionRetryAfterSeconds(suspension, request.nowMs);
  const withBody = request.method.toUpperCase() !== "HEAD";
  if (request.accept?.includes("text/html")) {
    const resumeAfter = suspension.resumeAfter ?? suspensionTexts.nextUtcDay;
    return {
      status: 429,
      headers: { "content-type": "text/html; charset=utf-8", "retry-after": String(retryAfterSeconds) },
      body: withBody ? suspensionPage(message, resumeAfter) : null,
    };
  }
  const json = errorResponse(
    new TooManyRequests({ message, details: { appLimitState: suspension }, retryAfterSeconds }),
  );
  return { status: json.status, headers: json.headers, body: withBody ? json.body : null };
};
