import { describe, expect, it } from "vitest";
import type { CustomDomainRoute } from "./routeModel.js";
import { isPlatformApiPath, isPrivatePath, selectCustomDomainRoute, stripRoutePrefix } from "./routePaths.js";

describe("A.7 platform API paths on owner hosts", () => {
  it.each<[string, boolean]>([
    ["/api/v1", true],
    ["/api/v1/", true],
    ["/api/v1/deploy", true],
    ["/api/v10", false],
    ["/api/v", false],
    ["/api", false],
    ["/x/api/v1", false],
  ])("%s -> %s", (path, expected) => {
    expect(isPlatformApiPath(path)).toBe(expected);
  });
});

describe("D.2 step 5 / L.1 private delivery paths", () => {
  it.each<[string, boolean]>([
    ["/_w7s", true],
    ["/_w7s/", true],
    ["/_w7s/x", true],
    ["/_w7s/queue/jobs", true],
    ["/_W7S/x", true],
    ["/%5Fw7s/x", true],
    ["//_w7s/x", true],
    ["/_w7sx", false],
    ["/w7s/x", false],
    ["/x/_w7s", false],
    ["/%E0%A4%A", false],
  ])("%s -> %s", (path, expected) => {
    expect(isPrivatePath(path)).toBe(expected);
  });
});

const route = (hostname: string, pathPrefix: string | undefined, repoSlug: string): CustomDomainRoute => ({
  hostname,
  pathPrefix,
  orgSlug: "omattic",
  repoSlug,
  environment: "production",
});

describe("D.2 step 4 custom-domain prefix stripping", () => {
  it.each<[string | undefined, string, string]>([
    ["/compress-video", "/compress-video", "/"],
    ["/compress-video", "/compress-video/", "/"],
    ["/compress-video", "/compress-video/assets/app.js", "/assets/app.js"],
    ["/", "/assets/app.js", "/assets/app.js"],
    [undefined, "/x", "/x"],
  ])("prefix %j, path %s -> %s", (prefix, path, expected) => {
    expect(stripRoutePrefix(route("omattic.com", prefix, "app"), path)).toBe(expected);
  });
});

describe("H.4 longest-prefix route selection", () => {
  const routes = [
    route("omattic.com", undefined, "site"),
    route("omattic.com", "/compress-video", "compress-video"),
    route("omattic.com", "/compress-video/beta", "beta"),
  ];
  it.each<[string, string | undefined]>([
    ["/", "site"],
    ["/compress-video", "compress-video"],
    ["/compress-video/assets/app.js", "compress-video"],
    ["/compress-video-2/x", "site"],
    ["/compress-video/beta/x", "beta"],
  ])("%s -> %s", (path, repo) => {
    expect(selectCustomDomainRoute(routes, path)?.repoSlug).toBe(repo);
  });

  it("finds nothing without a root route", () => {
    expect(selectCustomDomainRoute(routes.slice(1), "/other")).toBeUndefined();
  });
});
