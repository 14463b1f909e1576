/**
 * A stand-in for the W7S read APIs a server may not have yet: `GET /api/v1/usage/<owner>/<repo>` (F.10) and
 * `GET /api/v1/logs/<owner>/<repo>` (G.1), answering the documented envelopes and error texts with data the
 * test sets. Every other request is forwarded unchanged to `upstream` (a real W7S server), so a client
 * configured with one base URL deploys to the real server and reads usage and logs here.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** The `data` of a usage answer, minus what the stand-in fills in (`usage.date`, `environment`). */
export interface UsageFixture {
  readonly warnings?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly appLimitState?: Readonly<Record<string, unknown>>;
  readonly usage?: Readonly<Record<string, unknown>>;
}

export interface ReadApiRequest {
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
}

export interface ReadApiStandIn {
  readonly url: string;
  /** Usage and logs requests received. */
  readonly requests: ReadApiRequest[];
  /** What `GET /api/v1/usage/<repository>?environment=<environment>` answers (default: no warnings). */
  setUsage(repository: string, environment: string, fixture: UsageFixture): void;
  /** The log records of one repository and environment, newest first. */
  setLogs(
    repository: string,
    environment: string,
    records: ReadonlyArray<Readonly<Record<string, unknown>>>,
  ): void;
  /** Tokens the read APIs accept; when none is set, any bearer is accepted. */
  allowTokens(...tokens: string[]): void;
  close(): Promise<void>;
}

const LOG_KINDS = ["console", "exception", "outcome"];
const LOG_LEVELS = ["debug", "info", "log", "warn", "error"];

const integerIn = (value: string | null, fallback: number, min: number, max: number): number | undefined => {
  if (value === null || value === "") return fallback;
  if (!/^\d+$/.test(value)) return undefined;
  const parsed = Number(value);
  return parsed >= min && parsed <= max ? parsed : undefined;
};

export const startReadApiStandIn = async (options: {
  readonly upstream: string;
}): Promise<ReadApiStandIn> => {
  const usage = new Map<string, UsageFixture>();
  const logs = new Map<string, ReadonlyArray<Readonly<Record<string, unknown>>>>();
  const tokens = new Set<string>();
  const requests: ReadApiRequest[] = [];
  const key = (repository: string, environment: string) => `${repository.toLowerCase()}\u0000${environment}`;

  const forward = async (request: IncomingMessage, body: Buffer) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || name === "host" || name === "connection" || name === "content-length")
        continue;
      headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    return fetch(`${options.upstream}${request.url ?? "/"}`, {
      method: request.method ?? "GET",
      headers,
      ...(body.length === 0 ? {} : { body: new Uint8Array(body) }),
      redirect: "manual",
    });
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const json = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body));
      };
      const error = (status: number, message: string) => json(status, { status: "error", error: message });
      const target = new URL(request.url ?? "/", "http://stand-in");
      const read = /^\/api\/v1\/(usage|logs)(?:\/(.*))?$/.exec(target.pathname);
      if (request.method !== "GET" || read === null) {
        forward(request, Buffer.concat(chunks)).then(
          async (upstream) => {
            const headers: Record<string, string> = {};
            upstream.headers.forEach((value, name) => {
              if (name !== "content-length" && name !== "transfer-encoding" && name !== "content-encoding")
                headers[name] = value;
            });
            response.writeHead(upstream.status, headers);
            response.end(Buffer.from(await upstream.arrayBuffer()));
          },
          (failure: unknown) => error(502, `Stand-in could not reach the W7S server: ${String(failure)}`),
        );
        return;
      }
      const section = read[1] as "usage" | "logs";
      const segments = (read[2] ?? "").split("/").filter((segment) => segment !== "");
      const query = Object.fromEntries(target.searchParams);
      requests.push({ path: target.pathname, query, authorization: request.headers.authorization });
      const bearer = /^bearer\s+(.+)$/i.exec(request.headers.authorization ?? "")?.[1]?.trim();
      if (section === "logs") {
        // G.1: the query is checked before the token.
        if (segments.length !== 2) return error(400, "Logs route must be /api/v1/logs/<owner>/<repo>.");
        const hours = integerIn(target.searchParams.get("hours"), 1, 1, 168);
        if (hours === undefined) return error(400, "hours must be an integer from 1 to 168.");
        const limit = integerIn(target.searchParams.get("limit"), 100, 1, 500);
        if (limit === undefined) return error(400, "limit must be an integer from 1 to 500.");
        const kind = target.searchParams.get("kind")?.toLowerCase();
        if (kind && !LOG_KINDS.includes(kind))
          return error(400, "kind must be console, exception, or outcome.");
        const level = target.searchParams.get("level")?.toLowerCase();
        if (level && !LOG_LEVELS.includes(level))
          return error(400, "level must be debug, info, log, warn, or error.");
        if (bearer === undefined) return error(401, "Missing bearer token.");
        if (tokens.size > 0 && !tokens.has(bearer))
          return error(401, "Bearer token is not authorized for this GitHub repository.");
        const environment = target.searchParams.get("environment") || "production";
        const repository = `${segments[0]}/${segments[1]}`;
        const to = new Date();
        const from = new Date(to.getTime() - hours * 3_600_000);
        const records = (logs.get(key(repository, environment)) ?? [])
          .filter((record) => (kind ? record.kind === kind : true))
          .filter((record) => (level ? record.level === level : true));
        return json(200, {
          status: "success",
          data: {
            logs: {
              repository,
              environment,
              from: from.toISOString(),
              to: to.toISOString(),
              limit,
              cursor: records.length > limit ? "stand-in-cursor" : null,
              records: records.slice(0, limit),
            },
          },
        });
      }
      if (bearer === undefined) return error(401, "Missing bearer token.");
      if (segments.length !== 2) return error(400, "Usage route must be /api/v1/usage/<owner>/<repo>.");
      const date = target.searchParams.get("date") ?? new Date().toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return error(400, "date must be YYYY-MM-DD.");
      if (tokens.size > 0 && !tokens.has(bearer))
        return error(401, "Bearer token is not authorized for this GitHub repository.");
      const environment = target.searchParams.get("environment") || "production";
      const repository = `${segments[0]}/${segments[1]}`;
      const fixture = usage.get(key(repository, environment)) ?? {};
      const warnings = fixture.warnings ?? [];
      return json(200, {
        status: "success",
        data: {
          usage: {
            version: 1,
            date,
            orgSlug: segments[0],
            repoSlug: segments[1],
            environment,
            repository,
            metrics: {},
            updatedAt: null,
            ...fixture.usage,
          },
          limits: { version: 1, period: "daily", mode: "enforce", metrics: {}, warnings },
          policy: { version: 1, period: "daily", mode: "enforce", environment },
          ...(fixture.appLimitState === undefined ? {} : { appLimitState: fixture.appLimitState }),
          warnings,
        },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    setUsage: (repository, environment, fixture) => usage.set(key(repository, environment), fixture),
    setLogs: (repository, environment, records) => logs.set(key(repository, environment), records),
    allowTokens: (...allowed) => {
      for (const token of allowed) tokens.add(token);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
