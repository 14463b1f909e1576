import { describe, expect, it } from "vitest";
import { durableObjectClasses, durableObjectMigrationTag, scriptName, scriptTags } from "./script.js";

const sha = "abc123def456abc123def456abc123def456abcd"; // 40 chars

describe("B.8 scriptName", () => {
  it.each([
    [
      "per commit",
      { owner: "w7s-io", repo: "demo", environment: "production", commitSha: "abc123", stable: false },
      "w7s-io--demo--production--abc123",
    ],
    [
      "stable when a Durable Object is declared",
      { owner: "w7s-io", repo: "demo", environment: "production", commitSha: "abc123", stable: true },
      "w7s-io--demo--production",
    ],
    [
      "sha cut to 40 characters",
      { owner: "w7s-io", repo: "demo", environment: "dev", commitSha: `${sha}ffff`, stable: false },
      `w7s-io--demo--dev--${sha}`,
    ],
    [
      "parts sanitized",
      { owner: "My.Org", repo: "web_app", environment: "feature-x", commitSha: "ABC", stable: false },
      "my-org--web-app--feature-x--abc",
    ],
  ])("%s", (_name, input, expected) => {
    expect(scriptName(input)).toBe(expected);
  });
});

describe("B.8 scriptTags", () => {
  it.each([
    [
      { owner: "w7s-io", repo: "demo", environment: "production" },
      ["w7s", "w7s-env-production", "w7s-owner-w7s-io", "w7s-repo-demo", "w7s-app-w7s-io-demo"],
    ],
    [
      { owner: "My.Org", repo: "", environment: "feature-x" },
      ["w7s", "w7s-env-feature-x", "w7s-owner-my-org", "w7s-repo-worker", "w7s-app-my-org-"],
    ],
    [
      { owner: "acme", repo: "r".repeat(60), environment: "production" },
      [
        "w7s",
        "w7s-env-production",
        "w7s-owner-acme",
        `w7s-repo-${"r".repeat(48)}`,
        `w7s-app-acme-${"r".repeat(43)}`,
      ],
    ],
  ])("%j -> %j", (input, expected) => {
    expect(scriptTags(input)).toStrictEqual(expected);
  });
});

describe("B.8 Durable Object migration tag", () => {
  it.each([
    [["Counter"], "w7s-do-1xxr16r"],
    [["Counter", "Counter"], "w7s-do-1xxr16r"],
  ])("%j -> %j", (classes, expected) => {
    expect(durableObjectMigrationTag(classes)).toBe(expected);
  });

  it("does not depend on declaration order", () => {
    expect(durableObjectMigrationTag(["Room", "Counter"])).toBe(
      durableObjectMigrationTag(["Counter", "Room"]),
    );
    expect(durableObjectMigrationTag(["Room", "Counter"])).not.toBe(durableObjectMigrationTag(["Counter"]));
  });

  it("lists classes unique and sorted", () => {
    expect(durableObjectClasses(["Room", "Counter", "Room"])).toStrictEqual(["Counter", "Room"]);
  });
});
