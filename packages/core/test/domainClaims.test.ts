import { Effect } from "effect";
import { strToU8, zipSync } from "fflate";
import { beforeEach, describe, expect, it } from "vitest";
import { deployApp } from "../src/deploy/deployApp.js";
import { parseTxtAllowList } from "../src/deploy/domainClaims.js";
import { defaultPlatformConfig, type PlatformConfig } from "../src/platformConfig.js";
import type { CustomDomainMapping } from "../src/ports/records/DeploymentIndexes.js";
import { appKey, type MemoryWorld, makeMemoryWorld, memoryPorts } from "./memoryPorts.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
type Json = any;

const config: PlatformConfig = { ...defaultPlatformConfig, publicScheme: "https", publicPort: null };

const deploy = async (
  world: MemoryWorld,
  options: {
    repository?: string;
    branch?: string;
    files?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
) => {
  const files = options.files ?? { "dist/index.html": "<h1>hi</h1>", CNAME: "app.example.com\n" };
  const request = new Request("http://w7s.localhost/api/v1/deploy", {
    method: "POST",
    headers: {
      authorization: "Bearer ghs_test",
      "content-type": "application/zip",
      "x-github-repository": options.repository ?? "acme/site",
      "x-github-sha": "abc123",
      "x-github-branch": options.branch ?? "main",
      ...options.headers,
    },
    body: zipSync(
      Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)])),
    ) as Uint8Array<ArrayBuffer>,
  });
  const response = await Effect.runPromise(
    deployApp(request, config).pipe(Effect.provide(memoryPorts(world))),
  );
  return { status: response.status, body: (await response.json()) as Json };
};

const site = (cname: string, extra: Record<string, string> = {}) => ({
  "dist/index.html": "<h1>hi</h1>",
  CNAME: cname,
  ...extra,
});

const held = (world: MemoryWorld) =>
  [...world.domains.values()].map(
    (mapping) => `${mapping.hostname}${mapping.pathPrefix ?? ""} ${appKey(mapping)}`,
  );

const mapping = (hostname: string, repository: string, pathPrefix?: string): CustomDomainMapping => {
  const [orgSlug = "", repoSlug = ""] = repository.split("/");
  return {
    version: 1,
    hostname,
    ...(pathPrefix === undefined ? {} : { pathPrefix }),
    orgSlug,
    repoSlug,
    environment: "production",
    repository,
    deployedAt: "2026-01-01T00:00:00.000Z",
  };
};

let world: MemoryWorld;
beforeEach(() => {
  world = makeMemoryWorld();
});

describe("H.3 claims without a TXT record", () => {
  it("attach with the advisory warning; the URL is the first custom domain (A.4)", async () => {
    const answer = await deploy(world, { files: site("app.example.com\nwww.example.com/docs\n") });
    expect(answer.status).toBe(200);
    expect(answer.body.data.url).toBe("https://app.example.com/");
    expect(answer.body.data.customDomains).toEqual(["app.example.com", "www.example.com/docs"]);
    expect(answer.body.data.deployment.customDomains).toEqual(["app.example.com", "www.example.com/docs"]);
    expect(Object.keys(answer.body.data.deployment).indexOf("customDomains")).toBe(
      Object.keys(answer.body.data.deployment).indexOf("deployedAt") + 1,
    );
    expect(answer.body.data.customDomainWarnings).toEqual([
      {
        hostname: "app.example.com",
        domain: "example.com",
        txtName: "_w7s.example.com",
        txtValue: "acme/site",
        message: "Add TXT _w7s.example.com=acme/site to restrict future claims for this domain.",
      },
      {
        hostname: "www.example.com",
        pathPrefix: "/docs",
        domain: "example.com",
        txtName: "_w7s.example.com",
        txtValue: "acme/site",
        message: "Add TXT _w7s.example.com=acme/site to restrict future claims for this domain.",
      },
    ]);
    expect(answer.body.data.blockedCustomDomains).toBeUndefined();
    expect(held(world)).toEqual([
      "app.example.com production:acme:site",
      "www.example.com/docs production:acme:site",
    ]);
  });

  it("a path route's URL keeps its prefix", async () => {
    const answer = await deploy(world, { files: site("https://omattic.com/compress-video\n") });
    expect(answer.body.data.url).toBe("https://omattic.com/compress-video/");
  });

  it("replacing another repository's unverified claim names it (last writer wins)", async () => {
    world.domains.set("app.example.com /", mapping("app.example.com", "other/thing"));
    const answer = await deploy(world);
    expect(answer.body.data.customDomainWarnings).toEqual([
      {
        hostname: "app.example.com",
        domain: "example.com",
        txtName: "_w7s.example.com",
        txtValue: "acme/site",
        currentRepository: "other/thing",
        message:
          "app.example.com replaced the unverified custom-domain claim by other/thing. Add TXT _w7s.example.com=acme/site to restrict future claims for this domain.",
      },
    ]);
    expect(held(world)).toEqual(["app.example.com production:acme:site"]);
  });

  it("a failing TXT lookup counts as no record (fail-open, L.23)", async () => {
    world.txtFailures.add("_w7s.example.com");
    const answer = await deploy(world);
    expect(answer.body.data.customDomains).toEqual(["app.example.com"]);
    expect(answer.body.data.customDomainWarnings).toHaveLength(1);
  });
});

