import { type CloudflareApiStandIn, startCloudflareApiStandIn } from "@w7s/cloudflare-api/stand-in";
import { Effect, Exit } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planRoutes, reconcileRoutes } from "./reconcileRoutes.js";

let cloudflare: CloudflareApiStandIn;
let lines: string[];

beforeEach(async () => {
  cloudflare = await startCloudflareApiStandIn({
    zones: [
      { name: "example.com", id: "zone-example" },
      { name: "other.com", id: "zone-other" },
    ],
  });
  lines = [];
});
afterEach(() => cloudflare.close());

const env = (extra: Record<string, string> = {}) => ({
  CLOUDFLARE_API_TOKEN: cloudflare.apiToken,
  CLOUDFLARE_ACCOUNT_ID: cloudflare.accountId,
  CLOUDFLARE_API_BASE_URL: cloudflare.url,
  W7S_ZONE_NAME: "example.com",
  W7S_ATTACH_WILDCARD_ROUTE: "true",
  ...extra,
});

const reconcile = (extra: Record<string, string> = {}, dryRun = false) =>
  Effect.runPromiseExit(reconcileRoutes(env(extra), { dryRun, log: (line) => lines.push(line) }));

const routesOf = (zoneId: string) =>
  cloudflare.state.routes
    .filter((route) => route.zone_id === zoneId)
    .map((route) => `${route.pattern} -> ${route.script ?? ""}`)
    .sort();

describe("reconcile-routes", () => {
  it("creates the missing routes, keeps correct ones, deletes stale ones of the core Worker only", async () => {
    cloudflare.state.routes.push(
      { id: "keep", zone_id: "zone-example", pattern: "example.com", script: "w7s-core" },
      { id: "stale", zone_id: "zone-example", pattern: "old.example.com/*", script: "w7s-core" },
      { id: "theirs", zone_id: "zone-example", pattern: "blog.example.com/*", script: "blog" },
      { id: "elsewhere", zone_id: "zone-other", pattern: "other.com/*", script: "w7s-core" },
    );
    expect(Exit.isSuccess(await reconcile())).toBe(true);
    expect(routesOf("zone-example")).toEqual([
      "*.example.com/* -> w7s-core",
      "blog.example.com/* -> blog",
      "example.com -> w7s-core",
      "example.com/* -> w7s-core",
    ]);
    expect(cloudflare.state.routes.find((route) => route.pattern === "example.com")?.id).toBe("keep");
    expect(routesOf("zone-other")).toEqual(["other.com/* -> w7s-core"]);
    expect(lines).toContain("deleted route old.example.com/* -> w7s-core (id stale)");

    const before = cloudflare.state.requests.length;
    lines = [];
    expect(Exit.isSuccess(await reconcile())).toBe(true);
    const writes = cloudflare.state.requests.slice(before).filter((request) => request.method !== "GET");
    expect(writes).toEqual([]);
  });

  it("removes the wildcard route when W7S_ATTACH_WILDCARD_ROUTE is false", async () => {
    expect(Exit.isSuccess(await reconcile())).toBe(true);
    expect(Exit.isSuccess(await reconcile({ W7S_ATTACH_WILDCARD_ROUTE: "false" }))).toBe(true);
    expect(routesOf("zone-example")).toEqual(["example.com -> w7s-core", "example.com/* -> w7s-core"]);
  });

  it("prints the plan and changes nothing on a dry run", async () => {
    cloudflare.state.routes.push({
      id: "stale",
      zone_id: "zone-example",
      pattern: "x.example.com",
      script: "w7s-core",
    });
    expect(Exit.isSuccess(await reconcile({}, true))).toBe(true);
    expect(lines).toEqual([
      "plan for zone example.com (dry run, nothing changed):",
      "  create example.com -> w7s-core",
      "  create example.com/* -> w7s-core",
      "  create *.example.com/* -> w7s-core",
      "  delete x.example.com -> w7s-core (id stale)",
    ]);
    expect(routesOf("zone-example")).toEqual(["x.example.com -> w7s-core"]);
  });

  it("retries a 429 from Cloudflare", async () => {
    cloudflare.failNext(2, 429, { retryAfterSeconds: 0 });
    expect(Exit.isSuccess(await reconcile())).toBe(true);
    expect(cloudflare.state.requests.filter((request) => request.status === 429)).toHaveLength(2);
    expect(routesOf("zone-example")).toHaveLength(3);
  });

  it("leaves a wanted pattern held by another script alone and fails saying so", async () => {
    cloudflare.state.routes.push({
      id: "theirs",
      zone_id: "zone-example",
      pattern: "example.com/*",
      script: "legacy",
    });
    const exit = await reconcile();
    expect(Exit.isFailure(exit)).toBe(true);
    expect(String(Exit.isFailure(exit) ? exit.cause : "")).toContain("route example.com/* belongs to legacy");
    expect(routesOf("zone-example")).toEqual([
      "*.example.com/* -> w7s-core",
      "example.com -> w7s-core",
      "example.com/* -> legacy",
    ]);
  });

  it("plans purely from the listed routes", () => {
    const plan = planRoutes(
      [
        { id: "1", pattern: "a", script: "core" },
        { id: "2", pattern: "b", script: "core" },
        { id: "3", pattern: "c" },
      ],
      ["a", "c", "d"],
      "core",
    );
    expect(plan.create).toEqual(["d"]);
    expect(plan.keep.map((route) => route.id)).toEqual(["1"]);
    expect(plan.remove.map((route) => route.id)).toEqual(["2"]);
    expect(plan.conflicts.map((route) => route.id)).toEqual(["3"]);
  });
});
