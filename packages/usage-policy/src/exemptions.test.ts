import { describe, expect, it } from "vitest";
import { isExempt, parseExemptOrgs } from "./index.js";

describe("F.7 limit exemptions", () => {
  it.each([
    [undefined, []],
    ["", []],
    [" , ,", []],
    ["acme", ["acme"]],
    [" ACME , Other_Org ", ["acme", "other_org"]],
    ["-acme,acme", ["acme"]],
    ["My Org,!!!", ["my-org"]],
  ])("parseExemptOrgs(%j) is %j", (list, orgs) => {
    expect([...parseExemptOrgs(list)]).toStrictEqual(orgs);
  });

  it("exempts nobody by default (DECISIONS 11)", () => {
    expect(isExempt(parseExemptOrgs(undefined), "omattic")).toBe(false);
    expect(isExempt(undefined, "omattic")).toBe(false);
  });

  it.each([
    ["acme", true],
    ["ACME", true],
    [" Acme ", true],
    ["acme-labs", false],
    ["other", false],
  ])("owner %j is exempt under `acme`: %s", (org, expected) => {
    expect(isExempt(parseExemptOrgs("acme"), org)).toBe(expected);
  });
});
