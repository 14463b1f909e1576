/**
 * A local stand-in for the GitHub REST API calls W7S makes and for the GitHub Actions OIDC issuer. It
 * answers with GitHub's response shapes, so adapters are tested against the protocol rather than against
 * a mock of our own code.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { makeOidcIssuer, type OidcClaims } from "./oidcIssuer.js";
import {
  errorBody,
  errorMessages,
  issueBody,
  type PermissionsField,
  paginationLink,
  type RepoPermissions,
  repositoryBody,
  type StoredIssue,
  validationFailedBody,
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

/** An issue to seed a repository with (`seedIssues`). */
export interface SeedIssue {
  readonly title: string;
  readonly body?: string | null;
  readonly state?: "open" | "closed";
  /** A pull request (the issues endpoint lists those too). */
  readonly pullRequest?: boolean;
}

/** An issue as the stand-in holds it, for assertions. */
export interface StandInIssue {
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  readonly state: "open" | "closed";
  readonly pullRequest: boolean;
}

/** What `addActionsRunner` returns: the two variables a GitHub runner sets for `id-token: write` jobs. */
export interface ActionsIdTokenRequest {
  /** `ACTIONS_ID_TOKEN_REQUEST_URL` (already has `?api-version=2.0`; clients append `&audience=`). */
  readonly requestUrl: string;
  /** `ACTIONS_ID_TOKEN_REQUEST_TOKEN`. */
  readonly requestToken: string;
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
  /** Adds issues (and pull requests) to a repository, numbered after the ones it has, oldest first. */
  seedIssues(fullName: string, issues: readonly SeedIssue[]): void;
  /** The repository's issues and pull requests, by number. */
  issues(fullName: string): StandInIssue[];
  /**
   * A job allowed to request OIDC tokens: the runner's request URL and token. A request answers
   * `{ count, value }` with a token minted for these claims and the `audience` the client asked for.
   */
  addActionsRunner(claims: Omit<OidcClaims, "audience">): ActionsIdTokenRequest;
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
  const repoIssues = new Map<string, StoredIssue[]>();
  const runners = new Map<string, Omit<OidcClaims, "audience">>();
  const issuesOf = (fullName: string): StoredIssue[] => {
    const key = fullName.toLowerCase();
    let list = repoIssues.get(key);
    if (list === undefined) {
      list = [];
      repoIssues.set(key, list);
    }
    return list;
  };

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

  /** Whether `token` may see `fullName` (its issues); write access is not modelled separately. */
  const canSee = (token: string | undefined, fullName: string): boolean => {
    const key = fullName.toLowerCase();
    if (token !== undefined && users.get(token)?.has(key)) return true;
    if (token !== undefined && installations.get(token)?.repos.includes(key)) return true;
    return publicRepos.has(key);
  };

  const listIssues = (response: ServerResponse, fullName: string, query: URLSearchParams) => {
    const state = query.get("state") ?? "open";
    const perPage = Math.min(Math.max(Number(query.get("per_page") ?? 30) || 30, 1), 100);
    const page = Math.max(Number(query.get("page") ?? 1) || 1, 1);
    // GitHub's default order: newest first.
    const matching = [...issuesOf(fullName)]
      .reverse()
      .filter((issue) => state === "all" || issue.state === state);
    const lastPage = Math.max(1, Math.ceil(matching.length / perPage));
    const items = matching
      .slice((page - 1) * perPage, page * perPage)
      .map((issue) => issueBody(fullName, issue, url));
    const pageUrl = (n: number) => {
      const next = new URL(`${url}/repos/${fullName}/issues`);
      for (const [name, value] of query) if (name !== "page") next.searchParams.set(name, value);
      next.searchParams.set("per_page", String(perPage));
      next.searchParams.set("page", String(n));
      return next.toString();
    };
    const link = paginationLink(pageUrl, page, lastPage);
    return send(response, 200, items, link === undefined ? {} : { link });
  };

