import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { httpStatusOf } from "../errors/errorResponse.js";
import { type ApplicationIdentityInput, resolveApplicationIdentity } from "./applicationIdentity.js";

describe("B.6 application identity", () => {
  it.each<[string, ApplicationIdentityInput, { application: string; repoSlug: string }]>([
    [
      "no name anywhere: the repo itself",
      { manifestName: undefined, applicationHeader: null, repoSlug: "inbox" },
      { application: "inbox", repoSlug: "inbox" },
    ],
    [
      "manifest name",
      { manifestName: "console", applicationHeader: null, repoSlug: "inbox" },
      { application: "console", repoSlug: "inbox-app-console-06ke78m" },
    ],
    [
      "header only, normalized",
      { manifestName: "", applicationHeader: "  Support API ", repoSlug: "inbox" },
      { application: "support-api", repoSlug: "inbox-app-support-api-1vdc2cp" },
    ],
    [
      "header equal to the manifest name after normalization",
      { manifestName: "console", applicationHeader: "Console", repoSlug: "inbox" },
      { application: "console", repoSlug: "inbox-app-console-06ke78m" },
    ],
    [
      "application named like the repo",
      { manifestName: "inbox", applicationHeader: undefined, repoSlug: "inbox" },
      { application: "inbox", repoSlug: "inbox" },
    ],
    [
      "blank header ignored",
      { manifestName: null, applicationHeader: "   ", repoSlug: "inbox" },
      { application: "inbox", repoSlug: "inbox" },
    ],
  ])("%s", (_, input, expected) => {
    expect(resolveApplicationIdentity(input)).toStrictEqual(
      Result.succeed({ ...expected, sourceRepoSlug: input.repoSlug }),
    );
  });

  it.each<[string, ApplicationIdentityInput, string]>([
    [
      "a header that normalizes to nothing",
      { manifestName: undefined, applicationHeader: "!!!", repoSlug: "inbox" },
      "Invalid application name.",
    ],
    [
      "a header longer than 100 characters",
      { manifestName: undefined, applicationHeader: "a".repeat(101), repoSlug: "inbox" },
      "Invalid application name.",
    ],
    [
      "an invalid header is reported before a mismatch",
      { manifestName: "console", applicationHeader: "---", repoSlug: "inbox" },
      "Invalid application name.",
    ],
    [
      "a header that disagrees with w7s.json",
      { manifestName: "console", applicationHeader: "support-api", repoSlug: "inbox" },
      "x-w7s-application must match name in w7s.json.",
    ],
  ])("rejects %s with 400", (_, input, message) => {
    const identity = resolveApplicationIdentity(input);
    if (Result.isSuccess(identity)) throw new Error("expected a rejection");
    expect([httpStatusOf(identity.failure), identity.failure.message]).toStrictEqual([400, message]);
  });
});
