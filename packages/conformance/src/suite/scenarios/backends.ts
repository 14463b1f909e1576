/** B.7-B.9 and E.1: TypeScript backends with relative imports, runtime values and identity on `env`. */
import { describe, expect, it } from "vitest";
import { typescriptApp } from "../apps.js";
import { base64Url, type SuiteContext } from "../context.js";

const SHA = "feedfacefeedfacefeedfacefeedfacefeedface";

export const backendScenarios = (context: SuiteContext): void => {
  describe("backends (B.7-B.9, E.1)", () => {
    it("runs a TypeScript backend with relative imports, with vars, secrets and identity on env", async () => {
      const answer = await context.deployAs("backends", "ts-app", typescriptApp("ts1"), {
        sha: SHA,
        headers: {
          "x-w7s-vars": base64Url({ GREETING: "héllo ✓" }),
          "x-w7s-secrets": base64Url({ API_KEY: "s3cret" }),
        },
      });
      expect(answer.body.status).toBe("success");
      const response = await context.get(context.host("backends"), "/ts-app/hello");
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        version: "ts1",
        shouted: "TS!",
        path: "/hello",
        W7S_OWNER: "backends",
        W7S_REPO: "ts-app",
        W7S_REPOSITORY: "backends/ts-app",
        W7S_ENVIRONMENT: "production",
        W7S_SOURCE_REPOSITORY: "backends/ts-app",
        W7S_BRANCH: "main",
        W7S_COMMIT_HASH: SHA,
        GREETING: "héllo ✓",
        API_KEY: "s3cret",
      });
    });
    it("binds a runtime value only when the header carries it", async () => {
      const answer = await context.deployAs(
        "backends",
        "ts-declared",
        {
          ...typescriptApp("declared"),
          "w7s.json": JSON.stringify({ vars: ["GREETING"], secrets: ["API_KEY"] }),
        },
        { headers: { "x-w7s-vars": base64Url({ GREETING: "hi" }) } },
      );
      expect(answer.body.status).toBe("success");
      const response = await context.get(context.host("backends"), "/ts-declared/");
      expect(await response.json()).toMatchObject({ GREETING: "hi", API_KEY: null });
    });
    it("keeps one app's values away from another app", async () => {
      const answer = await context.deployAs("backends", "ts-bare", typescriptApp("bare"));
      expect(answer.body.status).toBe("success");
      const response = await context.get(context.host("backends"), "/ts-bare/");
      expect(await response.json()).toMatchObject({ W7S_REPO: "ts-bare", GREETING: null, API_KEY: null });
    });
  });
};