  const issueFields = (body: unknown): { title?: unknown; body?: unknown; state?: unknown } =>
    typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};

  const createIssue = (response: ServerResponse, fullName: string, payload: unknown) => {
    const fields = issueFields(payload);
    if (typeof fields.title !== "string" || fields.title === "")
      return send(response, 422, validationFailedBody("Issue", "title", "missing_field"));
    const list = issuesOf(fullName);
    const now = new Date().toISOString();
    const issue: StoredIssue = {
      number: list.length + 1,
      title: fields.title,
      body: typeof fields.body === "string" ? fields.body : null,
      state: "open",
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      pullRequest: false,
      author: "github-actions[bot]",
    };
    list.push(issue);
    return send(response, 201, issueBody(fullName, issue, url), {
      location: `${url}/repos/${fullName}/issues/${issue.number}`,
    });
  };

  const updateIssue = (response: ServerResponse, fullName: string, number: number, payload: unknown) => {
    const issue = issuesOf(fullName).find((candidate) => candidate.number === number);
    if (issue === undefined) return send(response, 404, errorBody(404, errorMessages.notFound));
    const fields = issueFields(payload);
    if (fields.state !== undefined && fields.state !== "open" && fields.state !== "closed")
      return send(response, 422, validationFailedBody("Issue", "state", "invalid"));
    if (typeof fields.title === "string") issue.title = fields.title;
    if (typeof fields.body === "string" || fields.body === null) issue.body = fields.body as string | null;
    if (fields.state === "open" || fields.state === "closed") {
      issue.closedAt = fields.state === "closed" ? new Date().toISOString() : null;
      issue.state = fields.state;
    }
    issue.updatedAt = new Date().toISOString();
    return send(response, 200, issueBody(fullName, issue, url));
  };

  const mintForRunner = async (
    response: ServerResponse,
    request: IncomingMessage,
    query: URLSearchParams,
  ) => {
    const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? "")?.[1];
    const claims = token === undefined ? undefined : runners.get(token);
    if (claims === undefined) return send(response, 401, { message: "Unauthorized" });
    const audience = query.get("audience") ?? undefined;
    const value = await oidc.mint({ ...claims, ...(audience === undefined ? {} : { audience }) });
    return send(response, 200, { count: value.length, value });
  };

  const readBody = (request: IncomingMessage): Promise<unknown> =>
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        try {
          resolve(chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch {
          resolve(Symbol.for("invalid-json"));
        }
      });
    });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const target = new URL(request.url ?? "/", url);
    const method = request.method ?? "GET";
    requests.push({ method, path: `${target.pathname}${target.search}`, headers: request.headers });

    if (target.pathname === "/_actions/idtoken") return mintForRunner(response, request, target.searchParams);

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
    const issuesPath = /^\/repos\/([^/]+)\/([^/]+)\/issues(?:\/(\d+))?\/?$/.exec(target.pathname);
    if (issuesPath !== null) {
      const fullName =
        `${decodeURIComponent(issuesPath[1]!)}/${decodeURIComponent(issuesPath[2]!)}`.toLowerCase();
      const number = issuesPath[3] === undefined ? undefined : Number(issuesPath[3]);
      if (!canSee(token, fullName)) return send(response, 404, errorBody(404, errorMessages.notFound));
      if (method === "GET" && number === undefined)
        return listIssues(response, fullName, target.searchParams);
      if (method !== "GET" && token === undefined)
        return send(response, 401, errorBody(401, errorMessages.requiresAuthentication));
      const payload = method === "GET" ? undefined : await readBody(request);
      if (typeof payload === "symbol") return send(response, 400, errorBody(400, "Problems parsing JSON"));
      if (method === "POST" && number === undefined) return createIssue(response, fullName, payload);
      if (method === "PATCH" && number !== undefined) return updateIssue(response, fullName, number, payload);
      if (method === "GET" && number !== undefined) {
        const issue = issuesOf(fullName).find((candidate) => candidate.number === number);
        return issue === undefined
          ? send(response, 404, errorBody(404, errorMessages.notFound))
          : send(response, 200, issueBody(fullName, issue, url));
      }
    }
    return send(response, 404, errorBody(404, errorMessages.notFound));
  };
  server.on("request", (request, response) => {
    handle(request, response).catch((error: unknown) => {
      send(response, 500, errorBody(500, error instanceof Error ? error.message : String(error)));
    });
  });

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
    seedIssues: (fullName, issues) => {
      const list = issuesOf(fullName);
      for (const seed of issues) {
        const at = new Date().toISOString();
        list.push({
          number: list.length + 1,
          title: seed.title,
          body: seed.body ?? null,
          state: seed.state ?? "open",
          createdAt: at,
          updatedAt: at,
          closedAt: seed.state === "closed" ? at : null,
          pullRequest: seed.pullRequest ?? false,
          author: "octocat",
        });
      }
    },
    issues: (fullName) =>
      issuesOf(fullName).map(({ number, title, body, state, pullRequest }) => ({
        number,
        title,
        body,
        state,
        pullRequest,
      })),
    addActionsRunner: (claims) => {
      const requestToken = `runner-${randomUUID()}`;
      runners.set(requestToken, claims);
      return { requestUrl: `${url}/_actions/idtoken?api-version=2.0`, requestToken };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
