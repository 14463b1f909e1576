import { describe, expect, it } from "vitest";
import { stripBaseDomainCookies } from "./cookiePolicy.js";

describe("D.1 step 1 cookie policy", () => {
  it.each<[string, string, boolean]>([
    ["host-only cookie", "sid=1; Path=/; HttpOnly", true],
    ["Domain=<base domain>", "sid=1; Domain=w7s.cloud; Path=/", false],
    ["Domain=.<base domain>", "sid=1; Domain=.w7s.cloud", false],
    ["attribute name in any case", "sid=1; DOMAIN=w7s.cloud", false],
    ["value in any case", "sid=1; domain=W7S.Cloud", false],
    ["spaces around the attribute", "sid=1;   Domain =  .w7s.cloud  ; Secure", false],
    ["a later Domain attribute", "sid=1; Domain=example.com; Domain=w7s.cloud", false],
    ["an owner subdomain is allowed", "sid=1; Domain=acme.w7s.cloud", true],
    ["another domain is allowed", "sid=1; Domain=example.com", true],
    ["a lookalike domain is allowed", "sid=1; Domain=notw7s.cloud", true],
    ["the value itself is not an attribute", "domain=w7s.cloud; Path=/", true],
    ["an empty Domain is allowed", "sid=1; Domain=", true],
  ])("%s: kept %s", (_name, setCookie, kept) => {
    expect(stripBaseDomainCookies([setCookie], "w7s.cloud")).toStrictEqual(kept ? [setCookie] : []);
  });

  it("keeps the other cookies in order", () => {
    const cookies = ["a=1", "b=2; Domain=w7s.cloud", "c=3; Domain=acme.w7s.cloud"];
    expect(stripBaseDomainCookies(cookies, " W7S.cloud ")).toStrictEqual([
      "a=1",
      "c=3; Domain=acme.w7s.cloud",
    ]);
  });

  it("returns the same array when nothing is removed, so the response stays unchanged", () => {
    const cookies = ["a=1", "b=2; Domain=example.com"];
    expect(stripBaseDomainCookies(cookies, "w7s.cloud")).toBe(cookies);
  });
});
