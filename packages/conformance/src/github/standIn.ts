/**
 * A local stand-in for the GitHub REST API calls W7S makes and for the GitHub Actions OIDC issuer. It
 * answers with GitHub's documented response shapes, so adapters are tested against the protocol rather
 * than against a mock of our own code.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

export interface RepoPermissions {
  readonly push: boolean;
  readonly pull?: boolean;
  readonly admin?: boolean;
  readonly maintain?: boolean;
}

export interface OidcClaims {
  readonly repository: string;
  readonly ref?: string;
  readonly audience?: string | string[];
  /** Seconds since the epoch. */
  readonly exp?: number;
  readonly nbf?: number;
  readonly issuer?: string;
  /** Sign with a key the JWKS does not publish. */
  readonly foreignKey?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface GitHubStandIn {
  /** Base URL of the REST API (`http://127.0.0.1:<port>`). */
  readonly apiUrl: string;
  /** The OIDC issuer (`http://127.0.0.1:<port>/oidc`). */
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly requests: RecordedRequest[];
  /** A user token and what it may do on each `owner/repo` (a missing repo answers 404). */
  addUserToken(token: string, repos: Readonly<Record<string, RepoPermissions>>): void;
  /** An installation token (like a workflow's GITHUB_TOKEN) covering these `owner/repo` names. */
  addInstallationToken(token: string, repos: readonly string[]): void;
  /** Signs a GitHub Actions OIDC token. */
  mintOidcToken(claims: OidcClaims): Promise<string>;
  /** The next `count` API calls answer `status`. */
  failNext(status: number, count?: number): void;
  close(): Promise<void>;
}

const json = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  response.end(JSON.stringify(body));
};

const repositoryBody = (fullName: string, permissions?: RepoPermissions) => {
  const [owner = "", name = ""] = fullName.split("/");
  return {
    id: Math.abs([...fullName].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) | 0, 7)),
    name,
    full_name: fullName,
    private: false,
    owner: { login: owner, type: "Organization" },
    default_branch: "main",
    ...(permissions === undefined
      ? {}
      : {
          permissions: {
            admin: permissions.admin ?? false,
            maintain: permissions.maintain ?? false,
            push: permissions.push,
            triage: permissions.push,
            pull: permissions.pull ?? true,
          },
        }),
  };
};

/** Starts the stand-in on a free local port. */
export const startGitHubStandIn = async (): Promise<GitHubStandIn> => {
  const users = new Map<string, Map<string, RepoPermissions>>();
  const installations = new Map<string, string[]>();
  const requests: RecordedRequest[] = [];
  const failures: number[] = [];
  const signing = await generateKeyPair("RS256", { extractable: true });
  const foreign = await generateKeyPair("RS256", { extractable: true });
  const publicJwk: JWK = {
    ...(await exportJWK(signing.publicKey)),
    kid: "stand-in-1",
    alg: "RS256",
    use: "sig",
  };

  const handle = (request: IncomingMessage, response: ServerResponse, base: string) => {
    const url = new URL(request.url ?? "/", base);
    requests.push({
      method: request.method ?? "GET",
      path: `${url.pathname}${url.search}`,
      headers: request.headers,
    });
    if (url.pathname === "/oidc/.well-known/jwks") return json(response, 200, { keys: [publicJwk] });
    if (url.pathname === "/oidc/.well-known/openid-configuration") {
      return json(response, 200, { issuer: `${base}/oidc`, jwks_uri: `${base}/oidc/.well-known/jwks` });
    }
    const failure = failures.shift();
    if (failure !== undefined) return json(response, failure, { message: "Server Error" });
    const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? "")?.[1];
    const user = token === undefined ? undefined : users.get(token);
    const installation = token === undefined ? undefined : installations.get(token);
    if (user === undefined && installation === undefined) {
      return json(response, 401, {
        message: "Bad credentials",
        documentation_url: "https://docs.github.com/rest",
      });
    }
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (request.method === "GET" && repoMatch !== null) {
      const fullName =
        `${decodeURIComponent(repoMatch[1]!)}/${decodeURIComponent(repoMatch[2]!)}`.toLowerCase();
      if (user !== undefined) {
        const permissions = user.get(fullName);
        return permissions === undefined
          ? json(response, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" })
          : json(response, 200, repositoryBody(fullName, permissions));
      }
      return installation!.includes(fullName)
        ? json(response, 200, repositoryBody(fullName))
        : json(response, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
    }
    if (
      request.method === "GET" &&
      url.pathname === "/installation/repositories" &&
      installation !== undefined
    ) {
      const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30), 100);
      const page = Math.max(Number(url.searchParams.get("page") ?? 1), 1);
      const slice = installation.slice((page - 1) * perPage, page * perPage);
      const last = Math.max(1, Math.ceil(installation.length / perPage));
      const link =
        page < last
          ? { link: `<${base}/installation/repositories?per_page=${perPage}&page=${page + 1}>; rel="next"` }
          : {};
      return json(
        response,
        200,
        { total_count: installation.length, repositories: slice.map((name) => repositoryBody(name)) },
        link,
      );
    }
    return json(response, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
  };

  let base = "";
  const server = createServer((request, response) => handle(request, response, base));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/oidc`;

  return {
    apiUrl: base,
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks`,
    requests,
    addUserToken: (token, repos) =>
      users.set(
        token,
        new Map(Object.entries(repos).map(([name, permissions]) => [name.toLowerCase(), permissions])),
      ),
    addInstallationToken: (token, repos) =>
      installations.set(
        token,
        repos.map((name) => name.toLowerCase()),
      ),
    mintOidcToken: async (claims) => {
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({
        repository: claims.repository,
        ref: claims.ref ?? "refs/heads/main",
        ...(claims.nbf === undefined ? {} : { nbf: claims.nbf }),
      })
        .setProtectedHeader({ alg: "RS256", kid: claims.foreignKey ? "unknown-kid" : "stand-in-1" })
        .setIssuer(claims.issuer ?? issuer)
        .setAudience(claims.audience ?? "w7s.cloud")
        .setIssuedAt(now)
        .setExpirationTime(claims.exp ?? now + 300);
      return jwt.sign(claims.foreignKey ? foreign.privateKey : signing.privateKey);
    },
    failNext: (status, count = 1) => {
      for (let index = 0; index < count; index += 1) failures.push(status);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
