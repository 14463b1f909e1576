/** What a successful deploy answers and where it lands: A.2-A.4 environments, B.6 identity, B.10 warnings. */
import { describe, expect, it } from "vitest";
import type { DeployAnswer } from "../client.js";
import type { SuiteContext } from "../context.js";
import { ENTRYPOINT_LIST } from "./deployErrors.js";

const page = { "dist/index.html": "<h1>page</h1>" };
const environmentOf = (answer: DeployAnswer) => answer.body.data?.deployment?.["environment"];

export const deployOutcomeScenarios = (context: SuiteContext): void => {
  describe("deploy outcomes (A.2-A.4, B.6, B.10, B.13)", () => {
    it("deploys main and master to production, other branches to their environment", async () => {
      expect(environmentOf(await context.deployAs("envs", "app", page, { branch: "master" }))).toBe(
        "production",
      );
      expect(environmentOf(await context.deployAs("envs", "app", page, { branch: "MAIN" }))).toBe(
        "production",
      );
      expect(environmentOf(await context.deployAs("envs", "app", page, { branch: "release--1.2" }))).toBe(
        "release-1-2",
      );
    });
    it("takes an environment override from the query first, then the header (A.3)", async () => {
      const header = { "x-w7s-environment": "Staging" };
      expect(environmentOf(await context.deployAs("envs", "app", page, { headers: header }))).toBe("staging");
      const query = await context.deployAs("envs", "app", page, {
        headers: header,
        query: "?environment=preview",
      });
      expect(environmentOf(query)).toBe("preview");
      const empty = await context.deployAs("envs", "app", page, { headers: header, query: "?environment=" });
      expect(environmentOf(empty)).toBe("production");
      const served = await context.get(context.host("envs", "staging"), "/app/");
      expect({ status: served.status, environment: served.headers.get("x-w7s-environment") }).toEqual({
        status: 200,
        environment: "staging",
      });
    });
    it("scopes a named application inside its repository (B.6)", async () => {
      const answer = await context.deployAs("identity", "inbox", {
        "dist/index.html": "<h1>console</h1>",
        "w7s.json": JSON.stringify({ name: "console" }),
      });
      expect(answer.status).toBe(200);
      expect(answer.body.data?.url).toMatch(/^https?:\/\/identity\.[^/]+\/inbox-app-console-06ke78m\/$/);
      expect(answer.body.data?.deployment).toMatchObject({
        repoSlug: "inbox-app-console-06ke78m",
        sourceRepoSlug: "inbox",
        application: "console",
        repository: "identity/inbox",
      });
      const served = await context.get(context.host("identity"), "/inbox-app-console-06ke78m/");
      expect(await served.text()).toBe("<h1>console</h1>");
    });
    it("publishes the frontend and warns when a backend folder has no entrypoint (B.10)", async () => {
      const answer = await context.deployAs("outcomes", "skipped", {
        ...page,
        "backend/util.js": "export {}",
      });
      expect(answer.status).toBe(200);
      expect(answer.body.data?.["deploymentWarnings"]).toEqual([
        {
          code: "native_backend_skipped",
          target: "backend",
          message: `backend/ was present, but W7S did not deploy a backend because no supported backend entrypoint was found. The frontend was published normally. Add ${ENTRYPOINT_LIST} to deploy a backend.`,
          requiredEntrypoints: [
            "worker/index.ts",
            "worker/index.mts",
            "worker/index.js",
            "worker/index.mjs",
            "backend/index.ts",
            "backend/index.mts",
            "backend/index.js",
            "backend/index.mjs",
            "dist/server/index.js",
            "dist/server/index.mjs",
          ],
        },
      ]);
      expect(await (await context.get(context.host("outcomes"), "/skipped/")).text()).toBe("<h1>page</h1>");
    });
    it("accepts storage bindings and vars declared by a static-only app", async () => {
      const answer = await context.deployAs("outcomes", "static-bindings", {
        ...page,
        "w7s.json": JSON.stringify({ bindings: { kv: [{ binding: "CACHE" }] }, vars: ["GREETING"] }),
      });
      expect({ status: answer.status, body: answer.body.status }).toEqual({ status: 200, body: "success" });
      expect(answer.body.data?.["deploymentWarnings"]).toBeUndefined();
    });
    it("drops cookies an app sets for the base domain, keeps the others (D.1)", async () => {
      const answer = await context.deployAs("outcomes", "cookies", {
        "worker/index.js": `export default {
  fetch(request) {
    const domain = new URL(request.url).searchParams.get("domain");
    const headers = new Headers();
    headers.append("set-cookie", "own=1; Path=/");
    headers.append("set-cookie", "shared=1; Domain=." + domain + "; Path=/");
    headers.append("set-cookie", "other=1; Domain=example.com; Path=/");
    return new Response("cookies", { headers });
  },
};
`,
      });
      expect(answer.status).toBe(200);
      const response = await context.get(
        context.host("outcomes"),
        `/cookies/?domain=${context.target().baseDomain.toUpperCase()}`,
      );
      expect(response.headers.getSetCookie().map((cookie) => cookie.split("=")[0])).toEqual(["own", "other"]);
    });
  });
};
