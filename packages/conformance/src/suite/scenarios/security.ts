/**
 * The platform's defences (issue 9, I.5, L.10) and the agent API (I.1), through HTTP: base-domain cookies
 * stripped from app answers on every host, oversized `Cookie` headers refused with 431 before the app
 * runs, security headers on what the platform writes and not on what apps answer, `/_w7s` unreachable,
 * repeated bearer failures slowed down, and the agent documents matching the live routes.
 */
import { describe, expect, it } from "vitest";
import type { ArchiveFiles } from "../archives.js";
import { credentials, type SuiteContext } from "../context.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are asserted field by field
type Json = any;

/** A backend that sets cookies for the base domain and for itself. */
const cookieApp = (baseDomain: string): ArchiveFiles => ({
  "backend/index.js": `export default {
  fetch(request) {
    const headers = new Headers({ "content-type": "text/plain", "x-frame-options": "SAMEORIGIN" });
    headers.append("set-cookie", "leak=1; Domain=${baseDomain}; Path=/");
    headers.append("set-cookie", "leak2=1; Path=/; domain=.${baseDomain.toUpperCase()}");
    headers.append("set-cookie", "__Host-session=abc; Path=/; Secure; HttpOnly");
    headers.append("set-cookie", "other=1; Domain=example.org");
    return new Response("cookies " + request.method, { headers });
  },
};
`,
  CNAME: "cookies.jar.example\n",
});

const SECURITY_HEADERS = [
  "x-content-type-options",
  "referrer-policy",
  "x-frame-options",
  "content-security-policy",
];

