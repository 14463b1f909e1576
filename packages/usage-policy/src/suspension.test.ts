import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AppLimitState,
  acceptsHtml,
  appLimitStateKey,
  checkUsageLimit,
  combineSuspensions,
  decideBurst,
  isSuspensionActive,
  limitSuspension,
  mergePolicy,
  operatorSuspension,
  parseSuspensionState,
  suspendsOnBurst,
  suspensionForBlock,
  suspensionHtmlPage,
  suspensionMessage,
  suspensionRejection,
  suspensionRetryAfterSeconds,
  type UsageLimitWarning,
} from "./index.js";

const target = { environment: "production", orgSlug: "acme", repoSlug: "shop" };
const noon = new Date("2026-05-26T12:00:00.000Z");
const warning: UsageLimitWarning = {
  metric: "kv.read",
  status: "exceeded",
  used: 10001,
  limit: 10000,
  remaining: 0,
  message: "kv.read exceeded the daily limit (10001/10000).",
};

const state = (fields: Partial<AppLimitState>): AppLimitState => ({
  ...limitSuspension({ ...target, now: noon, metrics: [] }),
  ...fields,
});

describe("F.8 suspension state", () => {
  it("is stored under app_limit_state:v1:<env>:<org>:<repo>", () => {
    expect(appLimitStateKey(target)).toBe("app_limit_state:v1:production:acme:shop");
    expect(appLimitStateKey({ environment: "Preview_1", orgSlug: "Acme.Inc", repoSlug: "Shop" })).toBe(
      "app_limit_state:v1:preview-1:acme-inc:shop",
    );
  });

  it("creates a limit suspension that resumes at the next UTC day by default (DECISIONS 8)", () => {
    expect(limitSuspension({ ...target, now: noon, metrics: [warning] })).toStrictEqual({
      version: 1,
      status: "suspended",
      kind: "limit",
      environment: "production",
      orgSlug: "acme",
      repoSlug: "shop",
      reason: "W7S free-tier limit exceeded for kv.read.",
      metrics: [warning],
      updatedAt: "2026-05-26T12:00:00.000Z",
      resumeAfter: "2026-05-27T00:00:00.000Z",
    });
  });

  it("creates an operator suspension with no end of its own", () => {
    const suspended = operatorSuspension({ ...target, now: noon, reason: "Abuse report #12." });
    expect(suspended).toStrictEqual({
      version: 1,
      status: "suspended",
      kind: "operator",
      environment: "production",
      orgSlug: "acme",
      repoSlug: "shop",
      reason: "Abuse report #12.",
      metrics: [],
      updatedAt: "2026-05-26T12:00:00.000Z",
    });
    expect(isSuspensionActive(suspended, new Date("2030-01-01T00:00:00.000Z"))).toBe(true);
  });

  it.each([
    ["2026-05-26T12:04:59.000Z", true],
    ["2026-05-26T12:04:59.999Z", true],
    ["2026-05-26T12:05:00.000Z", false],
    ["2026-05-26T12:05:01.000Z", false],
  ])("with resumeAfter 12:05, at %s it is active: %s", (now, active) => {
    expect(isSuspensionActive(state({ resumeAfter: "2026-05-26T12:05:00.000Z" }), new Date(now))).toBe(
      active,
    );
  });

  it("treats no state as not suspended", () => {
    expect(isSuspensionActive(null, noon)).toBe(false);
    expect(isSuspensionActive(undefined, noon)).toBe(false);
  });
});

