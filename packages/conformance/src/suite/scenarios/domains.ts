/**
 * Custom domains (H, D.1 step 2, D.2, D.5, B.2 rows 15/19), the reverse proxy's TLS question, and
 * deployment history with rollback, all through HTTP. TXT allow lists are published on the suite's DNS
 * server; the zone of `<label>.<name>.example` is `<name>.example` (its registrable domain).
 */
import { describe, expect, it } from "vitest";
import { fullstackApp } from "../apps.js";
import type { ArchiveFiles } from "../archives.js";
import { credentials, type SuiteContext } from "../context.js";

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are asserted field by field
type Json = any;

const site = (text: string, cname: string, extra: ArchiveFiles = {}): ArchiveFiles => ({
  "dist/index.html": `<h1>${text}</h1>`,
  "dist/health": `${text} health file`,
  CNAME: cname,
  ...extra,
});

export const domainScenarios = (context: SuiteContext): void => {
  const text = async (host: string, path: string, headers: Record<string, string> = {}) => {
    const response = await context.get(host, path, { headers });
    return { status: response.status, body: await response.text(), headers: response.headers };
  };

  describe("H custom domains", () => {
    it("an unverified claim attaches with the advisory warning, and the host serves the app before any platform route", async () => {
      const answer = await context.deployAs("dom-allowed", "site", site("allowed", "www.allowed.example\n"));
      expect(answer.status).toBe(200);
      expect(answer.body.data).toMatchObject({
        customDomains: ["www.allowed.example"],
        customDomainWarnings: [
          {
            hostname: "www.allowed.example",
            domain: "allowed.example",
            txtName: "_w7s.allowed.example",
            txtValue: "dom-allowed/site",
            message:
              "Add TXT _w7s.allowed.example=dom-allowed/site to restrict future claims for this domain.",
          },
        ],
      });
      expect(answer.body.data?.url).toMatch(/^https?:\/\/www\.allowed\.example(:\d+)?\/$/);
      expect(answer.body.data?.deployment?.customDomains).toEqual(["www.allowed.example"]);
      expect((await text("www.allowed.example", "/")).body).toBe("<h1>allowed</h1>");
      // Platform paths are the app's paths on a custom domain (D.1 step 2).
      expect((await text("www.allowed.example", "/health")).body).toBe("allowed health file");
      const deployThere = await context.get("www.allowed.example", "/api/v1/deploy", { method: "POST" });
      expect(deployThere.status).toBe(404);
      const privatePath = await text("www.allowed.example", "/_w7s/queues/jobs");
      expect(privatePath.status).toBe(404);
      expect(JSON.parse(privatePath.body).code).toBe("deployment_not_connected");
      // Still on the owner host, too.
      expect((await text(context.host("dom-allowed"), "/site/")).body).toBe("<h1>allowed</h1>");
    }, 60_000);

    it("a TXT allow list naming the app attaches it without a warning; path routes strip their prefix", async () => {
      context.dns().setTxt("_w7s.listed.example", ["someone-else,dom-listed"]);
      const answer = await context.deployAs("dom-listed", "api", {
        ...fullstackApp("listed"),
        CNAME: "https://listed.example/v1\n",
      });
      expect(answer.status).toBe(200);
      expect(answer.body.data?.customDomains).toEqual(["listed.example/v1"]);
      expect(answer.body.data?.customDomainWarnings).toBeUndefined();
      const seen = JSON.parse((await text("listed.example", "/v1/api/who?x=1")).body);
      expect(seen).toMatchObject({ version: "listed", path: "/api/who", query: "?x=1" });
      expect((await text("listed.example", "/v1/assets/app.js")).body).toBe('console.log("app listed");');
      // Outside the prefix nothing of this app answers.
      expect((await text("listed.example", "/other")).body).not.toContain("listed");
    }, 60_000);

    it("a TXT allow list without the app blocks it; the deploy succeeds on the default URL", async () => {
      context.dns().setTxt("_w7s.blocked.example", ["somebody/else"]);
      const answer = await context.deployAs("dom-blocked", "site", site("blocked", "shop.blocked.example\n"));
      expect(answer.status).toBe(200);
      expect(answer.body.data?.customDomains).toBeUndefined();
      expect(answer.body.data?.url).toMatch(/dom-blocked\..*\/site\/$/);
      expect(answer.body.data?.blockedCustomDomains).toEqual([
        {
          hostname: "shop.blocked.example",
          domain: "blocked.example",
          reason: "txt_allowlist_mismatch",
          txtName: "_w7s.blocked.example",
          txtValue: "dom-blocked/site",
          message: "TXT _w7s.blocked.example does not authorize dom-blocked/site.",
        },
      ]);
      expect((await text("shop.blocked.example", "/")).body).not.toContain("blocked");
      expect(context.dns().queries.some((query) => query.name === "_w7s.blocked.example")).toBe(true);
    }, 60_000);

    it("conflicting claims: last unverified writer wins and is told; a TXT record then decides", async () => {
      const host = "app.contested.example";
      const first = await context.deployAs("dom-first", "site", site("first", `${host}\n`));
      expect(first.body.data?.customDomains).toEqual([host]);
      const second = await context.deployAs("dom-second", "site", site("second", `${host}\n`));
      expect(second.body.data?.customDomainWarnings).toEqual([
        {
          hostname: host,
          domain: "contested.example",
          txtName: "_w7s.contested.example",
          txtValue: "dom-second/site",
          currentRepository: "dom-first/site",
          message: `${host} replaced the unverified custom-domain claim by dom-first/site. Add TXT _w7s.contested.example=dom-second/site to restrict future claims for this domain.`,
        },
      ]);
      expect((await text(host, "/")).body).toBe("<h1>second</h1>");

      context.dns().setTxt("_w7s.contested.example", ["dom-first/site"]);
      const back = await context.deployAs("dom-first", "site", site("first again", `${host}\n`));
      expect(back.body.data?.customDomains).toEqual([host]);
      expect(back.body.data?.customDomainWarnings).toBeUndefined();
      expect((await text(host, "/")).body).toBe("<h1>first again</h1>");
      const refused = await context.deployAs("dom-second", "site", site("second again", `${host}\n`));
      expect(refused.body.data?.blockedCustomDomains).toEqual([
        {
          hostname: host,
          domain: "contested.example",
          reason: "txt_allowlist_mismatch",
          txtName: "_w7s.contested.example",
          txtValue: "dom-second/site",
          currentRepository: "dom-first/site",
          message: "TXT _w7s.contested.example does not authorize dom-second/site.",
        },
      ]);
      expect((await text(host, "/")).body).toBe("<h1>first again</h1>");
    }, 60_000);

    it("B.14: a redeploy releases the hosts its CNAME no longer lists", async () => {
      await context.deployAs("dom-stale", "site", site("stale", "a.stale.example\nb.stale.example\n"));
      expect((await text("b.stale.example", "/")).body).toBe("<h1>stale</h1>");
      await context.deployAs("dom-stale", "site", site("fresh", "a.stale.example\n"));
      expect((await text("a.stale.example", "/")).body).toBe("<h1>fresh</h1>");
      expect((await text("b.stale.example", "/")).body).not.toContain("stale");
    }, 60_000);

    it("D.5 / rows 15 and 19: routing.defaultDomain=false is served only on its custom domain", async () => {
      const customOnly = { "w7s.json": '{"routing":{"defaultDomain":false}}' };
      const noCname = await context.deployAs("dom-only", "site", {
        "dist/index.html": "<h1>x</h1>",
        ...customOnly,
      });
      expect(noCname).toMatchObject({
        status: 400,
        body: { error: "routing.defaultDomain=false requires at least one hostname in a CNAME file." },
      });
      context.dns().setTxt("_w7s.closed.example", ["nobody"]);
      const blocked = await context.deployAs(
        "dom-only",
        "site",
        site("closed", "shop.closed.example\n", customOnly),
      );
      expect(blocked.status).toBe(400);
      expect(blocked.body.error).toBe("routing.defaultDomain=false requires an attached custom domain.");
      expect((blocked.body.details?.blockedCustomDomains as Json[] | undefined)?.[0]).toMatchObject({
        hostname: "shop.closed.example",
        reason: "txt_allowlist_mismatch",
      });

      const answer = await context.deployAs(
        "dom-only",
        "site",
        site("only", "only.open.example\n", customOnly),
      );
      expect(answer.status).toBe(200);
      expect(answer.body.data?.url).toMatch(/^https?:\/\/only\.open\.example(:\d+)?\/$/);
      expect((await text("only.open.example", "/")).body).toBe("<h1>only</h1>");
      const ownerHost = await text(context.host("dom-only"), "/site/");
      expect(ownerHost.status).toBe(404);
      expect(JSON.parse(ownerHost.body).code).toBe("deployment_not_connected");
    }, 60_000);
  });

  describe("on-demand TLS question (GET /api/v1/tls/ask)", () => {
    const ask = async (domain: string) =>
      (await context.get("127.0.0.1", `/api/v1/tls/ask?domain=${domain}`)).status;

    it("answers 200 only for attached custom domains, owner hosts in use and the platform's hosts", async () => {
      await context.deployAs("dom-tls", "site", site("tls", "www.tls.example\n"));
      const base = context.target().baseDomain;
      expect(await ask("www.tls.example")).toBe(200);
      expect(await ask(`dom-tls.${base}`)).toBe(200);
      expect(await ask(`preview--dom-tls.${base}`)).toBe(200);
      expect(await ask(base)).toBe(200);
      expect(await ask("other.tls.example")).toBe(404);
      expect(await ask(`never-deployed-owner.${base}`)).toBe(404);
      expect((await context.get("127.0.0.1", "/api/v1/tls/ask")).status).toBe(400);
    }, 60_000);
  });

  describe("deployment history and rollback", () => {
    const versionOf = async () => {
      const response = await context.get(context.host("rollback"), "/app/api/v");
      return { status: response.status, version: ((await response.json()) as { version: string }).version };
    };

    it("lists the kept deployments newest first; a rollback switches all traffic at once, under load", async () => {
      for (const version of ["r1", "r2", "r3"]) {
        expect((await context.deployAs("rollback", "app", fullstackApp(version))).status).toBe(200);
      }
      const list = await context.get("127.0.0.1", "/api/v1/deployments/rollback/app", {
        headers: { authorization: `Bearer ${credentials.deployToken}` },
      });
      const history = ((await list.json()) as Json).data;
      expect(
        history.deployments.map((entry: Json) => [
          entry.current,
          JSON.stringify(entry).includes("tokenHash"),
        ]),
      ).toEqual([
        [true, false],
        [false, false],
        [false, false],
      ]);

      let running = true;
      const seen: Array<{ status: number; version: string; after: boolean }> = [];
      let rolledBack = false;
      const client = async () => {
        while (running) {
          const after = rolledBack;
          const answer = await versionOf().catch(() => ({ status: 0, version: "failed" }));
          seen.push({ ...answer, after });
        }
      };
      const clients = Array.from({ length: 4 }, client);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const rollback = await context.get("127.0.0.1", "/api/v1/deployments/rollback/app/rollback", {
        method: "POST",
        headers: { authorization: `Bearer ${credentials.deployToken}`, "content-type": "application/json" },
        body: JSON.stringify({ deploymentId: history.deployments[2].deploymentId }),
      });
      const rolled = (await rollback.json()) as Json;
      expect(rollback.status).toBe(200);
      expect(rolled.data).toMatchObject({
        deploymentId: history.deployments[2].deploymentId,
        rolledBackFrom: history.deployments[0].deploymentId,
      });
      rolledBack = true;
      await new Promise((resolve) => setTimeout(resolve, 300));
      running = false;
      await Promise.all(clients);
      expect(seen.filter((answer) => answer.status !== 200)).toEqual([]);
      expect(seen.filter((answer) => !["r1", "r3"].includes(answer.version))).toEqual([]);
      expect(seen.filter((answer) => answer.after && answer.version !== "r1")).toEqual([]);
      expect(seen.some((answer) => answer.after)).toBe(true);
      expect(await versionOf()).toEqual({ status: 200, version: "r1" });
    }, 90_000);

    it("rollback needs the right to deploy; listing needs read access", async () => {
      const readOnly = { authorization: `Bearer ${credentials.readOnlyToken}` };
      const list = await context.get("127.0.0.1", "/api/v1/deployments/auth-owner/user-app", {
        headers: readOnly,
      });
      expect(list.status).toBe(200);
      const refused = await context.get("127.0.0.1", "/api/v1/deployments/auth-owner/user-app/rollback", {
        method: "POST",
        headers: readOnly,
        body: "{}",
      });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as Json).error).toBe(
        "Bearer token is not authorized for this GitHub repository.",
      );
    }, 60_000);
  });
};
