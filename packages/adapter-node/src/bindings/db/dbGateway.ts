/**
 * SQL databases (D1) on the protocol workerd's D1 binding speaks: `POST /query` and `POST /execute` with a
 * query `{sql, params}` or an array of them and `?resultsFormat=`, answered with D1's JSON, and `POST /dump`.
 * This module stays on the main thread and does little: it reads the body, hands it to the SQL processes
 * (sqlExecutors.ts) untouched, writes their answer back, keeps session bookmarks and counts usage (F.1).
 */
import { type BindingGateway, GatewayFailure, type GatewayRequest, readBody } from "../gateway.js";
import { databaseFile } from "../layout.js";
import { DEFAULT_SQL_TIME_LIMIT_MS, makeSqlExecutors, type SqlOutcome } from "./sqlExecutors.js";
import { splitSql } from "./sqlText.js";

export interface DbGatewayOptions {
  readonly dataDir: string;
  /** How long one call (a statement, a batch or an exec) may run before it is stopped (default 30 s). */
  readonly timeLimitMs?: number;
  /** At most this many SQL processes (default 4). */
  readonly processes?: number;
}

export { DEFAULT_SQL_TIME_LIMIT_MS };

/** The header D1 sessions carry their bookmark (or constraint) in, both ways. */
export const BOOKMARK_HEADER = "x-cf-d1-session-commit-token";

/** A call's body: a batch of statements with blobs as JSON arrays of bytes stays well below this. */
export const MAX_DB_BODY_BYTES = 32 * 1024 * 1024;

export const dbMessages = {
  bodyTooLarge: (size: number) =>
    `The request of ${size} bytes exceeds the limit of ${MAX_DB_BODY_BYTES / 1024 / 1024} MiB.`,
  notFound: "Not found",
} as const;

const READ_KEYWORDS: ReadonlySet<string> = new Set(["select", "values", "explain", "pragma", "with"]);

/**
 * Whether a call that never answered (stopped, or refused before running) looked like a write, from the
 * first keyword of its statements. Only failures pay for this parse.
 */
const looksLikeWrite = (body: string): boolean => {
  try {
    const parsed: unknown = JSON.parse(body);
    const queries = Array.isArray(parsed) ? parsed : [parsed];
    return queries.some((query) => {
      const sql = (query as { sql?: unknown } | null)?.sql;
      return (
        typeof sql === "string" && splitSql(sql).some((statement) => !READ_KEYWORDS.has(statement.keyword))
      );
    });
  } catch {
    return false;
  }
};

/** Bookmarks that only grow: the time in ms, then a count within it (D1's primary satisfies any of ours). */
const makeBookmarks = () => {
  let lastMs = 0;
  let count = 0;
  return (): string => {
    const now = Date.now();
    if (now > lastMs) {
      lastMs = now;
      count = 0;
    } else {
      count += 1;
    }
    return `${lastMs.toString(16).padStart(12, "0")}-${count.toString(16).padStart(8, "0")}`;
  };
};

const send = (
  request: GatewayRequest,
  status: number,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): void => {
  request.response.writeHead(status, {
    "content-type": typeof body === "string" ? "application/json" : "application/octet-stream",
    "content-length": typeof body === "string" ? Buffer.byteLength(body) : body.byteLength,
    ...headers,
  });
  request.response.end(body);
};

const failureBody = (message: string): string => JSON.stringify({ success: false, error: message });

export const makeDbGateway = (options: DbGatewayOptions): BindingGateway => {
  const executors = makeSqlExecutors({
    timeLimitMs: options.timeLimitMs ?? DEFAULT_SQL_TIME_LIMIT_MS,
    ...(options.processes === undefined ? {} : { processes: options.processes }),
  });
  const nextBookmark = makeBookmarks();

  const countOutcome = (request: GatewayRequest, outcome: SqlOutcome, body: string) => {
    if (outcome.op === "query" && outcome.failedWrite === undefined) {
      for (const statement of outcome.usage) {
        request.count(statement.write ? "d1.write_queries" : "d1.read_queries", "success");
        if (statement.rowsRead > 0) request.count("d1.rows_read", "success", statement.rowsRead);
        if (statement.rowsWritten > 0) request.count("d1.rows_written", "success", statement.rowsWritten);
      }
      return;
    }
    const write = outcome.op === "query" ? outcome.failedWrite === true : looksLikeWrite(body);
    request.count(write ? "d1.write_queries" : "d1.read_queries", "error");
  };

  const query = async (request: GatewayRequest) => {
    let body: string;
    try {
      body = (
        await readBody(
          request.request,
          MAX_DB_BODY_BYTES,
          (size) => new GatewayFailure(413, dbMessages.bodyTooLarge(size)),
        )
      ).toString("utf8");
    } catch (error) {
      request.count("d1.read_queries", "error");
      send(request, 200, failureBody(error instanceof Error ? error.message : String(error)));
      return;
    }
    const file = databaseFile(options.dataDir, request.grant.resourceId);
    const rowsAndColumns = request.query.get("resultsFormat") === "ROWS_AND_COLUMNS";
    const outcome = await executors.run({ op: "query", file, body, rowsAndColumns });
    countOutcome(request, outcome, body);
    if (outcome.op !== "query") {
      send(request, 200, failureBody("message" in outcome ? outcome.message : "Unexpected answer."));
      return;
    }
    // A session sends its bookmark or constraint; only then is a bookmark answered.
    const session = request.request.headers[BOOKMARK_HEADER];
    const wantsBookmark = typeof session === "string" && session.trim() !== "";
    send(
      request,
      200,
      outcome.body,
      wantsBookmark && outcome.failedWrite === undefined ? { [BOOKMARK_HEADER]: nextBookmark() } : {},
    );
  };

  const dump = async (request: GatewayRequest) => {
    request.request.resume();
    const file = databaseFile(options.dataDir, request.grant.resourceId);
    const outcome = await executors.run({ op: "dump", file });
    if (outcome.op === "dump") {
      request.count("d1.read_queries", "success");
      send(request, 200, outcome.bytes);
      return;
    }
    request.count("d1.read_queries", "error");
    send(
      request,
      500,
      JSON.stringify({ error: "message" in outcome ? outcome.message : "Unexpected answer." }),
    );
  };

  return {
    handle: async (request) => {
      const { method } = request.request;
      if (method === "POST" && (request.path === "/query" || request.path === "/execute"))
        return query(request);
      if (method === "POST" && request.path === "/dump") return dump(request);
      request.request.resume();
      send(request, 404, JSON.stringify({ error: dbMessages.notFound }));
    },
    close: () => executors.close(),
  };
};