export const securityScenarios = (context: SuiteContext): void => {
  describe("L.10 / D.1 base-domain cookies never leave an app", () => {
    it("are stripped on the owner host and the custom domain, for GET and POST; other cookies pass", async () => {
      const base = context.target().baseDomain;
      expect((await context.deployAs("sec-cookies", "jar", cookieApp(base))).status).toBe(200);
      for (const [host, path] of [
        [context.host("sec-cookies"), "/jar/x"],
        ["cookies.jar.example", "/x"],
      ] as const) {
        for (const method of ["GET", "POST"]) {
          const response = await context.get(host, path, { method });
          expect(await response.text()).toBe(`cookies ${method}`);
          expect(response.headers.getSetCookie()).toEqual([
            "__Host-session=abc; Path=/; Secure; HttpOnly",
            "other=1; Domain=example.org",
          ]);
          // The app's own headers are its own: nothing is added or replaced.
          expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
          expect(response.headers.get("content-security-policy")).toBeNull();
        }
      }
    }, 60_000);
  });

  describe("oversized Cookie headers", () => {
    it("answer 431 with the error envelope before any app code runs; 8 KiB still passes", async () => {
      const base = context.target().baseDomain;
      await context.deployAs("sec-cookies", "jar", cookieApp(base));
      const big = `a=${"x".repeat(8191)}`;
      for (const [host, path] of [
        [context.host("sec-cookies"), "/jar/x"],
        ["cookies.jar.example", "/x"],
        [base, "/health"],
      ] as const) {
        const response = await context.get(host, path, { headers: { cookie: big } });
        expect(response.status).toBe(431);
        expect(await response.json()).toEqual({
          status: "error",
          error: "Cookie header too large.",
          details: { header: "cookie", limitBytes: 8192, receivedBytes: 8193 },
        });
      }
      const fits = await context.get(context.host("sec-cookies"), "/jar/x", {
        headers: { cookie: big.slice(1) },
      });
      expect(fits.status).toBe(200);
    }, 60_000);
  });

  describe("security headers", () => {
    it("are on every answer the platform writes itself", async () => {
      const base = context.target().baseDomain;
      const answers = [
        await context.get(base, "/health"),
        await context.get(base, "/"),
        await context.get(base, "/api/v1/deploy", { method: "POST" }),
        await context.get(context.host("sec-nobody"), "/nothing/"),
        await context.get(context.host("sec-nobody"), "/nothing/", {
          headers: { "sec-fetch-mode": "navigate" },
        }),
        await context.get(base, "/api/v1/agent/openapi.json"),
      ];
      for (const response of answers) {
        for (const name of SECURITY_HEADERS)
          expect({ name, value: response.headers.get(name) }).not.toEqual({ name, value: null });
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      }
    }, 60_000);

    it("are not added to an app's static files", async () => {
      await context.deployAs("sec-static", "site", { "dist/index.html": "<h1>s</h1>" });
      const response = await context.get(context.host("sec-static"), "/site/");
      expect(response.status).toBe(200);
      for (const name of SECURITY_HEADERS) expect(response.headers.get(name)).toBeNull();
    }, 60_000);
  });

  describe("/_w7s is unreachable from outside", () => {
    it("on the platform host, owner hosts and unclaimed hosts", async () => {
      const base = context.target().baseDomain;
      for (const host of [base, context.host("sec-static"), "unclaimed.nowhere.example"]) {
        const response = await context.get(host, "/_w7s/schedules/run");
        expect(response.status).toBe(404);
        expect(((await response.json()) as Json).code).toBe("deployment_not_connected");
      }
    }, 60_000);
  });

  describe("repeated bearer failures from one address", () => {
    it("are slowed down: the 11th attempt within a minute answers 429 with retry-after, for that address only", async () => {
      const attempt = (address: string, token: string) =>
        context.deployAs(
          "sec-guess",
          "app",
          { "dist/index.html": "x" },
          {
            token,
            headers: { "x-forwarded-for": address },
          },
        );
      for (let index = 0; index < 10; index += 1) {
        expect((await attempt("198.51.100.23", `guess-${index}`)).status).toBe(401);
      }
      const slowed = await attempt("198.51.100.23", credentials.deployToken);
      expect(slowed.status).toBe(429);
      expect(slowed.body.error).toMatch(
        /^Too many failed authorization attempts from this address\. Retry after \d+ seconds\.$/,
      );
      expect((await attempt("198.51.100.24", credentials.deployToken)).status).toBe(200);
    }, 60_000);
  });

  describe("I.1 agent API", () => {
    it("agent.json and the OpenAPI document describe routes that all answer", async () => {
      const base = context.target().baseDomain;
      await context.deployAs("sec-agent", "site", {
        "dist/index.html": "<h1>a</h1>",
        "backend/index.js": "export default {}",
      });
      for (const path of ["/agent.json", "/.well-known/agent.json"]) {
        const discovery = (await (await context.get(base, path)).json()) as Json;
        expect(discovery).toMatchObject({ schemaVersion: "1.0", name: "W7S Cloud Agent API" });
        expect(discovery.api.openapi).toMatch(
          new RegExp(`^https?://${base.replaceAll(".", "\\.")}(:\\d+)?/api/v1/agent/openapi\\.json$`),
        );
      }
      const document = (await (await context.get(base, "/api/v1/agent/openapi.json")).json()) as Json;
      expect(document.openapi).toBe("3.1.0");
      const authorization = { authorization: `Bearer ${credentials.deployToken}` };
      for (const [path, operations] of Object.entries(
        document.paths as Record<string, Record<string, unknown>>,
      )) {
        for (const method of Object.keys(operations)) {
          const response = await context.get(
            base,
            path.replace("{owner}", "sec-agent").replace("{repo}", "site"),
            {
              method: method.toUpperCase(),
              headers: authorization,
            },
          );
          expect({ path, status: response.status }).toEqual({ path, status: 200 });
        }
      }
      const state = await context.get(base, "/api/v1/agent/repos/sec-agent/site", { headers: authorization });
      const body = await state.text();
      expect(body).not.toContain("tokenHash");
      expect(JSON.parse(body).data).toMatchObject({
        repository: "sec-agent/site",
        capabilities: {
          deployed: true,
          nativeBackend: true,
          readOnlyAgentApi: true,
          directMutationApi: false,
        },
      });
      const missing = await context.get(base, "/api/v1/agent/repos/sec-agent/site");
      expect({ status: missing.status, body: await missing.json() }).toEqual({
        status: 401,
        body: { status: "error", error: "Missing bearer token." },
      });
    }, 60_000);
  });
};
