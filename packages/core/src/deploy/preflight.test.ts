import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { httpStatusOf } from "../errors/errorResponse.js";
import { deployRequestPreflight, isZipContentType, parseBearerToken } from "./preflight.js";

/** The headers the official action sends (J.3). */
const actionHeaders: Record<string, string> = {
  authorization: "Bearer ghs_token",
  "content-type": "application/zip",
  "x-github-repository": "W7S-io/Demo",
  "x-github-sha": "0123456789abcdef0123456789abcdef01234567",
  "x-github-branch": "feature/API.v2_test",
};

const preflight = (overrides: Record<string, string | null> = {}, query = "") => {
  const headers = new Headers();
  for (const [name, value] of Object.entries({ ...actionHeaders, ...overrides })) {
    if (value !== null) headers.set(name, value);
  }
  return deployRequestPreflight({ headers, query: new URLSearchParams(query) });
};

const outcome = (overrides: Record<string, string | null> = {}, query = "") => {
  const result = preflight(overrides, query);
  return Result.isSuccess(result)
    ? { status: 200, message: "ok" }
    : { status: httpStatusOf(result.failure), message: result.failure.message };
};

const environmentOf = (overrides: Record<string, string | null>, query = "") =>
  Result.map(preflight(overrides, query), (request) => request.environment);

describe("B.1 deploy request headers", () => {
  it("parses the official action's request", () => {
    expect(preflight()).toStrictEqual(
      Result.succeed({
        token: "ghs_token",
        repository: "W7S-io/Demo",
        owner: "W7S-io",
        repo: "Demo",
        ownerSlug: "w7s-io",
        repoSlug: "demo",
        sha: "0123456789abcdef0123456789abcdef01234567",
        branch: "feature/API.v2_test",
        environment: "feature-api-v2-test",
        applicationHeader: null,
        telegram: { chatId: null, userId: null, events: null },
      }),
    );
  });

  it("trims every header and treats blank optional headers as missing", () => {
    const request = Result.getOrThrow(
      preflight({
        "x-github-repository": "  acme/site  ",
        "x-github-sha": " abc ",
        "x-github-branch": " main ",
        "x-w7s-application": " console ",
        "x-w7s-telegram-chat-id": " -100123 ",
        "x-w7s-telegram-user-id": "   ",
        "x-w7s-telegram-events": " deploy_error,deploy_success ",
      }),
    );
    expect(request).toMatchObject({
      repository: "acme/site",
      sha: "abc",
      branch: "main",
      environment: "production",
      applicationHeader: "console",
      telegram: { chatId: "-100123", userId: null, events: "deploy_error,deploy_success" },
    });
  });
});

describe("B.1 bearer token parsing", () => {
  it.each([
    ["Bearer abc", "abc"],
    ["bearer abc", "abc"],
    ["BEARER abc", "abc"],
    ["  Bearer   abc  ", "abc"],
    ["Bearer\tabc", "abc"],
    ["Bearer a.b.c", "a.b.c"],
    ["Bearer", null],
    ["Bearer    ", null],
    ["Bearerabc", null],
    ["Basic abc", null],
    ["abc", null],
    ["", null],
    [null, null],
    [undefined, null],
  ])("%j -> %j", (authorization, token) => {
    expect(parseBearerToken(authorization)).toBe(token);
  });
});

describe("B.1 zip content type (case-insensitive substring)", () => {
  it.each([
    ["application/zip", true],
    ["application/octet-stream", true],
    ["Application/ZIP", true],
    ["application/zip; charset=binary", true],
    ["multipart/mixed; x=application/octet-stream", true],
    ["application/x-zip-compressed", false],
    ["text/plain", false],
    ["", false],
    [null, false],
  ])("%j -> %s", (contentType, zip) => {
    expect(isZipContentType(contentType)).toBe(zip);
  });
});

