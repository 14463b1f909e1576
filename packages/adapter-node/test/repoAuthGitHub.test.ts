/** RepoAuth with GitHub tokens and the operator deploy token (B.3 step 2, DECISIONS 3), against the stand-in. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type GitHubStandIn, startGitHubStandIn } from "@w7s/conformance";
import { RepoAuth } from "@w7s/core";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepoAuth, type RepoAuthOptions, repoAuthLayer } from "../src/auth/index.js";
import { checkAccess, refused } from "./support/repoAuth.js";

let github: GitHubStandIn;
let auth: ReturnType<typeof makeRepoAuth>;
const options = (): RepoAuthOptions => ({
  githubApiUrl: github.apiUrl,
  deployToken: "operator-secret",
  oidc: { issuer: github.issuer, jwksUrl: github.jwksUrl },
});

beforeAll(async () => {
  github = await startGitHubStandIn();
  github.addUserToken("writer", { repos: { "acme/web": { push: true } } });
  github.addUserToken("maintainer", { repos: { "acme/web": { push: false, maintain: true } } });
  github.addUserToken("admin", { repos: { "acme/web": { push: false, admin: true } } });
  github.addUserToken("reader", { repos: { "acme/web": { push: false, pull: true } } });
  github.addPublicRepository("octo/public");
  github.addInstallationToken("workflow", ["acme/web"]);
  github.addInstallationToken("app", ["acme/web"], { repositoryPermissions: "all-false" });
  github.addInstallationToken(
    "big-installation",
    Array.from({ length: 250 }, (_, index) => `acme/repo-${index}`),
  );
  auth = makeRepoAuth(options());
});
afterAll(() => github.close());

const callsDuring = async (check: () => Promise<unknown>) => {
  const before = github.requests.length;
  await check();
  return github.requests.slice(before);
};

describe("RepoAuth: GitHub tokens must show write access", () => {
  it("grants a user token whose repository permissions allow push, asking with the B.3 headers", async () => {
    const calls = await callsDuring(async () =>
      expect(await checkAccess(auth, "writer")).toEqual({ access: { granted: true, proof: "github-token" } }),
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: "GET",
      path: "/repos/Acme/Web",
      headers: {
        accept: "application/vnd.github+json",
        authorization: "Bearer writer",
        "user-agent": "w7s-io-deploy",
        "x-github-api-version": "2022-11-28",
      },
    });
  });

  it("grants maintain and admin access", async () => {
    for (const token of ["maintainer", "admin"]) {
      expect(await checkAccess(auth, token)).toMatchObject({ access: { granted: true } });
    }
  });

  it("refuses read-only access to deploy, also on a public repository, but grants it to read", async () => {
    expect(await checkAccess(auth, "reader")).toEqual(refused);
    expect(await checkAccess(auth, "writer", "octo/public")).toEqual(refused);
    expect(await checkAccess(auth, "reader", "acme/web", "read")).toEqual({
      access: { granted: true, proof: "github-token" },
    });
  });

  it("grants an installation token whose repositories include the repository, in either permissions shape", async () => {
    const calls = await callsDuring(async () =>
      expect(await checkAccess(auth, "workflow")).toEqual({
        access: { granted: true, proof: "github-token" },
      }),
    );
    expect(calls.map((call) => call.path)).toEqual([
      "/repos/Acme/Web",
      "/installation/repositories?per_page=100&page=1",
    ]);
    expect(await checkAccess(auth, "app")).toMatchObject({ access: { granted: true } });
  });

  it("reads every page of an installation's repositories, and refuses what none of them lists", async () => {
    const found = await callsDuring(async () =>
      expect(await checkAccess(auth, "big-installation", "ACME/repo-249")).toMatchObject({
        access: { granted: true },
      }),
    );
    expect(found.map((call) => call.path).slice(1)).toEqual(
      [1, 2, 3].map((page) => `/installation/repositories?per_page=100&page=${page}`),
    );
    github.addPublicRepository("acme/not-installed");
    expect(await checkAccess(auth, "big-installation", "acme/not-installed")).toEqual(refused);
    expect(await checkAccess(auth, "workflow", "acme/private-elsewhere")).toEqual(refused);
  });

  it("refuses unknown tokens", async () => {
    expect(await checkAccess(auth, "ghp_unknown")).toEqual(refused);
  });

  it("answers an UpstreamError without the token when GitHub fails", async () => {
    github.failNext(500);
    const outcome = await checkAccess(auth, "writer");
    expect(outcome).toMatchObject({
      failure: {
        _tag: "UpstreamError",
        reason: "Unavailable",
        description: "GitHub authorization check failed (500).",
      },
    });
    expect(JSON.stringify(outcome)).not.toContain("writer");
    github.rateLimitNext();
    expect(await checkAccess(auth, "writer")).toMatchObject({
      failure: { _tag: "UpstreamError", description: "GitHub authorization check failed (403)." },
    });
    github.failNext(502);
    expect(await checkAccess(auth, "workflow")).toMatchObject({ failure: { _tag: "UpstreamError" } });
    expect(await checkAccess(auth, "workflow")).toMatchObject({ access: { granted: true } });
  });

  it("answers an UpstreamError when GitHub cannot be reached or does not answer in time", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = makeRepoAuth({ ...options(), githubApiUrl: closedUrl });
    const outcome = await checkAccess(unreachable, "writer");
    expect(outcome).toMatchObject({ failure: { _tag: "UpstreamError", reason: "Unavailable" } });
    expect(JSON.stringify(outcome)).toContain("GitHub authorization check failed (fetch failed");

    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const slow = makeRepoAuth({
      ...options(),
      githubApiUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      timeoutMs: 200,
    });
    expect(await checkAccess(slow, "writer")).toMatchObject({
      failure: {
        _tag: "UpstreamError",
        reason: "Timeout",
        description: "GitHub authorization check timed out after 200 ms.",
      },
    });
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });
});

describe("RepoAuth: the operator deploy token", () => {
  it("grants every repository, for deploy and read, without asking GitHub", async () => {
    const calls = await callsDuring(async () => {
      expect(await checkAccess(auth, "operator-secret", "anyone/anything")).toEqual({
        access: { granted: true, proof: "deploy-token" },
      });
      expect(await checkAccess(auth, "operator-secret", "x/y", "read")).toMatchObject({
        access: { granted: true, proof: "deploy-token" },
      });
    });
    expect(calls).toEqual([]);
  });

  it("sends a wrong deploy token on to the GitHub check", async () => {
    const calls = await callsDuring(async () =>
      expect(await checkAccess(auth, "operator-secreT")).toEqual(refused),
    );
    expect(calls.map((call) => call.headers.authorization)).toEqual(["Bearer operator-secreT"]);
  });

  it("is disabled when empty", async () => {
    const withoutToken = makeRepoAuth({ ...options(), deployToken: "" });
    expect(await checkAccess(withoutToken, "")).toEqual(refused);
  });

  it("is provided as a Layer", async () => {
    const access = await Effect.runPromise(
      Effect.gen(function* () {
        const service = yield* RepoAuth;
        return yield* service.verify({ token: "operator-secret", owner: "a", repo: "b", access: "deploy" });
      }).pipe(Effect.provide(repoAuthLayer(options()))),
    );
    expect(access).toEqual({ granted: true, proof: "deploy-token" });
  });
});
