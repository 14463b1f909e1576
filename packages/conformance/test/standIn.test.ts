import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubStandIn, startGitHubStandIn } from "../src/index.js";

let github: GitHubStandIn;
beforeAll(async () => {
  github = await startGitHubStandIn();
  github.addUserToken("writer", { repos: { "Acme/Web": { push: true } } });
  github.addUserToken("reader", { "acme/web": { push: false } });
  github.addInstallationToken(
    "installation",
    Array.from({ length: 150 }, (_, index) => `acme/repo-${index}`),
  );
  github.addInstallationToken("app", ["acme/web"], { repositoryPermissions: "all-false" });
  github.addPublicRepository("octo/public");
});
afterAll(() => github.close());

/** The fields of GitHub's answers these tests look at. */
interface ApiBody {
  readonly message?: string;
  readonly documentation_url?: string;
  readonly permissions?: Readonly<Record<string, boolean>>;
  readonly repositories?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly total_count?: number;
}

const api = async (path: string, token?: string) => {
  const response = await fetch(
    `${github.apiUrl}${path}`,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  );
  return {
    status: response.status,
    link: response.headers.get("link"),
    body: (await response.json()) as ApiBody,
  };
};

describe("GitHub stand-in: REST shapes", () => {
  it("reports a user token's permissions on GET /repos/{owner}/{repo}, every level filled in", async () => {
    expect(github.url).toBe(github.apiUrl);
    const writer = await api("/repos/acme/web", "writer");
    expect(writer.status).toBe(200);
    expect(writer.body).toMatchObject({
      full_name: "acme/web",
      name: "web",
      owner: { login: "acme" },
      private: true,
      permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    });
    expect((await api("/repos/acme/web", "reader")).body.permissions).toEqual({
      admin: false,
      maintain: false,
      push: false,
      triage: false,
      pull: true,
    });
  });

  it("answers 404 Not Found for repositories the token cannot see and 401 Bad credentials for unknown tokens", async () => {
    const hidden = await api("/repos/acme/secret", "writer");
    expect({ status: hidden.status, message: hidden.body.message }).toEqual({
      status: 404,
      message: "Not Found",
    });
    const unknown = await api("/repos/acme/web", "nope");
    expect(unknown).toMatchObject({ status: 401, body: { message: "Bad credentials", status: "401" } });
    expect(unknown.body.documentation_url).toMatch(/^https:\/\/docs\.github\.com\//);
  });

  it("lets any token read a public repository: read-only for users, without permissions for installations", async () => {
    expect((await api("/repos/octo/public", "writer")).body.permissions).toMatchObject({
      push: false,
      pull: true,
    });
    const installation = await api("/repos/octo/public", "installation");
    expect(installation.status).toBe(200);
    expect(installation.body).not.toHaveProperty("permissions");
  });

  it("answers installation tokens' repository reads without permissions, or all false when asked", async () => {
    const covered = await api("/repos/acme/repo-7", "installation");
    expect(covered.status).toBe(200);
    expect(covered.body).not.toHaveProperty("permissions");
    expect((await api("/repos/acme/web", "app")).body.permissions).toEqual({
      admin: false,
      maintain: false,
      push: false,
      triage: false,
      pull: false,
    });
  });

  it("pages GET /installation/repositories with total_count and a Link header", async () => {
    const first = await api("/installation/repositories?per_page=100&page=1", "installation");
    expect(first.body).toMatchObject({ total_count: 150, repository_selection: "selected" });
    expect(first.body.repositories).toHaveLength(100);
    expect(first.body.repositories?.[0]).toMatchObject({
      full_name: "acme/repo-0",
      name: "repo-0",
      owner: { login: "acme" },
    });
    expect(first.link).toContain(
      `<${github.apiUrl}/installation/repositories?per_page=100&page=2>; rel="next"`,
    );
    expect(first.link).toContain('rel="last"');
    const second = await api("/installation/repositories?per_page=100&page=2", "installation");
    expect(second.body.repositories).toHaveLength(50);
    expect(second.link).not.toContain('rel="next"');
    expect(second.link).toContain('rel="prev"');
    const defaultPage = await api("/installation/repositories", "installation");
    expect(defaultPage.body.repositories).toHaveLength(30);
  });

  it("refuses GET /installation/repositories to user tokens (403)", async () => {
    const answer = await api("/installation/repositories?per_page=100&page=1", "writer");
    expect(answer.status).toBe(403);
    expect(answer.body.message).toContain("installation access token");
  });

  it("records requests with their headers and fails the next calls on request", async () => {
    github.failNext(503, 2);
    expect((await api("/repos/acme/web", "writer")).status).toBe(503);
    expect((await api("/repos/acme/web", "writer")).status).toBe(503);
    expect((await api("/repos/acme/web", "writer")).status).toBe(200);
    github.rateLimitNext();
    const limited = await fetch(`${github.apiUrl}/repos/acme/web`, {
      headers: { authorization: "Bearer writer" },
    });
    expect({ status: limited.status, remaining: limited.headers.get("x-ratelimit-remaining") }).toEqual({
      status: 403,
      remaining: "0",
    });
    expect(github.requests.at(-1)).toMatchObject({
      method: "GET",
      path: "/repos/acme/web",
      headers: { authorization: "Bearer writer" },
    });
  });
});

describe("GitHub stand-in: OIDC issuer", () => {
  const keySet = async () =>
    (await (await fetch(github.jwksUrl)).json()) as Parameters<typeof createLocalJWKSet>[0];

  it("publishes its discovery document and JWKS under the issuer", async () => {
    const configuration = (await (
      await fetch(`${github.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(configuration).toMatchObject({ issuer: github.issuer, jwks_uri: github.jwksUrl });
    expect((await keySet()).keys[0]).toMatchObject({
      kty: "RSA",
      alg: "RS256",
      kid: "stand-in-1",
      use: "sig",
    });
  });

  it("mints RS256 tokens shaped like GitHub Actions' that verify against its JWKS", async () => {
    const token = await github.mintOidcToken({ repository: "acme/web", ref: "refs/heads/feature/x" });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(await keySet()), {
      issuer: github.issuer,
      audience: "w7s.cloud",
    });
    expect(protectedHeader).toMatchObject({ alg: "RS256", kid: "stand-in-1" });
    expect(payload).toMatchObject({
      repository: "acme/web",
      repository_owner: "acme",
      ref: "refs/heads/feature/x",
      ref_type: "branch",
      sub: "repo:acme/web:ref:refs/heads/feature/x",
    });
    expect(typeof payload.exp).toBe("number");
  });

  it("mints broken tokens on request: unsigned, HS256, no kid, unpublished key, no exp", async () => {
    const none = await github.mintOidcToken({ repository: "acme/web", alg: "none" });
    expect(none.endsWith(".")).toBe(true);
    expect(decodeProtectedHeader(none).alg).toBe("none");
    expect(
      decodeProtectedHeader(await github.mintOidcToken({ repository: "acme/web", alg: "HS256" })).alg,
    ).toBe("HS256");
    expect(
      decodeProtectedHeader(await github.mintOidcToken({ repository: "acme/web", kid: null })),
    ).not.toHaveProperty("kid");
    const unpublished = await github.mintOidcToken({ repository: "acme/web", unpublishedKey: true });
    await expect(jwtVerify(unpublished, createLocalJWKSet(await keySet()))).rejects.toThrow();
    const noExp = await github.mintOidcToken({ repository: "acme/web", exp: null });
    const { payload } = await jwtVerify(noExp, createLocalJWKSet(await keySet()));
    expect(payload).not.toHaveProperty("exp");
  });

  it("rotates keys, keeping the old ones published, and fails JWKS requests on request", async () => {
    const kid = await github.rotateSigningKey("stand-in-rotated");
    const token = await github.mintOidcToken({ repository: "acme/web" });
    expect(decodeProtectedHeader(token).kid).toBe(kid);
    expect((await keySet()).keys.map((key) => key.kid)).toEqual(["stand-in-1", "stand-in-rotated"]);
    github.failNextJwks(500);
    expect((await fetch(github.jwksUrl)).status).toBe(500);
    expect((await fetch(github.jwksUrl)).status).toBe(200);
  });
});
