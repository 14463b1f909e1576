import { unzipSync } from "fflate";
import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHubStandIn, startGitHubStandIn, zipBomb, zipFiles } from "../src/index.js";

let github: GitHubStandIn;
beforeAll(async () => {
  github = await startGitHubStandIn();
});
afterAll(() => github.close());

const api = (path: string, token?: string) =>
  fetch(
    `${github.apiUrl}${path}`,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  );

describe("GitHub stand-in", () => {
  it("answers like the REST API for user tokens", async () => {
    github.addUserToken("u1", { "Acme/Web": { push: true } });
    const repo = await api("/repos/acme/web", "u1");
    expect(repo.status).toBe(200);
    expect(await repo.json()).toMatchObject({
      full_name: "acme/web",
      permissions: { push: true, pull: true },
    });
    expect((await api("/repos/acme/other", "u1")).status).toBe(404);
    const anonymous = await api("/repos/acme/web", "nope");
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ message: "Bad credentials" });
  });

  it("pages installation repositories with a Link header", async () => {
    github.addInstallationToken(
      "i1",
      Array.from({ length: 150 }, (_, index) => `acme/repo-${index}`),
    );
    const first = await api("/installation/repositories?per_page=100&page=1", "i1");
    expect(first.headers.get("link")).toContain('rel="next"');
    const body = (await first.json()) as { total_count: number; repositories: unknown[] };
    expect({ total: body.total_count, page: body.repositories.length }).toEqual({ total: 150, page: 100 });
    const second = await api("/installation/repositories?per_page=100&page=2", "i1");
    expect(second.headers.get("link")).toBeNull();
    expect(((await second.json()) as { repositories: unknown[] }).repositories).toHaveLength(50);
  });

  it("mints OIDC tokens that verify against its JWKS, and fails on request", async () => {
    const token = await github.mintOidcToken({ repository: "acme/web", ref: "refs/heads/main" });
    const jwks = (await (await fetch(github.jwksUrl)).json()) as Parameters<typeof createLocalJWKSet>[0];
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: github.issuer,
      audience: "w7s.cloud",
    });
    expect(payload).toMatchObject({ repository: "acme/web", ref: "refs/heads/main" });
    github.failNext(503);
    expect((await api("/repos/acme/web", "u1")).status).toBe(503);
    expect(github.requests.at(-1)?.headers.authorization).toBe("Bearer u1");
  });
});

describe("archives", () => {
  it("zips relative paths without a top-level folder", () => {
    expect(Object.keys(unzipSync(zipFiles({ "dist/index.html": "x", "w7s.json": "{}" }))).sort()).toEqual([
      "dist/index.html",
      "w7s.json",
    ]);
  });
  it("builds a bomb that is tiny compressed and huge expanded", async () => {
    const bomb = await zipBomb(64 * 1024 * 1024);
    expect(bomb.byteLength).toBeLessThan(200 * 1024);
  });
});
