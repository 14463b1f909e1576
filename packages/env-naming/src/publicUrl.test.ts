import { describe, expect, it } from "vitest";
import { publicUrl } from "./publicUrl.js";

describe("A.4 publicUrl", () => {
  it.each([
    [
      "owner-root repo in production",
      { environment: "production", owner: "guerrerocarlos", repo: "guerrerocarlos", baseDomain: "w7s.cloud" },
      "https://guerrerocarlos.w7s.cloud/",
    ],
    [
      "branch deploy of a repo",
      { environment: "feature-api-v2-test", owner: "w7s-io", repo: "demo", baseDomain: "w7s.cloud" },
      "https://feature-api-v2-test--w7s-io.w7s.cloud/demo/",
    ],
    [
      "trimmed base domain",
      { environment: "production", owner: "acme", repo: "shop", baseDomain: " w7s.localhost " },
      "https://acme.w7s.localhost/shop/",
    ],
    [
      "no custom domain attached",
      { environment: "production", owner: "acme", repo: "shop", baseDomain: "w7s.cloud", customDomains: [] },
      "https://acme.w7s.cloud/shop/",
    ],
    [
      "first custom domain with a path prefix",
      {
        environment: "production",
        owner: "omattic",
        repo: "compress-video",
        baseDomain: "w7s.cloud",
        customDomains: ["omattic.com/compress-video", "www.omattic.com"],
      },
      "https://omattic.com/compress-video/",
    ],
    [
      "custom domain host only",
      {
        environment: "dev",
        owner: "acme",
        repo: "shop",
        baseDomain: "w7s.cloud",
        customDomains: ["dev--shop.acme.com"],
      },
      "https://dev--shop.acme.com/",
    ],
  ])("%s", (_name, input, expected) => {
    expect(publicUrl(input)).toBe(expected);
  });
});
