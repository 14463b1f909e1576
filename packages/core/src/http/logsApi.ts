/**
 * `GET /api/v1/logs/<owner>/<repo>` (G.1): captured records of one app, newest first, filtered by time
 * window, kind and level, paged with an opaque cursor. The query is validated before the token is checked,
 * the bearer's presence first of all.
 */
import { Clock, Effect } from "effect";
import { BadRequest, ServiceUnavailable } from "../errors/httpErrors.js";
import { LogStore } from "../ports/LogStore.js";
import type { RepoAuth } from "../ports/RepoAuth.js";
import type { LogKind, LogLevel } from "../ports/records/LogRecord.js";
import {
  answerReadApi,
  authorizeRead,
  readApp,
  readBearer,
  readEnvironment,
  readInteger,
  readRoute,
  readWindow,
  step,
} from "./readApiRequest.js";

/** The texts only the logs API has. */
export const logsApiMessages = {
  kind: "kind must be console, exception, or outcome.",
  level: "level must be debug, info, log, warn, or error.",
  cursor: "cursor must be the cursor of an earlier page of this listing.",
  unavailable: "Logs are unavailable right now; try again shortly.",
} as const;

const KINDS: ReadonlySet<string> = new Set(["console", "exception", "outcome"]);
const LEVELS: ReadonlySet<string> = new Set(["debug", "info", "log", "warn", "error"]);

const oneOf = <A extends string>(url: URL, name: string, allowed: ReadonlySet<string>, message: string) => {
  const raw = url.searchParams.get(name)?.trim().toLowerCase() ?? "";
  if (raw === "") return Effect.succeed(undefined);
  return allowed.has(raw) ? Effect.succeed(raw as A) : Effect.fail(new BadRequest({ message }));
};

/** `GET /api/v1/logs/<owner>/<repo>[?environment][&hours][&from][&to][&kind][&level][&limit][&cursor][&application]`. */
export const logsApi = (request: Request): Effect.Effect<Response, never, RepoAuth | LogStore> =>
  answerReadApi(
    Effect.gen(function* () {
      const url = new URL(request.url);
      const token = yield* step(readBearer(request));
      const route = yield* step(readRoute(url, "logs"));
      const environment = yield* step(readEnvironment(url, request));
      const hours = yield* step(readInteger(url, "hours", { min: 1, max: 168, fallback: 1 }));
      const limit = yield* step(readInteger(url, "limit", { min: 1, max: 500, fallback: 100 }));
      const { fromMs, toMs } = yield* step(readWindow(url, hours, yield* Clock.currentTimeMillis));
      const kind = yield* oneOf<LogKind>(url, "kind", KINDS, logsApiMessages.kind);
      const level = yield* oneOf<LogLevel>(url, "level", LEVELS, logsApiMessages.level);
      const cursor = url.searchParams.get("cursor")?.trim() || undefined;
      const app = yield* step(readApp(route, environment, url.searchParams.get("application")));
      yield* authorizeRead(token, route);

      const from = new Date(fromMs).toISOString();
      const to = new Date(toMs).toISOString();
      const store = yield* LogStore;
      const page = yield* store
        .query({
          app,
          from,
          to,
          limit,
          ...(kind === undefined ? {} : { kind }),
          ...(level === undefined ? {} : { level }),
          ...(cursor === undefined ? {} : { cursor }),
        })
        .pipe(
          Effect.mapError((error) =>
            error.reason === "NotFound"
              ? new BadRequest({ message: logsApiMessages.cursor })
              : new ServiceUnavailable({ message: logsApiMessages.unavailable }),
          ),
        );
      return {
        logs: {
          repository: `${app.orgSlug}/${app.repoSlug}`,
          environment,
          from,
          to,
          limit,
          cursor: page.cursor,
          records: page.items,
        },
      };
    }),
  );
