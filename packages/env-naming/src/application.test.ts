import { describe, expect, it } from "vitest";
import { applicationScopedRepoSlug } from "./application.js";
import { hash7 } from "./hash.js";

describe("B.6 applicationScopedRepoSlug", () => {
  it.each([
    ["inbox", "console", "inbox-app-console-06ke78m"],
    ["inbox", "support-api", "inbox-app-support-api-1vdc2cp"],
    ["inbox", "inbox", "inbox"],
    ["inbox", "", "inbox"],
    ["inbox", "Admin Panel", `inbox-app-admin-panel-${hash7("inbox\0Admin Panel")}`],
    ["inbox", "日本語", `inbox-app-worker-${hash7("inbox\0日本語")}`],
  ])("(%j, %j) -> %j", (repo, application, expected) => {
    expect(applicationScopedRepoSlug(repo, application)).toBe(expected);
  });

  it("cuts the readable part to 48 characters and trims the hyphen the cut leaves", () => {
    const application = `${"a".repeat(47)}-tail`;
    expect(applicationScopedRepoSlug("inbox", application)).toBe(
      `inbox-app-${"a".repeat(47)}-${hash7(`inbox\0${application}`)}`,
    );
  });
});
