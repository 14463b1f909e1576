/**
 * `GET /api/v1/analytics/<owner>/<repo>` (G.3): the platform events of one app in one environment as a
 * summary by event and outcome, an hourly or daily series, and the most recent events. `configured` is
 * false only when the adapter keeps no analytics (the self-host always does).
 */
import { requireSlug } from "@w7s/env-naming";
import { Clock, Effect, Option, Result } from "effect";
import { BadGateway, BadRequest } from "../errors/httpErrors.js";
import { AnalyticsSink } from "../ports/AnalyticsSink.js";
import type { RepoAuth } from "../ports/RepoAuth.js";
import {
  answerReadApi,
  authorizeRead,
  readApiMessages,
  readBearer,
  readEnvironment,
  readInteger,
  readRoute,
  readWindow,
  step,
} from "./readApiRequest.js";

/** The texts only the analytics API has. */
export const analyticsApiMessages = {
  notConfigured: "Analytics are not configured on this server.",
  queryFailed: (detail: string) => `Analytics query failed: ${detail}`,
} as const;

/** `GET /api/v1/analytics/<owner>/<repo>[?environment][&hours][&from][&to][&bucket][&limit]`. */
export const analyticsApi = (request: Request): Effect.Effect<Response, never, RepoAuth | AnalyticsSink> =>
  answerReadApi(
    Effect.gen(function* () {
      const url = new URL(request.url);
      const token = yield* step(readBearer(request));
      const route = yield* step(readRoute(url, "analytics"));
      const environment = yield* step(readEnvironment(url, request));
      const hours = yield* step(readInteger(url, "hours", { min: 1, max: 168, fallback: 24 }));
      const limit = yield* step(readInteger(url, "limit", { min: 1, max: 200, fallback: 50 }));
      const { fromMs, toMs } = yield* step(readWindow(url, hours, yield* Clock.currentTimeMillis));
      const bucket = url.searchParams.get("bucket") === "day" ? "day" : "hour";
      const orgSlug = requireSlug(route.owner, "repository owner");
      const repoSlug = requireSlug(route.repo, "repository name");
      if (Result.isFailure(orgSlug) || Result.isFailure(repoSlug))
        return yield* Effect.fail(new BadRequest({ message: readApiMessages.repositoryForm }));
      yield* authorizeRead(token, route);

      const repository = `${orgSlug.success}/${repoSlug.success}`;
      const from = new Date(fromMs).toISOString();
      const to = new Date(toMs).toISOString();
      const sink = yield* AnalyticsSink;
      const report = yield* sink
        .query({ repository, environment, from, to, bucket, limit })
        .pipe(
          Effect.mapError(
            (error) => new BadGateway({ message: analyticsApiMessages.queryFailed(error.reason) }),
          ),
        );
      if (Option.isNone(report)) {
        return {
          analytics: {
            configured: false,
            repository,
            environment,
            from,
            to,
            summary: [],
            timeseries: [],
            events: [],
            message: analyticsApiMessages.notConfigured,
          },
        };
      }
      const { dataset, summary, timeseries, events } = report.value;
      return {
        analytics: {
          configured: true,
          dataset,
          repository,
          environment,
          from,
          to,
          bucket,
          summary,
          timeseries,
          events,
        },
      };
    }),
  );