describe("B.2 rows 1-6 (first failure wins)", () => {
  it.each<[string, Record<string, string | null>, string, number, string]>([
    ["row 1: no Authorization", { authorization: null }, "", 401, "Missing bearer token."],
    ["row 1: empty bearer token", { authorization: "Bearer " }, "", 401, "Missing bearer token."],
    ["row 1: another scheme", { authorization: "token abc" }, "", 401, "Missing bearer token."],
    [
      "row 1 before row 2",
      { authorization: null, "content-type": "text/plain" },
      "",
      401,
      "Missing bearer token.",
    ],
    [
      "row 2: no content type",
      { "content-type": null },
      "",
      415,
      "Deploy body must be an application/zip archive.",
    ],
    [
      "row 2 before row 3",
      { "content-type": "application/json", "x-github-repository": null },
      "",
      415,
      "Deploy body must be an application/zip archive.",
    ],
    [
      "row 3: repository first",
      { "x-github-repository": null, "x-github-sha": null, "x-github-branch": null },
      "",
      400,
      "Missing x-github-repository header.",
    ],
    [
      "row 3: then sha",
      { "x-github-sha": "  ", "x-github-branch": null },
      "",
      400,
      "Missing x-github-sha header.",
    ],
    ["row 3: then branch", { "x-github-branch": "" }, "", 400, "Missing x-github-branch header."],
    [
      "row 3 before row 4",
      { "x-github-repository": "not-a-repo", "x-github-branch": null },
      "",
      400,
      "Missing x-github-branch header.",
    ],
    [
      "row 4: no slash",
      { "x-github-repository": "acme" },
      "",
      400,
      "x-github-repository must be in owner/repo form.",
    ],
    [
      "row 4: three parts",
      { "x-github-repository": "acme/site/extra" },
      "",
      400,
      "x-github-repository must be in owner/repo form.",
    ],
    [
      "row 4: inner space",
      { "x-github-repository": "ac me/site" },
      "",
      400,
      "x-github-repository must be in owner/repo form.",
    ],
    [
      "row 4: empty owner",
      { "x-github-repository": "/site" },
      "",
      400,
      "x-github-repository must be in owner/repo form.",
    ],
    [
      "row 4: empty repo",
      { "x-github-repository": "acme/" },
      "",
      400,
      "x-github-repository must be in owner/repo form.",
    ],
    [
      "row 4 before row 6",
      { "x-github-repository": "acme", "x-w7s-environment": "!!!" },
      "",
      400,
      "x-github-repository must be in owner/repo form.",
    ],
    ["row 5: owner", { "x-github-repository": "---/site" }, "", 400, "Invalid repository owner."],
    [
      "row 5: over-long owner",
      { "x-github-repository": `${"a".repeat(101)}/site` },
      "",
      400,
      "Invalid repository owner.",
    ],
    ["row 5: owner before repo", { "x-github-repository": "!!!/___" }, "", 400, "Invalid repository owner."],
    ["row 5: repo", { "x-github-repository": "acme/___" }, "", 400, "Invalid repository name."],
    [
      "row 5 before row 6",
      { "x-github-repository": "acme/..." },
      "environment=!!!",
      400,
      "Invalid repository name.",
    ],
    ["row 6: header", { "x-w7s-environment": "!!!" }, "", 400, "Invalid environment."],
    ["row 6: query", {}, "environment=---", 400, "Invalid environment."],
    [
      "row 6: query beats a valid header",
      { "x-w7s-environment": "staging" },
      "environment=%21",
      400,
      "Invalid environment.",
    ],
    ["all rows pass", {}, "", 200, "ok"],
  ])("%s -> %i %s", (_, overrides, query, status, message) => {
    expect(outcome(overrides, query)).toStrictEqual({ status, message });
  });
});

describe("A.3 environment resolution in the deploy preflight", () => {
  it.each<[string, Record<string, string | null>, string, string]>([
    ["branch rule", { "x-github-branch": "main" }, "", "production"],
    ["master is production", { "x-github-branch": "master" }, "", "production"],
    ["header override", { "x-w7s-environment": "Staging" }, "", "staging"],
    ["header `Main` is not production", { "x-w7s-environment": "Main" }, "", "main"],
    ["query beats header", { "x-w7s-environment": "staging" }, "environment=preview", "preview"],
    ["query beats an invalid header", { "x-w7s-environment": "!!!" }, "environment=qa", "qa"],
    [
      "empty query disables the header",
      { "x-w7s-environment": "!!!", "x-github-branch": "main" },
      "environment=",
      "production",
    ],
    ["blank header is no override", { "x-w7s-environment": "  ", "x-github-branch": "dev" }, "", "dev"],
  ])("%s", (_, overrides, query, environment) => {
    expect(environmentOf(overrides, query)).toStrictEqual(Result.succeed(environment));
  });
});
