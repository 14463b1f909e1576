/** B.3 with DECISIONS 3: who may deploy. Every case deploys a static page under `auth-owner`. */
import { describe, expect, it } from "vitest";
import { deployRequest } from "../client.js";
import { credentials, type SuiteContext } from "../context.js";

const refused = "Bearer token is not authorized for this GitHub repository.";
const files = { "dist/index.html": "<h1>auth</h1>" };

export const authorizationScenarios = (context: SuiteContext): void => {
  describe("B.3 authorization (DECISIONS 3)", () => {
    const deployWith = (token: string, repository: string, branch = "main") =>
      deployRequest(context.target(), { token, repository, branch, files });
    const mint = (claims: Parameters<ReturnType<SuiteContext["github"]>["mintOidcToken"]>[0]) =>
      context.github().mintOidcToken(claims);

    it("accepts an OIDC token for the repository, on the branch of its ref", async () => {
      const main = await mint({ repository: "auth-owner/oidc-app", ref: "refs/heads/main" });
      expect((await deployWith(main, "auth-owner/oidc-app")).status).toBe(200);
      const feature = await mint({ repository: "auth-owner/oidc-app", ref: "refs/heads/feature/login" });
      const answer = await deployWith(feature, "auth-owner/oidc-app", "feature/login");
      expect(answer.status).toBe(200);
      expect(answer.body.data?.deployment?.["environment"]).toBe("feature-login");
    });
    it("refuses with 403 an OIDC token whose ref disagrees with x-github-branch", async () => {
      const token = await mint({ repository: "auth-owner/oidc-app", ref: "refs/heads/feature" });
      const answer = await deployWith(token, "auth-owner/oidc-app", "main");
      expect({ status: answer.status, envelope: answer.body.status }).toEqual({
        status: 403,
        envelope: "error",
      });
    });
    it("refuses OIDC tokens for another repository, signed by an unknown key, expired or for another audience", async () => {
      for (const claims of [
        { repository: "auth-owner/elsewhere", ref: "refs/heads/main" },
        { repository: "auth-owner/oidc-app", ref: "refs/heads/main", foreignKey: true },
        {
          repository: "auth-owner/oidc-app",
          ref: "refs/heads/main",
          exp: Math.floor(Date.now() / 1000) - 600,
        },
        { repository: "auth-owner/oidc-app", ref: "refs/heads/main", audience: "someone-else" },
      ]) {
        const answer = await deployWith(await mint(claims), "auth-owner/oidc-app");
        expect({ claims, status: answer.status, error: answer.body.error }).toEqual({
          claims,
          status: 401,
          error: refused,
        });
      }
    });
    it("accepts a user token with push access, refuses a read-only one", async () => {
      expect((await deployWith(credentials.userToken, "auth-owner/user-app")).status).toBe(200);
      const readOnly = await deployWith(credentials.readOnlyToken, "auth-owner/user-app");
      expect({ status: readOnly.status, error: readOnly.body.error }).toEqual({
        status: 401,
        error: refused,
      });
    });
    it("asks the GitHub API with the caller's token", async () => {
      const github = context.github();
      const before = github.requests.length;
      await deployWith(credentials.userToken, "auth-owner/user-app");
      const calls = github.requests.slice(before);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((call) => call.headers["authorization"] === `Bearer ${credentials.userToken}`)).toBe(
        true,
      );
    });
    it("accepts an installation token that covers the repository, refuses one that does not", async () => {
      expect((await deployWith(credentials.installationToken, "auth-owner/installed-app")).status).toBe(200);
      const other = await deployWith(credentials.installationToken, "auth-owner/not-installed");
      expect({ status: other.status, error: other.body.error }).toEqual({ status: 401, error: refused });
    });
    it("refuses an unknown token with 401", async () => {
      const answer = await deployWith("ghp_unknown", "auth-owner/user-app");
      expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 401, error: refused });
    });
    it("accepts the operator's deploy token for any repository", async () => {
      expect((await deployWith(credentials.deployToken, "auth-elsewhere/anything")).status).toBe(200);
    });
    it("answers 502 when GitHub fails, and deploys nothing", async () => {
      context.github().failNext(500);
      const answer = await deployWith(credentials.userToken, "auth-owner/unreachable");
      expect({ status: answer.status, envelope: answer.body.status }).toEqual({
        status: 502,
        envelope: "error",
      });
      expect((await context.get(context.host("auth-owner"), "/unreachable/")).status).toBe(404);
    });
  });
};
