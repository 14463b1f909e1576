import { type GitHubStandIn, startGitHubStandIn } from "@w7s/conformance";
import type { RepoAccessRequest } from "@w7s/core";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepoAuth } from "../src/index.js";

let github: GitHubStandIn;
let auth: ReturnType<typeof makeRepoAuth>;
beforeAll(async () => {
  github = await startGitHubStandIn();
  github.addUserToken("writer", { "acme/web": { push: true } });
  github.addUserToken("reader", { "acme/web": { push: false } });
  github.addInstallationToken("installation", ["acme/web"]);
  auth = makeRepoAuth({
    githubApiUrl: github.apiUrl,
    deployToken: "operator",
    oidc: { issuer: github.issuer, audiences: ["w7s.cloud"], jwksUrl: github.jwksUrl },
  });
});
afterAll(() => github.close());

const verify = (token: string, access: RepoAccessRequest["access"] = "deploy") =>
  Effect.runPromise(Effect.result(auth.verify({ token, owner: "Acme", repo: "Web", access })));

describe("RepoAuth (B.3, DECISIONS 3)", () => {
  it("grants the operator deploy token", async () => {
    expect(await verify("operator")).toMatchObject({ success: { granted: true, proof: "deploy-token" } });
  });
  it("binds an OIDC token to its repository and branch", async () => {
    const token = await github.mintOidcToken({ repository: "acme/web", ref: "refs/heads/feature/x" });
    expect(await verify(token)).toMatchObject({
      success: { granted: true, proof: "oidc", branch: "feature/x" },
    });
    const tag = await github.mintOidcToken({ repository: "acme/web", ref: "refs/tags/v1" });
    expect(await verify(tag)).toMatchObject({ success: { granted: true, proof: "oidc" } });
    const future = await github.mintOidcToken({
      repository: "acme/web",
      nbf: Math.floor(Date.now() / 1000) + 600,
    });
    expect(await verify(future)).toMatchObject({ success: { granted: false } });
  });
  it("needs write access from a GitHub token; read access is enough to read", async () => {
    expect(await verify("writer")).toMatchObject({ success: { granted: true, proof: "github-token" } });
    expect(await verify("reader")).toMatchObject({ success: { granted: false } });
    expect(await verify("reader", "read")).toMatchObject({ success: { granted: true } });
    expect(await verify("installation")).toMatchObject({ success: { granted: true } });
    expect(await verify("stranger")).toMatchObject({ success: { granted: false } });
  });
  it("sends the documented headers and reports an unavailable GitHub as an upstream error", async () => {
    await verify("writer");
    const sent = github.requests.at(-1);
    expect(sent?.path).toBe("/repos/Acme/Web");
    expect(sent?.headers).toMatchObject({
      accept: "application/vnd.github+json",
      "user-agent": "w7s-io-deploy",
      "x-github-api-version": "2022-11-28",
    });
    github.failNext(500);
    const failed = await verify("writer");
    expect(failed).toMatchObject({ _tag: "Failure", failure: { _tag: "UpstreamError" } });
    expect(JSON.stringify(failed)).not.toContain("writer");
  });
});