describe("H.3 the TXT allow list", () => {
  it.each([["acme"], ["acme/site"], ["other, acme/site"], ["ACME/Site"]])(
    "%s authorizes acme/site: attached without a warning",
    async (value) => {
      world.txt.set("_w7s.example.com", [value]);
      const answer = await deploy(world);
      expect(answer.body.data.customDomains).toEqual(["app.example.com"]);
      expect(answer.body.data.customDomainWarnings).toBeUndefined();
    },
  );

  it("a list without this app blocks it; the deploy still succeeds on the default URL", async () => {
    world.txt.set("_w7s.example.com", ["other/thing"]);
    world.domains.set("app.example.com /", mapping("app.example.com", "other/thing"));
    const answer = await deploy(world);
    expect(answer.status).toBe(200);
    expect(answer.body.data.url).toBe("https://acme.w7s.localhost/site/");
    expect(answer.body.data.customDomains).toBeUndefined();
    expect(answer.body.data.deployment.customDomains).toBeUndefined();
    expect(answer.body.data.blockedCustomDomains).toEqual([
      {
        hostname: "app.example.com",
        domain: "example.com",
        reason: "txt_allowlist_mismatch",
        txtName: "_w7s.example.com",
        txtValue: "acme/site",
        currentRepository: "other/thing",
        message: "TXT _w7s.example.com does not authorize acme/site.",
      },
    ]);
    expect(held(world)).toEqual(["app.example.com production:other:thing"]);
  });

  it("a record with no valid entry blocks everyone", async () => {
    world.txt.set("_w7s.example.com", ["not a list!!"]);
    const answer = await deploy(world);
    expect(answer.body.data.blockedCustomDomains?.[0]?.reason).toBe("txt_allowlist_mismatch");
  });

  it("parses comma lists, lowercases, drops invalid entries and duplicates", () => {
    expect(parseTxtAllowList([" Acme , acme/Site,,bad entry, acme", "x/y/z", "solo"])).toEqual([
      "acme",
      "acme/site",
      "solo",
    ]);
  });
});

describe("hosts no app may claim", () => {
  it.each([
    ["w7s.localhost", "it is a host of this W7S server (w7s.localhost)."],
    ["api.w7s.localhost", "it is a host of this W7S server (w7s.localhost)."],
    ["victim.w7s.localhost", "it is a host of this W7S server (w7s.localhost)."],
    ["192.0.2.10", "it is an IP address, not a hostname."],
  ])("%s is blocked as reserved_hostname", async (hostname, why) => {
    const answer = await deploy(world, { files: site(`${hostname}\n`) });
    expect(answer.status).toBe(200);
    expect(answer.body.data.blockedCustomDomains).toEqual([
      {
        hostname,
        reason: "reserved_hostname",
        message: `${hostname} cannot be claimed as a custom domain: ${why}`,
      },
    ]);
    expect(world.domains.size).toBe(0);
  });
});