describe("F.8 message, retry-after and 429", () => {
  it.each([
    ["the reason", { reason: "Too many deploys.", metrics: [warning] }, "Too many deploys."],
    [
      "the first metric",
      { reason: "", metrics: [warning, { ...warning, metric: "deploy" }] },
      "W7S free-tier limit exceeded for kv.read.",
    ],
    ["a generic line", { reason: "", metrics: [] }, "W7S free-tier limit exceeded."],
  ])("uses %s", (_, fields, message) => {
    expect(suspensionMessage(state(fields))).toBe(message);
  });

  it.each([
    ["2026-05-26T12:05:00.000Z", "2026-05-26T12:04:59.000Z", 1],
    ["2026-05-26T12:05:00.000Z", "2026-05-26T12:03:59.500Z", 61],
    ["2026-05-26T12:05:00.000Z", "2026-05-26T12:05:00.000Z", 1],
    [undefined, "2026-05-26T18:00:00.000Z", 21600],
  ])("resumeAfter %s at %s: retry-after %i", (resumeAfter, now, seconds) => {
    const suspended =
      resumeAfter === undefined
        ? operatorSuspension({ ...target, now: noon, reason: "x" })
        : state({ resumeAfter });
    expect(suspensionRetryAfterSeconds(suspended, new Date(now))).toBe(seconds);
  });

  it("answers JSON with the state", () => {
    const suspended = state({ reason: "", metrics: [warning] });
    expect(suspensionRejection(suspended, { now: noon, accept: "application/json" })).toStrictEqual({
      status: 429,
      retryAfterSeconds: 43200,
      format: "json",
      body: {
        status: "error",
        error: "W7S free-tier limit exceeded for kv.read.",
        details: { appLimitState: suspended },
      },
    });
  });

  it("answers browsers with an escaped HTML page", () => {
    const suspended = state({
      reason: `Limit <b>"exceeded"</b> & 'more'`,
      resumeAfter: "2026-05-27T00:00:00.000Z",
    });
    const rejection = suspensionRejection(suspended, {
      now: noon,
      accept: "text/html,application/xhtml+xml",
    });
    expect(rejection).toMatchObject({
      status: 429,
      retryAfterSeconds: 43200,
      format: "html",
      contentType: "text/html; charset=utf-8",
    });
    expect(rejection.body).toBe(suspensionHtmlPage(suspended));
    const page = suspensionHtmlPage(suspended);
    expect(page).toContain("<title>W7S limit reached</title>");
    expect(page).toContain("<p>Limit &lt;b&gt;&quot;exceeded&quot;&lt;/b&gt; &amp; &#39;more&#39;</p>");
    expect(page).toContain("<p>This app can resume after 2026-05-27T00:00:00.000Z.</p>");
    expect(page).not.toContain("<b>");
  });

  it("says `the next UTC day` when there is no resumeAfter", () => {
    const page = suspensionHtmlPage(operatorSuspension({ ...target, now: noon, reason: "" }));
    expect(page).toContain("<p>W7S free-tier limit exceeded.</p>");
    expect(page).toContain("<p>This app can resume after the next UTC day.</p>");
  });

  it.each([
    ["text/html", true],
    ["Text/HTML;q=0.9", true],
    ["application/json", false],
    ["*/*", false],
    [null, false],
    [undefined, false],
  ])("accept %j asks for HTML: %s", (accept, expected) => {
    expect(acceptsHtml(accept)).toBe(expected);
  });
});

describe("D.8 suspensions from blocked checks", () => {
  it.each([
    ["static_exact:repo-prefix", true],
    ["worker:custom-domain", true],
    ["static_redirect:org-root", true],
    ["worker_redirect", true],
    ["static_fallback:repo-prefix", false],
    ["static_fallback", false],
    ["not_found:custom-domain", false],
    ["not_found", false],
  ])("a burst block on %s suspends: %s", (source, expected) => {
    expect(suspendsOnBurst(source)).toBe(expected);
  });

  it("suspends until the next UTC day for a daily block", () => {
    const policies = {
      repo: mergePolicy("repo", {}),
      owner: mergePolicy("owner", {}),
      global: mergePolicy("global", {}),
    };
    const check = checkUsageLimit({
      ...target,
      metric: "runtime.request",
      date: "2026-05-26",
      policies,
      used: { repo: 10000 },
    });
    if (check === null) throw new Error("expected a check");
    expect(suspensionForBlock(check, noon)).toStrictEqual({
      version: 1,
      status: "suspended",
      kind: "limit",
      ...target,
      reason: "Daily usage limit exceeded for runtime.request at repo scope (10000/10000 used, requested 1).",
      metrics: [
        {
          metric: "runtime.request",
          status: "exceeded",
          used: 10001,
          limit: 10000,
          remaining: 0,
          message: "runtime.request exceeded the daily limit (10001/10000).",
        },
      ],
      updatedAt: "2026-05-26T12:00:00.000Z",
      resumeAfter: "2026-05-27T00:00:00.000Z",
    });
  });

  it("suspends until the window has passed for a burst block", () => {
    const now = new Date("2026-05-26T12:00:30.500Z");
    const decision = decideBurst({ ...target, metric: "runtime.request", now, counters: { repo: 300 } });
    if (decision === null || !("blocked" in decision)) throw new Error("expected a block");
    expect(suspensionForBlock(decision.blocked, now)).toMatchObject({
      kind: "limit",
      reason:
        "Short-window usage limit exceeded for runtime.request at repo scope (300/300 used, requested 1).",
      metrics: [],
      updatedAt: "2026-05-26T12:00:30.500Z",
      resumeAfter: "2026-05-26T12:01:00.500Z",
    });
  });
});

