import { describe, expect, it } from "vitest";
import { getInput, parseOutputFile } from "./actionsRuntime.js";
import { apiRootOf, clampedInteger, deployUrlWithEnvironment, logsUrl, usageUrl } from "./endpoints.js";
import { resolveCheckEnvironment } from "./environment.js";
import { nextPageUrl } from "./githubIssues.js";

describe("J.1 / J.3 step 2: deploy URL and the environment override", () => {
  it.each([
    ["https://w7s.cloud/api/v1/deploy", "", "https://w7s.cloud/api/v1/deploy"],
    ["https://w7s.cloud/api/v1/deploy", "staging", "https://w7s.cloud/api/v1/deploy?environment=staging"],
    ["http://x/api/v1/deploy?a=1", "staging", "http://x/api/v1/deploy?a=1&environment=staging"],
    // the documented fix: the official action appended the raw value
    ["http://x/api/v1/deploy", "feature/a&b c", "http://x/api/v1/deploy?environment=feature%2Fa%26b%20c"],
  ])("%s + %j -> %s", (url, environment, expected) => {
    expect(deployUrlWithEnvironment(url, environment)).toBe(expected);
  });

  it("derives the usage and logs endpoints by replacing a trailing /api/v1/deploy", () => {
    expect(apiRootOf("https://w7s.example.com/prefix/api/v1/deploy/").toString()).toBe(
      "https://w7s.example.com/prefix/api/v1",
    );
    expect(
      usageUrl(
        "http://127.0.0.1:8787/api/v1/deploy",
        { owner: "acme", repo: "web" },
        {
          date: "2026-05-26",
          environment: "production",
        },
      ).toString(),
    ).toBe("http://127.0.0.1:8787/api/v1/usage/acme/web?date=2026-05-26&environment=production");
    expect(
      logsUrl(
        "https://w7s.cloud/api/v1/deploy",
        { owner: "acme", repo: "web" },
        {
          environment: "production",
          hours: "1",
          limit: "50",
          kind: "exception",
        },
      ).toString(),
    ).toBe("https://w7s.cloud/api/v1/logs/acme/web?environment=production&hours=1&limit=50&kind=exception");
  });

  it.each([
    ["", 1, "1"],
    ["0", 1, "1"],
    ["500", 1, "168"],
    ["12.7", 1, "12"],
    ["abc", 1, "abc"],
  ])("J.5 logs-hours %j -> %s", (raw, fallback, expected) => {
    expect(clampedInteger(raw, fallback, 1, 168)).toBe(expected);
  });
});

describe("J.4 environment of the usage and logs checks", () => {
  it.each([
    [{ deployed: "feature-x", explicit: "ignored" }, "feature-x"],
    [{ explicit: "Staging" }, "staging"],
    [{ explicit: "feature//x" }, "feature-x"],
    [{ branch: "main" }, "production"],
    [{ branch: "MAIN" }, "production"],
    [{ branch: "feature/API.v2_test" }, "feature-api-v2-test"],
    [{ branch: "" }, "production"],
  ])("%j -> %s", (input, expected) => {
    expect(resolveCheckEnvironment(input)).toBe(expected);
  });
});

describe("GitHub Actions runner protocol", () => {
  it("reads inputs as the runner names them (hyphens kept, uppercased), and the J.7 underscore spelling", () => {
    expect(getInput({ "INPUT_DEPLOY-URL": " http://x " }, "deploy-url")).toBe("http://x");
    expect(getInput({ INPUT_DEPLOY_URL: "http://y" }, "deploy-url")).toBe("http://y");
    expect(getInput({}, "deploy-url")).toBe("");
  });

  it("parses GITHUB_OUTPUT in both forms", () => {
    expect(parseOutputFile("a=1\nurl<<ghadelimiter_x\nhttp://x/\nghadelimiter_x\n")).toEqual({
      a: "1",
      url: "http://x/",
    });
  });

  it("follows only rel=next of a Link header", () => {
    expect(
      nextPageUrl(
        '<https://api/x?page=1>; rel="prev", <https://api/x?page=3>; rel="next", <https://api/x?page=9>; rel="last"',
      ),
    ).toBe("https://api/x?page=3");
    expect(nextPageUrl('<https://api/x?page=1>; rel="first"')).toBeUndefined();
    expect(nextPageUrl(null)).toBeUndefined();
  });
});
