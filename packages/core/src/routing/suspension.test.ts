import { describe, expect, it } from "vitest";
import type { SuspensionView } from "./routeModel.js";
import {
  suspendedResponse,
  suspensionMessage,
  suspensionRetryAfterSeconds,
  suspensionTexts,
} from "./suspension.js";

const state = (overrides: Partial<SuspensionView> = {}): SuspensionView => ({
  reason: "Daily limit reached for runtime.request.",
  metrics: [{ metric: "runtime.request" }],
  resumeAfter: "2026-06-02T00:00:00.000Z",
  ...overrides,
});

const noon = Date.parse("2026-06-01T12:00:00.000Z");

describe("F.8 suspension message", () => {
  it.each<[string, SuspensionView, string]>([
    ["the stored reason", state(), "Daily limit reached for runtime.request."],
    [
      "else the first metric",
      state({ reason: "", metrics: [{ metric: "kv.read" }, { metric: "x" }] }),
      "W7S free-tier limit exceeded for kv.read.",
    ],
    ["else the generic text", state({ reason: "", metrics: [] }), "W7S free-tier limit exceeded."],
  ])("%s", (_name, suspension, message) => {
    expect(suspensionMessage(suspension)).toBe(message);
  });
});

describe("F.8 retry-after", () => {
  it.each<[string, SuspensionView, number]>([
    ["seconds until resumeAfter", state({ resumeAfter: "2026-06-01T12:05:00.000Z" }), 300],
    ["rounded up", state({ resumeAfter: "2026-06-01T12:00:00.200Z" }), 1],
    ["at least 1", state({ resumeAfter: "2026-06-01T11:00:00.000Z" }), 1],
    ["until next UTC midnight without resumeAfter", state({ resumeAfter: undefined }), 43_200],
    ["until next UTC midnight when unreadable", state({ resumeAfter: "soon" }), 43_200],
  ])("%s", (_name, suspension, seconds) => {
    expect(suspensionRetryAfterSeconds(suspension, noon)).toBe(seconds);
  });
});

describe("F.8 429 response", () => {
  it("answers JSON with the state as details.appLimitState", () => {
    const stored = { ...state(), version: 1, status: "suspended" };
    const response = suspendedResponse(stored, { method: "GET", accept: "application/json", nowMs: noon });
    expect(response).toStrictEqual({
      status: 429,
      headers: { "content-type": "application/json; charset=utf-8", "retry-after": "43200" },
      body: JSON.stringify({
        status: "error",
        error: "Daily limit reached for runtime.request.",
        details: { appLimitState: stored },
      }),
    });
  });

  it.each<[string, SuspensionView, string]>([
    ["with resumeAfter", state(), "This app can resume after 2026-06-02T00:00:00.000Z."],
    ["without resumeAfter", state({ resumeAfter: undefined }), "This app can resume after the next UTC day."],
  ])("answers browsers with a page %s", (_name, suspension, resumeText) => {
    const response = suspendedResponse(suspension, {
      method: "GET",
      accept: "text/html,application/xhtml+xml",
      nowMs: noon,
    });
    expect(response.status).toBe(429);
    expect(response.headers).toStrictEqual({
      "content-type": "text/html; charset=utf-8",
      "retry-after": "43200",
    });
    expect(response.body).toContain("<title>W7S limit reached</title>");
    expect(response.body).toContain("Daily limit reached for runtime.request.");
    expect(response.body).toContain(resumeText);
  });

  it.each(["text/html", null])("HEAD has no body (accept %j)", (accept) => {
    expect(suspendedResponse(state(), { method: "HEAD", accept, nowMs: noon }).body).toBeNull();
  });

  it("quotes the exact texts", () => {
    expect(suspensionTexts).toStrictEqual({
      title: "W7S limit reached",
      genericReason: "W7S free-tier limit exceeded.",
      nextUtcDay: "the next UTC day",
    });
  });
});