describe("DECISIONS 8: no component cuts another's suspension short", () => {
  const daily = state({ resumeAfter: "2026-05-27T00:00:00.000Z" });
  const burst = state({ resumeAfter: "2026-05-26T12:01:00.000Z" });
  const operator = operatorSuspension({ ...target, now: noon, reason: "Paused by operator." });
  const expired = state({ resumeAfter: "2026-05-26T11:00:00.000Z" });

  it.each([
    ["nothing stored", undefined, burst, burst],
    ["an expired state", expired, burst, burst],
    ["a shorter limit suspension", burst, daily, daily],
    ["a longer limit suspension", daily, burst, daily],
    ["an operator suspension, against a limit one", operator, daily, operator],
    ["a limit suspension, against an operator one", daily, operator, operator],
  ])("over %s", (_, existing, incoming, kept) => {
    expect(combineSuspensions(existing, incoming, noon)).toBe(kept);
  });
});

describe("F.8 reading stored states", () => {
  it("keeps a well-formed state", () => {
    const stored = JSON.parse(JSON.stringify(limitSuspension({ ...target, now: noon, metrics: [warning] })));
    expect(parseSuspensionState(stored)).toStrictEqual(
      limitSuspension({ ...target, now: noon, metrics: [warning] }),
    );
  });

  it.each([
    ["null", null],
    ["a string", "suspended"],
    ["another status", { status: "active", resumeAfter: "2026-05-27T00:00:00.000Z" }],
    ["an unreadable resumeAfter", { status: "suspended", resumeAfter: "soon" }],
    ["a numeric resumeAfter", { status: "suspended", resumeAfter: 5 }],
  ])("ignores %s", (_, stored) => {
    expect(parseSuspensionState(stored)).toBeUndefined();
  });

  it("reads a record without kind as a limit suspension ending the UTC day after updatedAt", () => {
    expect(
      parseSuspensionState({
        version: 1,
        status: "suspended",
        ...target,
        reason: "Old record.",
        metrics: [warning, { nope: true }],
        updatedAt: "2026-05-26T08:00:00.000Z",
      }),
    ).toStrictEqual({
      version: 1,
      status: "suspended",
      kind: "limit",
      ...target,
      reason: "Old record.",
      metrics: [warning],
      updatedAt: "2026-05-26T08:00:00.000Z",
      resumeAfter: "2026-05-27T00:00:00.000Z",
    });
  });

  it("reads an operator record without resumeAfter as open-ended", () => {
    const parsed = parseSuspensionState({
      status: "suspended",
      kind: "operator",
      reason: "Hold.",
      updatedAt: "x",
    });
    expect(parsed).toMatchObject({ kind: "operator", reason: "Hold.", metrics: [] });
    expect(parsed).not.toHaveProperty("resumeAfter");
  });
});

describe("F.8 property: any stored value is read without throwing", () => {
  it("parses, checks and renders whatever KV holds", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            status: fc.constant("suspended"),
            resumeAfter: fc.jsonValue(),
            kind: fc.jsonValue(),
            metrics: fc.jsonValue(),
            reason: fc.jsonValue(),
          }),
        ),
        (stored) => {
          const parsed = parseSuspensionState(stored);
          if (parsed === undefined) return;
          expect(typeof isSuspensionActive(parsed, noon)).toBe("boolean");
          expect(suspensionRetryAfterSeconds(parsed, noon)).toBeGreaterThanOrEqual(1);
          expect(suspensionRejection(parsed, { now: noon, accept: "text/html" }).status).toBe(429);
        },
      ),
      { numRuns: 200 },
    );
  });
});
