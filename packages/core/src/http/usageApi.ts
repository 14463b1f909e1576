/**
 * `GET /api/v1/usage/<owner>/<repo>` and `GET /api/v1/limits/<owner>/<repo>` (F.10): a repository's daily
 * rollup with its evaluation against the effective policy, its suspension if any, and the policy document
 * alone. Reads never count usage and are never blocked by a suspension (F.8).
 */
import {
  effectivePolicyDocument,
  emptyRollup,
  evaluateUsageLimits,
  type UsageRollup as PolicyRollup,
} from "@w7s/usage-policy";
import { Clock, Effect, Option } from "effect";
import { BadRequest, ServiceUnavailable } from "../errors/httpErrors.js";
import type { RepoAuth } from "../ports/RepoAuth.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type { UsagePolicyStore } from "../ports/UsagePolicyStore.js";
import { UsageStore } from "../ports/UsageStore.js";
import { activeSuspension, familyRecords } from "../usage/usageLimits.js";
import {
  answerReadApi,
  authorizeRead,
  readApp,
  readBearer,
  readEnvironment,
  readRoute,
  step,
} from "./readApiRequest.js";

/** The texts only the usage API has. */
export const usageApiMessages = {
  date: "date must be YYYY-MM-DD.",
  unavailable: "Usage data is unavailable right now; try again shortly.",
} as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const unavailable = () => new ServiceUnavailable({ message: usageApiMessages.unavailable });

/** The F.3 document of the app's own (repo family) policy. */
const policyDocument = (app: AppRef) =>
  Effect.map(familyRecords("repo", app), (records) => effectivePolicyDocument({ ...app, records }));

/** `usage_daily` of the app, or the empty rollup the API answers for a day without events. */
const repoRollup = (app: AppRef, date: string) =>
  Effect.gen(function* () {
    const store = yield* UsageStore;
    const stored = yield* store.rollup({ scope: "repo", date, ...app }).pipe(Effect.mapError(unavailable));
    return Option.isSome(stored) ? (stored.value as PolicyRollup) : emptyRollup("repo", { ...app, date });
  });

/** `GET /api/v1/usage/<owner>/<repo>[?date][&environment][&application][&include=hourly]`. */
export const usageApi = (
  request: Request,
): Effect.Effect<Response, never, RepoAuth | UsageStore | UsagePolicyStore> =>
  answerReadApi(
    Effect.gen(function* () {
      const url = new URL(request.url);
      const token = yield* step(readBearer(request));
      const route = yield* step(readRoute(url, "usage"));
      const environment = yield* step(readEnvironment(url, request));
      const now = yield* Clock.currentTimeMillis;
      const date = url.searchParams.get("date") ?? new Date(now).toISOString().slice(0, 10);
      if (!DATE.test(date)) return yield* Effect.fail(new BadRequest({ message: usageApiMessages.date }));
      const app = yield* step(readApp(route, environment, url.searchParams.get("application")));
      yield* authorizeRead(token, route);

      const usage = yield* repoRollup(app, date);
      const { policies: _policies, ...policy } = yield* policyDocument(app);
      const limits = evaluateUsageLimits(policy.policy, usage);
      const appLimitState = yield* activeSuspension(app);
      const include = new Set((url.searchParams.get("include") ?? "").split(",").map((part) => part.trim()));
      return {
        usage,
        limits,
        policy,
        ...(appLimitState === undefined ? {} : { appLimitState }),
        // Hourly records come from a platform's telemetry sync (F.9); this server counts everything itself.
        ...(include.has("hourly") ? { hourly: [] } : {}),
        warnings: limits.warnings,
      };
    }),
  );

/** `GET /api/v1/limits/<owner>/<repo>[?environment][&application]`. */
export const limitsApi = (request: Request): Effect.Effect<Response, never, RepoAuth | UsagePolicyStore> =>
  answerReadApi(
    Effect.gen(function* () {
      const url = new URL(request.url);
      const token = yield* step(readBearer(request));
      const route = yield* step(readRoute(url, "limits"));
      const environment = yield* step(readEnvironment(url, request));
      const app = yield* step(readApp(route, environment, url.searchParams.get("application")));
      yield* authorizeRead(token, route);
      const document = yield* policyDocument(app);
      return { limits: { ...document, repository: `${app.orgSlug}/${app.repoSlug}` } };
    }),
  );
