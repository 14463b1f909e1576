/** RepoAuth with GitHub Actions OIDC tokens (B.3 step 1, DECISIONS 3), against the GitHub stand-in's issuer. */
import { type GitHubStandIn, type OidcClaims, startGitHubStandIn } from "@w7s/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepoAuth, type RepoAuthOptions } from "../src/auth/index.js";
import { checkAccess, nowSeconds, refused } from "./support/repoAuth.js";

let github: GitHubStandIn;
beforeAll(async () => {
  github = await startGitHubStandIn();
});
afterAll(() => github.close());

const authFor = (options: Partial<RepoAuthOptions> = {}) =>
  makeRepoAuth({
    githubApiUrl: github.apiUrl,
    oidc: { issuer: github.issuer, jwksUrl: github.jwksUrl },
    ...options,
  });
const jwksRequests = () =>
  github.requests.filter((request) => request.path === "/oidc/.well-known/jwks").length;
const mintFor = (claims: Partial<OidcClaims> = {}) =>
  github.mintOidcToken({ repository: "acme/web", ref: "refs/heads/main", ...claims });

describe("RepoAuth: GitHub Actions OIDC tokens", () => {
  it("grants a valid token for the repository, with the branch of its ref", async () => {
    const auth = authFor();
    expect(await checkAccess(auth, await mintFor({ ref: "refs/heads/feature/login" }))).toMatchObject({
      access: { granted: true, proof: "oidc", branch: "feature/login" },
    });
    const fetched = github.requests.find((request) => request.path === "/oidc/.well-known/jwks");
    expect(fetched?.headers).toMatchObject({ accept: "application/json", "user-agent": "w7s-io-deploy" });
  });

  it("grants tokens for tags and other refs without a branch", async () => {
    const result = await checkAccess(authFor(), await mintFor({ ref: "refs/tags/v1.0.0" }));
    expect(result).toMatchObject({ access: { granted: true, proof: "oidc" } });
    expect(result).not.toHaveProperty("access.branch");
  });

  it("matches the repository claim and the owner audience case-insensitively", async () => {
    const token = await mintFor({ repository: "ACME/web", audience: "https://github.com/aCmE" });
    expect(await checkAccess(authFor(), token, "acme/WEB")).toMatchObject({ access: { granted: true } });
  });

  it("accepts the default audiences, an audience array, and an operator's own audience", async () => {
    const auth = authFor();
    for (const audience of ["w7s.cloud", "https://w7s.cloud", ["other", "w7s.cloud"]]) {
      expect(await checkAccess(auth, await mintFor({ audience }))).toMatchObject({
        access: { granted: true },
      });
    }
    const own = authFor({
      oidc: { issuer: github.issuer, jwksUrl: github.jwksUrl, audiences: ["deploy.example.com"] },
    });
    expect(await checkAccess(own, await mintFor({ audience: "deploy.example.com" }))).toMatchObject({
      access: { granted: true },
    });
    expect(await checkAccess(own, await mintFor({ audience: "w7s.cloud" }))).toEqual(refused);
  });

  it("allows 60 s of clock skew on exp and nbf", async () => {
    const auth = authFor();
    const now = nowSeconds();
    expect(await checkAccess(auth, await mintFor({ exp: now - 30 }))).toMatchObject({
      access: { granted: true },
    });
    expect(await checkAccess(auth, await mintFor({ nbf: now + 30 }))).toMatchObject({
      access: { granted: true },
    });
  });

  const refusals: Array<[string, () => Promise<string>]> = [
    ["another repository", () => mintFor({ repository: "acme/other" })],
    ["a signature by a key the JWKS does not publish", () => mintFor({ unpublishedKey: true })],
    ["an expired token", () => mintFor({ exp: nowSeconds() - 120 })],
    ["a token without exp", () => mintFor({ exp: null })],
    ["a token not valid before the future", () => mintFor({ nbf: nowSeconds() + 600 })],
    ["another audience", () => mintFor({ audience: "someone-else" })],
    ["another owner's audience", () => mintFor({ audience: "https://github.com/mallory" })],
    ["alg none", () => mintFor({ alg: "none" })],
    ["HS256 keyed with the public key", () => mintFor({ alg: "HS256" })],
    ["a header without kid", () => mintFor({ kid: null })],
    ["a non-string repository claim", () => mintFor({ claims: { repository: ["acme/web"] } })],
  ];
  for (const [name, mint] of refusals) {
    it(`refuses ${name}`, async () => {
      expect(await checkAccess(authFor(), await mint())).toEqual(refused);
    });
  }

  it("caches the JWKS, fetches it again once for an unknown kid, and then accepts a rotated key", async () => {
    const auth = authFor();
    await checkAccess(auth, await mintFor());
    const afterFirst = jwksRequests();
    await checkAccess(auth, await mintFor());
    expect(jwksRequests()).toBe(afterFirst);

    expect(await checkAccess(auth, await mintFor({ unpublishedKey: true, kid: "nobody" }))).toEqual(refused);
    expect(jwksRequests()).toBe(afterFirst + 1);

    await github.rotateSigningKey("rotated-key");
    expect(await checkAccess(auth, await mintFor())).toMatchObject({
      access: { granted: true, proof: "oidc" },
    });
    expect(jwksRequests()).toBe(afterFirst + 2);
  });

  it("answers an UpstreamError with the spec text when the JWKS cannot be fetched", async () => {
    github.failNextJwks(500);
    const result = await checkAccess(authFor(), await mintFor());
    expect(result).toMatchObject({
      failure: {
        _tag: "UpstreamError",
        reason: "Unavailable",
        description: "GitHub OIDC JWKS fetch failed (500).",
      },
    });
  });

  it("sends tokens from another issuer to the GitHub API instead", async () => {
    const token = await mintFor({ issuer: "https://issuer.example" });
    const before = github.requests.length;
    expect(await checkAccess(authFor(), token)).toEqual(refused);
    expect(github.requests.slice(before).map((request) => request.path)).toEqual(["/repos/Acme/Web"]);
  });
});
