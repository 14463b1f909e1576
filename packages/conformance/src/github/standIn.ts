/**
 * A local stand-in for the GitHub REST API calls W7S makes and for the GitHub Actions OIDC issuer. It
 * answers with GitHub's response shapes, so adapters are tested against the protocol rather than against
 * a mock of our own code.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { makeOidcIssuer, type OidcClaims } from "./oidcIssuer.js";
import {
  errorBody,
  errorMessages,
  type PermissionsField,
  paginationLink,
  type RepoPermissions,
  repositoryBody,
} from "./restShapes.js";

/** One request the stand-in received (REST and OIDC alike), for assertions on paths and headers. */
export interface RecordedRequest {
  readonly method: string;
  /** Path with query string. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** `owner/repo` → what a user token may do there. */
export type UserRepos = Readonly<Record<string, RepoPermissions>>;

export interface InstallationTokenOptions {
  /**
   * How `GET /repos/{owner}/{repo}` reports `permissions` for this token: left out (default) or all
   * false, the two shapes app and workflow tokens are seen to get.
   */
  readonly repositoryPermissions?: "omitted" | "all-false";
}

export interface GitHubStandInOptions {
  /** `kid` of the first signing key (default `stand-in-1`). */
  readonly keyId?: string;
}

export interface GitHubStandIn {
  /** Base URL of the server (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** Base URL of the REST API; the same as `url`. */
  readonly apiUrl: string;
  /** The OIDC issuer (`<url>/oidc`). */
  readonly issuer: string;
  /** `<issuer>/.well-known/jwks`. */
  readonly jwksUrl: string;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** A user token and its permissions per `owner/repo`; other private repos answer it 404. */
  addUserToken(token: string, access: { readonly repos: UserRepos } | UserRepos): void;
  /** An installation token (like a workflow's `GITHUB_TOKEN`) whose installation covers these repos. */
  addInstallationToken(token: string, repos: readonly string[], options?: InstallationTokenOptions): void;
  /** A public repository: any valid token may read it (user tokens see `push: false`). */
  addPublicRepository(fullName: string): void;
  /** Signs a GitHub Actions OIDC token. */
  mintOidcToken(claims: OidcClaims): Promise<string>;
  /** Publishes a new signing key (keeping the old ones) and mints with it from now on; answers its `kid`. */
  rotateSigningKey(kid?: string): Promise<string>;
  /** The next `count` (default 1) REST API calls answer `status`. */
  failNext(status: number, count?: number): void;
  /** The next `count` (default 1) REST API calls answer 403 with `x-ratelimit-remaining: 0`, as GitHub does. */
  rateLimitNext(count?: number): void;
  /** The next `count` (default 1) JWKS requests answer `status`. */
  failNextJwks(status: number, count?: number): void;
  close(): Promise<void>;
}

const send = (
  response: ServerResponse,
  status: number,
  body: unknown,
  extraHeaders: Readonly<Record<string, string>> = {},
) => {
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "x-github-api-version-selected": "2022-11-28",
    ...extraHeaders,
  });
  response.end(JSON.stringify(body));
};

const isUserRepos = (access: { readonly repos: UserRepos } | UserRepos): access is UserRepos =>
  Object.keys(access).some((key) => key.includes("/"));