describe("B.2 row 19 / H.5 routing.defaultDomain=false", () => {
  const customOnly = (cname: string) => site(cname, { "w7s.json": '{"routing":{"defaultDomain":false}}' });

  it("deploys when a domain attaches; the record keeps routing.defaultDomain=false", async () => {
    const answer = await deploy(world, { files: customOnly("app.example.com\n") });
    expect(answer.status).toBe(200);
    expect(answer.body.data.url).toBe("https://app.example.com/");
    expect(answer.body.data.deployment.routing).toEqual({ defaultDomain: false });
  });

  it("refuses when nothing attaches, stores nothing and removes what it published", async () => {
    world.txt.set("_w7s.example.com", ["someone-else"]);
    const answer = await deploy(world, { files: customOnly("app.example.com\n") });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      status: "error",
      error: "routing.defaultDomain=false requires an attached custom domain.",
      details: {
        blockedCustomDomains: [
          {
            hostname: "app.example.com",
            domain: "example.com",
            reason: "txt_allowlist_mismatch",
            txtName: "_w7s.example.com",
            txtValue: "acme/site",
            message: "TXT _w7s.example.com does not authorize acme/site.",
          },
        ],
      },
    });
    expect(world.deployments.size).toBe(0);
    expect(world.objects.size).toBe(0);
    expect(world.manifests.size).toBe(0);
  });
});

describe("B.14 stale mappings", () => {
  it("a redeploy releases the routes its CNAME no longer lists", async () => {
    await deploy(world, { files: site("a.example.com\nb.example.com\n") });
    await deploy(world, { files: site("a.example.com\n") });
    expect(held(world)).toEqual(["a.example.com production:acme:site"]);
  });

  it("never releases a route another app took over", async () => {
    await deploy(world, { files: site("a.example.com\n") });
    await deploy(world, { repository: "other/thing", files: site("a.example.com\n") });
    await deploy(world, { files: site("b.example.com\n") });
    expect(held(world)).toEqual([
      "a.example.com production:other:thing",
      "b.example.com production:acme:site",
    ]);
  });

  it("a branch deployed as production releases only its own branch-prefixed hosts", async () => {
    await deploy(world, { files: site("app.example.com\n") });
    await deploy(world, {
      branch: "dev",
      headers: { "x-w7s-environment": "production" },
      files: site("app.example.com\n"),
    });
    expect(held(world)).toEqual([
      "app.example.com production:acme:site",
      "dev--app.example.com production:acme:site",
    ]);
    await deploy(world, { branch: "dev", headers: { "x-w7s-environment": "production" }, files: site("") });
    expect(held(world)).toEqual(["app.example.com production:acme:site"]);
  });

  it("branch deploys claim the branch-prefixed host in their own environment (H.2)", async () => {
    const answer = await deploy(world, { branch: "feature/x", files: site("app.example.com\n") });
    expect(answer.body.data.customDomains).toEqual(["feature-x--app.example.com"]);
    expect(held(world)).toEqual(["feature-x--app.example.com feature-x:acme:site"]);
  });
});

describe("H.3 front-door advisory", () => {
  const authority = (allow: Array<{ pathPrefix: string; repository: string }>) =>
    JSON.stringify({ routing: { customDomainAuthority: { domains: ["shop.example.com"], allow } } });

  it("warns a path route under a root another repository serves, unless its authority lists it", async () => {
    await deploy(world, { repository: "front/door", files: site("shop.example.com\n") });
    const warned = await deploy(world, { files: site("shop.example.com/blog\n") });
    const frontDoor = (warned.body.data.customDomainWarnings as Json[]).find(
      (warning) => warning.frontDoorRepository !== undefined,
    );
    expect(frontDoor).toMatchObject({
      hostname: "shop.example.com",
      pathPrefix: "/blog",
      frontDoorRepository: "front/door",
    });
    expect(frontDoor.message).toContain("front-door allowlist");
    expect(warned.body.data.customDomains).toEqual(["shop.example.com/blog"]);

    await deploy(world, {
      repository: "front/door",
      files: site("shop.example.com\n", {
        "w7s.json": authority([{ pathPrefix: "/blog", repository: "acme/site" }]),
      }),
    });
    const covered = await deploy(world, { files: site("shop.example.com/blog\n") });
    expect(
      (covered.body.data.customDomainWarnings as Json[]).filter((warning) => warning.frontDoorRepository),
    ).toEqual([]);
  });
});

describe("history depth", () => {
  it("every switch asks the store to keep the configured number of records", async () => {
    await deploy(world);
    expect(world.switches.at(-1)?.retain).toBe(10);
  });
});
