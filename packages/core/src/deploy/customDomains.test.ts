import { Result } from "effect";
import { strToU8 } from "fflate";
import { describe, expect, it } from "vitest";
import { customDomainRoutes } from "./customDomains.js";

const routes = (files: Record<string, string>, branch = "main", direct = false) =>
  customDomainRoutes({
    files: new Map(Object.entries(files).map(([path, text]) => [path, strToU8(text)])),
    branch,
    direct,
  });
const displays = (result: ReturnType<typeof routes>) =>
  Result.getOrThrow(result).map((route) => route.display);
const error = (result: ReturnType<typeof routes>) =>
  Result.isFailure(result) ? result.failure.message : "ok";

describe("H.1 CNAME files", () => {
  it("merges every CNAME file, skips comments, lowercases and de-duplicates", () => {
    expect(
      displays(
        routes({
          CNAME: "# mine\nApp.Example.com\r\nhttps://example.org:8443/Compress-Video/?q=1\n",
          "dist/CNAME": "app.example.com\nexample.net/tools/\n\n",
        }),
      ),
    ).toEqual(["app.example.com", "example.org/compress-video", "example.net/tools"]);
  });

  it.each([
    ["bad_domain", "Invalid custom domain in CNAME file: bad_domain"],
    ["localhost", "Invalid custom domain in CNAME file: localhost"],
    ["example.com/a//b", "Invalid custom domain path in CNAME file: example.com/a//b"],
  ])("refuses %s", (line, message) => {
    expect(error(routes({ CNAME: line }))).toBe(message);
  });
});

describe("H.2 branch handling", () => {
  it("prefixes the first label on branches other than main, unless direct", () => {
    expect(displays(routes({ CNAME: "whereis.carlosguerrero.com" }, "feature/custom-domain"))).toEqual([
      "feature-custom-domain--whereis.carlosguerrero.com",
    ]);
    expect(displays(routes({ CNAME: "whereis.example.com" }, "master"))).toEqual([
      "master--whereis.example.com",
    ]);
    expect(displays(routes({ CNAME: "{branch}.omattic.com/api" }, "demo", true))).toEqual([
      "demo.omattic.com/api",
    ]);
  });
});
