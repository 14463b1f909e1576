/** B.2: every deploy failure this contract covers, with its status and exact text, in spec order. */
import { describe, expect, it } from "vitest";
import { type DeployOptions, deployRequest } from "../client.js";
import { base64Url, credentials, type SuiteContext } from "../context.js";

/** The row-14 text lists `.js` first, unlike the detection order (B.7). */
export const ENTRYPOINT_LIST =
  "worker/index.js, worker/index.mjs, worker/index.ts, worker/index.mts, backend/index.js, backend/index.mjs, backend/index.ts, backend/index.mts, dist/server/index.js, or dist/server/index.mjs";

export const deployErrorScenarios = (context: SuiteContext): void => {
  describe("B.2 deploy errors, in order", () => {
    const expectError = async (options: DeployOptions, status: number, error: string) => {
      const answer = await deployRequest(context.target(), {
        token: credentials.deployToken,
        repository: "errors/app",
        ...options,
      });
      expect({ status: answer.status, envelope: answer.body.status, error: answer.body.error }).toEqual({
        status,
        envelope: "error",
        error,
      });
    };

    it("row 1: bearer token", async () => {
      await expectError({ token: null }, 401, "Missing bearer token.");
      await expectError(
        { token: null, contentType: "text/plain", repository: null },
        401,
        "Missing bearer token.",
      );
    });
    it("row 2: zip content type, before the headers", async () => {
      await expectError(
        { contentType: "text/plain", repository: null },
        415,
        "Deploy body must be an application/zip archive.",
      );
      const octetStream = await deployRequest(context.target(), {
        token: credentials.deployToken,
        repository: "errors/octet",
        contentType: "application/octet-stream",
      });
      expect(octetStream.status).toBe(200);
    });
    it("row 3: required headers in order, blank counts as missing", async () => {
      await expectError({ repository: null, sha: null }, 400, "Missing x-github-repository header.");
      await expectError({ sha: null, branch: null }, 400, "Missing x-github-sha header.");
      await expectError({ branch: "  " }, 400, "Missing x-github-branch header.");
    });
    it("row 4: owner/repo form", async () => {
      await expectError(
        { repository: "just-a-name" },
        400,
        "x-github-repository must be in owner/repo form.",
      );
      await expectError({ repository: "a/b/c" }, 400, "x-github-repository must be in owner/repo form.");
    });
    it("row 5: slugs are a 400, never a 500", async () => {
      await expectError({ repository: "---/app" }, 400, "Invalid repository owner.");
      await expectError({ repository: "owner/---" }, 400, "Invalid repository name.");
    });
    it("row 6: environment override", () =>
      expectError({ query: "?environment=%21%21%21" }, 400, "Invalid environment."));
    it("row 7: a token that cannot deploy, checked before the archive", async () => {
      const refused = "Bearer token is not authorized for this GitHub repository.";
      await expectError({ token: "not-a-known-token" }, 401, refused);
      await expectError({ token: `${credentials.deployToken}x` }, 401, refused);
      await expectError({ token: "not-a-known-token", zipBytes: new Uint8Array(0) }, 401, refused);
    });
    it("row 8: archive, w7s.json and runtime values", async () => {
      await expectError({ zipBytes: new Uint8Array(0) }, 400, "Deploy archive is empty.");
      await expectError(
        { zipBytes: new TextEncoder().encode("not a zip") },
        400,
        "Unable to read deploy archive: invalid zip",
      );
      const invalidJson = await deployRequest(context.target(), {
        token: credentials.deployToken,
        files: { "dist/index.html": "x", "w7s.json": "{ nope" },
      });
      expect(invalidJson.status).toBe(400);
      expect(invalidJson.body.error).toMatch(/^Invalid w7s\.json: /);
      await expectError(
        { files: { "dist/index.html": "x", "w7s.json": '{"bindings":{"kv":[1]}}' } },
        400,
        "bindings.kv[0] must be an object.",
      );
      await expectError(
        { headers: { "x-w7s-vars": "%%%" } },
        400,
        "x-w7s-vars must be base64url-encoded JSON.",
      );
      await expectError(
        { headers: { "x-w7s-secrets": base64Url(["A"]) } },
        400,
        "x-w7s-secrets must decode to an object.",
      );
      await expectError(
        { headers: { "x-w7s-vars": base64Url({ "1BAD": "x" }) } },
        400,
        "x-w7s-vars contains invalid environment variable name 1BAD.",
      );
      await expectError(
        { headers: { "x-w7s-vars": base64Url({ PORT: 80 }) } },
        400,
        "x-w7s-vars.PORT must be a string.",
      );
    });
    it("row 9: application identity, after the archive", async () => {
      await expectError(
        {
          files: { "dist/index.html": "x", "w7s.json": '{"name":"console"}' },
          headers: { "x-w7s-application": "other" },
        },
        400,
        "x-w7s-application must match name in w7s.json.",
      );
      await expectError(
        { zipBytes: new Uint8Array(0), headers: { "x-w7s-application": "other" } },
        400,
        "Deploy archive is empty.",
      );
    });
    it("row 13: a CNAME line that is not a hostname", () =>
      expectError(
        { repository: "errors/cname", files: { "dist/index.html": "x", CNAME: "bad_domain" } },
        400,
        "Invalid custom domain in CNAME file: bad_domain",
      ));
    it("row 14: nothing deployable", async () => {
      await expectError(
        { files: { "README.md": "hi" } },
        400,
        "Archive must contain worker/, backend/, dist/server/, or static frontend output.",
      );
      await expectError(
        { files: { "backend/util.js": "export {}" } },
        400,
        `Native backend deploy requires ${ENTRYPOINT_LIST}.`,
      );
    });
    it("row 15: routing.defaultDomain=false without a CNAME file", () =>
      expectError(
        { files: { "dist/index.html": "x", "w7s.json": '{"routing":{"defaultDomain":false}}' } },
        400,
        "routing.defaultDomain=false requires at least one hostname in a CNAME file.",
      ));
    it("row 16: backend-only features on a static deploy, queues first", async () => {
      const staticWith = (manifest: unknown) => ({
        files: { "dist/index.html": "x", "w7s.json": JSON.stringify(manifest) },
      });
      await expectError(
        staticWith({ queues: ["jobs"], schedules: [{ cron: "* * * * *", path: "/tick" }] }),
        400,
        "Queues require a native backend deployment.",
      );
      await expectError(
        staticWith({ schedules: [{ cron: "* * * * *", path: "/tick" }], workflows: ["flow"] }),
        400,
        "Schedules require a native backend deployment.",
      );
      await expectError(
        staticWith({ workflows: ["flow"] }),
        400,
        "Workflows require a native backend deployment.",
      );
    });
    it("row 17: every shape cap at once, in table order", async () => {
      const answer = await deployRequest(context.target(), {
        token: credentials.deployToken,
        repository: "errors/app",
        files: {
          "backend/index.js": "export default {}",
          "w7s.json": JSON.stringify({
            bindings: { kv: ["A", "B", "C", "D"] },
            schedules: Array.from({ length: 6 }, (_, i) => ({ cron: "* * * * *", path: `/t${i}` })),
          }),
        },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe("Deploy exceeds W7S free-tier shape limits.");
      expect(answer.body.details?.["limits"]).toEqual([
        "w7s.json declares more than 3 KV bindings.",
        "w7s.json declares more than 5 schedules.",
      ]);
    });
    it("B.8: the backend module graph", async () => {
      await expectError(
        { files: { "backend/index.js": 'import "./missing.js";\nexport default {}' } },
        400,
        "Could not resolve ./missing.js from backend/index.js.",
      );
      await expectError(
        { files: { "backend/index.js": 'import { Hono } from "hono";\nexport default {}' } },
        400,
        "Native deploy currently supports only relative imports inside backend/. Unsupported import: hono",
      );
      await expectError(
        {
          files: {
            "backend/index.js": 'import data from "./data.json";\nexport default {}',
            "backend/data.json": "{}",
          },
        },
        400,
        "Could not resolve ./data.json from backend/index.js.",
      );
    });
    it("a failed deploy leaves nothing behind", async () => {
      const response = await context.get(context.host("errors"), "/app/");
      expect(response.status).toBe(404);
    });
  });
};
