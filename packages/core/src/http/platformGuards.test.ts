import { Effect } from "effect";
import { strToU8, zipSync } from "fflate";
import { beforeEach, describe, expect, it } from "vitest";
import { type MemoryWorld, makeMemoryWorld, memoryPorts } from "../../test/memoryPorts.js";
import { defaultPlatformConfig, type PlatformConfig } from "../platformConfig.js";
import { clientAddressOf } from "../security/authFailures.js";
import { PLATFORM_SECURITY_HEADERS } from "../security/securityHeaders.js";
import { makeHttpApp } from "./app.js";

const config: PlatformConfig = { ...defaultPlatformConfig, baseDomain: "w7s.test" };

let world: MemoryWorld;
let app: ReturnType<typeof makeHttpApp>;
let peer: string | undefined;
beforeEach(() => {
  world = makeMemoryWorld();
  peer = "203.0.113.9";
  const layer = memoryPorts(world);
  app = makeHttpApp({
    config,
    run: (effect) => Effect.runPromise(Effect.provide(effect, layer)),
    peerAddress: () => peer,
  });
  world.backendFetch = (_id, request) => {
    const headers = new Headers({ "content-type": "text/plain" });
    headers.append("set-cookie", "sid=1; Domain=.w7s.test; Path=/");
    headers.append("set-cookie", "theme=dark; Path=/");
    headers.set("x-frame-options", "SAMEORIGIN");
    return new Response(`backend saw ${new URL(request.url).pathname}`, { headers });
  };
});

const deploy = (files: Record<string, string>, repository = "acme/site", token = "ghs_test") =>
  app.request("http://w7s.test/api/v1/deploy", {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/zip",
      "x-github-repository": repository,
      "x-github-sha": "abc123",
      "x-github-branch": "main",
    },
    body: zipSync(
      Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)])),
    ) as Uint8Array<ArrayBuffer>,
  });

const get = (host: string, path: string, headers: Record<string, string> = {}, method = "GET") =>
  app.request(`http://${host}${path}`, { method, headers: { host, ...headers } });

const securityHeadersOf = (response: Response) =>
  Object.fromEntries(
    Object.keys(PLATFORM_SECURITY_HEADERS).map((name) => [name, response.headers.get(name)]),
  );

describe("D.1 step 2: custom domains are routed before any platform route", () => {
  beforeEach(async () => {
    const answer = await deploy({
      "dist/index.html": "<h1>shop</h1>",
      "dist/health": "app health file",
      "backend/index.js": "export default {}",
      CNAME: "shop.example.com\n",
    });
    expect(answer.status).toBe(200);
  });

  it("serves /health, /api/v1/* and /agent.json from the app on a custom domain", async () => {
    expect(await (await get("shop.example.com", "/api/v1/status")).text()).toBe("backend saw /api/v1/status");
    // The backend is called first on a custom domain, but an exact file still answers (D.2 steps 6.5-6.6).
    expect(await (await get("shop.example.com", "/health")).text()).toBe("app health file");
    const deployThere = await app.request("http://shop.example.com/api/v1/deploy", {
      method: "POST",
      headers: { host: "shop.example.com", authorization: "Bearer ghs_test" },
    });
    expect(await deployThere.text()).toBe("backend saw /api/v1/deploy");
  });

  it("keeps /_w7s private on the custom domain: the backend is never called", async () => {
    const response = await get("shop.example.com", "/_w7s/queues/jobs");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe("deployment_not_connected");
  });

  it("strips base-domain cookies from the app's answer there too, and adds no platform header", async () => {
    const response = await get("shop.example.com", "/anything");
    expect(response.headers.getSetCookie()).toEqual(["theme=dark; Path=/"]);
    expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(response.headers.get("content-security-policy")).toBeNull();
  });

  it("a host nobody claimed gets the platform", async () => {
    const response = await get("nobody.example.org", "/health");
    expect(await response.json()).toMatchObject({ status: "ok" });
  });
});

describe("/_w7s on every host", () => {
  it.each(["w7s.test", "www.w7s.test", "acme.w7s.test", "127.0.0.1:8787"])(
    "%s answers 404 not connected",
    async (host) => {
      const response = await get(host, "/_w7s/schedules/tick");
      expect(response.status).toBe(404);
      expect(securityHeadersOf(response)).toEqual(PLATFORM_SECURITY_HEADERS);
    },
  );
});

describe("oversized Cookie headers: 431 before any app code runs", () => {
  it("refuses more than 8 KiB on app, custom-domain and platform hosts alike", async () => {
    await deploy({ "backend/index.js": "export default {}" });
    let called = 0;
    world.backendFetch = () => {
      called += 1;
      return new Response("ok");
    };
    const big = `a=${"x".repeat(8191)}`;
    for (const host of ["acme.w7s.test", "w7s.test"]) {
      const response = await get(host, "/site/", { cookie: big });
      expect(response.status).toBe(431);
      expect(await response.json()).toEqual({
        status: "error",
        error: "Cookie header too large.",
        details: { header: "cookie", limitBytes: 8192, receivedBytes: 8193 },
      });
      expect(securityHeadersOf(response)).toEqual(PLATFORM_SECURITY_HEADERS);
    }
    expect(called).toBe(0);
    expect((await get("acme.w7s.test", "/site/", { cookie: big.slice(1) })).status).toBe(200);
    expect(called).toBe(1);
  });
});