/** Starts the stand-in on a free port of 127.0.0.1. */
export const startGitHubStandIn = async (options: GitHubStandInOptions = {}): Promise<GitHubStandIn> => {
  const users = new Map<string, Map<string, RepoPermissions>>();
  const installations = new Map<string, { repos: string[]; permissions: "omitted" | "all-false" }>();
  const publicRepos = new Set<string>();
  const requests: RecordedRequest[] = [];
  const apiFailures: Array<number | "rate-limited"> = [];
  const jwksFailures: number[] = [];

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${url}/oidc`;
  const oidc = await makeOidcIssuer(issuer, options.keyId ?? "stand-in-1");

  const getRepository = (response: ServerResponse, token: string | undefined, fullName: string) => {
    const user = token === undefined ? undefined : users.get(token);
    const installation = token === undefined ? undefined : installations.get(token);
    const isPublic = publicRepos.has(fullName);
    const covered = user?.get(fullName) ?? installation?.repos.includes(fullName) ?? false;
    if (covered === false && !isPublic) return send(response, 404, errorBody(404, errorMessages.notFound));
    const permissions: PermissionsField =
      user !== undefined
        ? (user.get(fullName) ?? { push: false, pull: true })
        : installation !== undefined
          ? installation.permissions
          : "omitted";
    return send(response, 200, repositoryBody(fullName, { isPrivate: !isPublic, permissions, apiUrl: url }));
  };

  const listInstallationRepositories = (
    response: ServerResponse,
    token: string | undefined,
    query: URLSearchParams,
  ) => {
    const installation = token === undefined ? undefined : installations.get(token);
    if (token === undefined) return send(response, 401, errorBody(401, errorMessages.requiresAuthentication));
    if (installation === undefined)
      return send(response, 403, errorBody(403, errorMessages.notAnInstallation));
    const perPage = Math.min(Math.max(Number(query.get("per_page") ?? 30) || 30, 1), 100);
    const page = Math.max(Number(query.get("page") ?? 1) || 1, 1);
    const lastPage = Math.max(1, Math.ceil(installation.repos.length / perPage));
    const repositories = installation.repos.slice((page - 1) * perPage, page * perPage).map((fullName) =>
      repositoryBody(fullName, {
        isPrivate: !publicRepos.has(fullName),
        permissions: "omitted",
        apiUrl: url,
      }),
    );
    const pageUrl = (n: number) => `${url}/installation/repositories?per_page=${perPage}&page=${n}`;
    const link = paginationLink(pageUrl, page, lastPage);
    return send(
      response,
      200,
      { total_count: installation.repos.length, repository_selection: "selected", repositories },
      link === undefined ? {} : { link },
    );
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const target = new URL(request.url ?? "/", url);
    const method = request.method ?? "GET";
    requests.push({ method, path: `${target.pathname}${target.search}`, headers: request.headers });

    if (target.pathname === "/oidc/.well-known/jwks") {
      const failure = jwksFailures.shift();
      return failure === undefined
        ? send(response, 200, oidc.jwks())
        : send(response, failure, errorBody(failure, errorMessages.serverError));
    }
    if (target.pathname === "/oidc/.well-known/openid-configuration") {
      return send(response, 200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks`,
        subject_types_supported: ["public", "pairwise"],
        response_types_supported: ["id_token"],
        id_token_signing_alg_values_supported: ["RS256"],
        scopes_supported: ["openid"],
      });
    }

    const failure = apiFailures.shift();
    if (failure === "rate-limited") {
      const reset = String(Math.floor(Date.now() / 1000) + 3600);
      return send(response, 403, errorBody(403, errorMessages.rateLimited), {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": reset,
      });
    }
    if (failure !== undefined) return send(response, failure, errorBody(failure, errorMessages.serverError));

    const authorization = request.headers.authorization;
    const token = /^(?:Bearer|token) (.+)$/i.exec(authorization ?? "")?.[1];
    if (
      authorization !== undefined &&
      (token === undefined || (!users.has(token) && !installations.has(token)))
    ) {
      return send(response, 401, errorBody(401, errorMessages.badCredentials));
    }
    const repoPath = /^\/repos\/([^/]+)\/([^/]+)\/?$/.exec(target.pathname);
    if (method === "GET" && repoPath !== null) {
      const fullName = `${decodeURIComponent(repoPath[1]!)}/${decodeURIComponent(repoPath[2]!)}`;
      return getRepository(response, token, fullName.toLowerCase());
    }
    if (method === "GET" && target.pathname === "/installation/repositories") {
      return listInstallationRepositories(response, token, target.searchParams);
    }
    return send(response, 404, errorBody(404, errorMessages.notFound));
  };
  server.on("request", handle);

  const queue = <Failure>(into: Failure[], status: Failure, count: number) => {
    for (let index = 0; index < count; index += 1) into.push(status);
  };

  return {
    url,
    apiUrl: url,
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks`,
    requests,
    addUserToken: (token, access) => {
      const repos = isUserRepos(access) ? access : ((access as { readonly repos?: UserRepos }).repos ?? {});
      users.set(token, new Map(Object.entries(repos).map(([name, level]) => [name.toLowerCase(), level])));
    },
    addInstallationToken: (token, repos, tokenOptions = {}) =>
      installations.set(token, {
        repos: repos.map((name) => name.toLowerCase()),
        permissions: tokenOptions.repositoryPermissions ?? "omitted",
      }),
    addPublicRepository: (fullName) => publicRepos.add(fullName.toLowerCase()),
    mintOidcToken: (claims) => oidc.mint(claims),
    rotateSigningKey: (kid) => oidc.rotate(kid),
    failNext: (status, count = 1) => queue(apiFailures, status, count),
    rateLimitNext: (count = 1) => queue(apiFailures, "rate-limited", count),
    failNextJwks: (status, count = 1) => queue(jwksFailures, status, count),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