describe("security headers", () => {
  it("are on the platform's own answers: API, errors, health, landing page, not-connected", async () => {
    const answers = [
      await get("w7s.test", "/health"),
      await get("w7s.test", "/"),
      await get("acme.w7s.test", "/nothing/"),
      await get("acme.w7s.test", "/nothing/", { "sec-fetch-mode": "navigate" }),
      await app.request("http://w7s.test/api/v1/deploy", { method: "POST", headers: { host: "w7s.test" } }),
      await get("w7s.test", "/api/v1/nope"),
    ];
    for (const response of answers) expect(securityHeadersOf(response)).toEqual(PLATFORM_SECURITY_HEADERS);
  });

  it("are never added to an app's files or backend answers", async () => {
    await deploy({ "dist/index.html": "<h1>hi</h1>", "dist/app.js": "1" });
    const file = await get("acme.w7s.test", "/site/app.js");
    expect(file.status).toBe(200);
    expect(securityHeadersOf(file)).toEqual(
      Object.fromEntries(Object.keys(PLATFORM_SECURITY_HEADERS).map((name) => [name, null])),
    );
  });
});

describe("repeated bearer failures from one address", () => {
  it("after 10 failures in a minute the address gets 429 with retry-after, even with a good token", async () => {
    world.access = { granted: false };
    for (let attempt = 0; attempt < 10; attempt += 1) {
      expect((await deploy({ "dist/index.html": "x" })).status).toBe(401);
    }
    world.access = { granted: true, proof: "github-token" };
    const slowed = await deploy({ "dist/index.html": "x" });
    expect(slowed.status).toBe(429);
    expect(Number(slowed.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await slowed.json()) as { error: string }).error).toMatch(
      /^Too many failed authorization attempts from this address\. Retry after \d+ seconds\.$/,
    );
    peer = "203.0.113.10";
    expect((await deploy({ "dist/index.html": "x" })).status).toBe(200);
  });

  it("does not count requests without a bearer token, nor app answers", async () => {
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const missing = await app.request("http://w7s.test/api/v1/deploy", {
        method: "POST",
        headers: { host: "w7s.test", "content-type": "application/zip" },
      });
      expect(missing.status).toBe(401);
    }
    expect((await deploy({ "dist/index.html": "x" })).status).toBe(200);
  });

  it.each<[string | undefined, string | null, string | undefined]>([
    ["203.0.113.9", null, "203.0.113.9"],
    ["::ffff:203.0.113.9", null, "203.0.113.9"],
    ["203.0.113.9", "198.51.100.1", "203.0.113.9"],
    ["127.0.0.1", "198.51.100.1", "198.51.100.1"],
    ["127.0.0.1", "198.51.100.7, 198.51.100.1", "198.51.100.1"],
    ["::1", "198.51.100.1, 127.0.0.1", "198.51.100.1"],
    ["127.0.0.1", null, undefined],
    [undefined, "198.51.100.1", undefined],
  ])("peer %s with X-Forwarded-For %s counts as %s", (peerAddress, forwarded, client) => {
    expect(clientAddressOf(peerAddress, forwarded, ["127.0.0.1", "::1"])).toBe(client);
  });
});

describe("GET /api/v1/tls/ask (the reverse proxy's on-demand TLS question)", () => {
  const ask = async (domain: string | undefined) => {
    const query = domain === undefined ? "" : `?domain=${encodeURIComponent(domain)}`;
    const response = await get("127.0.0.1:8787", `/api/v1/tls/ask${query}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("answers 200 only for hosts this server serves", async () => {
    await deploy({ "dist/index.html": "x", CNAME: "shop.example.com\n" });
    expect(await ask("shop.example.com")).toEqual({
      status: 200,
      body: { status: "success", data: { domain: "shop.example.com", kind: "custom-domain" } },
    });
    expect((await ask("acme.w7s.test")).body).toMatchObject({ data: { kind: "owner-host" } });
    expect((await ask("feature--acme.w7s.test")).body).toMatchObject({ data: { kind: "owner-host" } });
    expect((await ask("w7s.test")).body).toMatchObject({ data: { kind: "platform" } });
    expect((await ask("WWW.w7s.test")).body).toMatchObject({ data: { kind: "platform" } });
    for (const domain of ["nobody.w7s.test", "other.example.com", "x.y.w7s.test"]) {
      expect(await ask(domain)).toEqual({
        status: 404,
        body: { status: "error", error: `${domain} is not served by this W7S server.` },
      });
    }
    expect(await ask(undefined)).toEqual({
      status: 400,
      body: { status: "error", error: "Missing domain query parameter." },
    });
  });
});
