/**
 * reconcile-routes: makes the zone's Worker routes for the core Worker equal to the wanted set
 * (wantedRoutePatterns): creates the missing ones, keeps the correct ones, and deletes the routes on this
 * zone that point at the core Worker but are no longer wanted. Routes of other scripts, and routes without a
 * script, are never touched; a wanted pattern already taken by another script is reported as a conflict.
 * Run as `node apps/cloudflare/ops/dist/reconcileRoutes.js [--dry-run]`.
 */
import type { CloudflareApi, WorkerRoute } from "@w7s/cloudflare-api";
import { Effect } from "effect";
import { apiFor, explain, findZone } from "./api.js";
import { stderrLine } from "./cli.js";
import { wantedRoutePatterns } from "./coreWorker.js";
import { OpsError } from "./errors.js";
import { readSettings } from "./settings.js";

export interface RoutePlan {
  readonly create: ReadonlyArray<string>;
  readonly keep: ReadonlyArray<WorkerRoute>;
  readonly remove: ReadonlyArray<WorkerRoute>;
  /** Wanted patterns a route of another script already holds: left alone, and the run fails. */
  readonly conflicts: ReadonlyArray<WorkerRoute>;
}

/** The plan, decided from the zone's routes alone (pure, so it is what `--dry-run` prints). */
export const planRoutes = (
  existing: ReadonlyArray<WorkerRoute>,
  wanted: ReadonlyArray<string>,
  script: string,
): RoutePlan => {
  const ours = existing.filter((route) => route.script === script);
  const others = existing.filter((route) => route.script !== script);
  const keep = ours.filter((route) => wanted.includes(route.pattern));
  const remove = ours.filter((route) => !wanted.includes(route.pattern));
  const conflicts = others.filter((route) => wanted.includes(route.pattern));
  const taken = new Set([...keep, ...conflicts].map((route) => route.pattern));
  const create = wanted.filter((pattern) => !taken.has(pattern));
  return { create, keep, remove, conflicts };
};

export const describePlan = (plan: RoutePlan, script: string): ReadonlyArray<string> => [
  ...plan.keep.map((route) => `keep   ${route.pattern} -> ${script}`),
  ...plan.create.map((pattern) => `create ${pattern} -> ${script}`),
  ...plan.remove.map((route) => `delete ${route.pattern} -> ${script} (id ${route.id})`),
  ...plan.conflicts.map(
    (route) => `conflict ${route.pattern} is routed to ${route.script ?? "no script"}; left alone`,
  ),
];

export interface ReconcileOptions {
  readonly dryRun?: boolean | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

const apply = (
  api: CloudflareApi,
  zoneId: string,
  plan: RoutePlan,
  script: string,
  log: (line: string) => void,
) =>
  Effect.gen(function* () {
    for (const pattern of plan.create) {
      const route = yield* api.routes
        .create(zoneId, { pattern, script })
        .pipe(Effect.mapError(explain(`creating route ${pattern}`)));
      log(`created route ${pattern} -> ${script} (id ${route.id})`);
    }
    for (const route of plan.remove) {
      yield* api.routes
        .delete(zoneId, route.id)
        .pipe(Effect.mapError(explain(`deleting route ${route.pattern}`)));
      log(`deleted route ${route.pattern} -> ${script} (id ${route.id})`);
    }
    for (const route of plan.keep) log(`kept route ${route.pattern} -> ${script} (id ${route.id})`);
  });

export const reconcileRoutes = (
  env: Readonly<Record<string, string | undefined>>,
  options: ReconcileOptions = {},
): Effect.Effect<RoutePlan, OpsError> =>
  Effect.gen(function* () {
    const log = options.log ?? stderrLine;
    const settings = yield* readSettings(env);
    const api = apiFor(settings);
    const zoneId = yield* findZone(api, settings);
    const existing = yield* api.routes
      .list(zoneId)
      .pipe(Effect.mapError(explain(`listing the Worker routes of zone ${settings.zoneName}`)));
    const wanted = wantedRoutePatterns(settings.zoneName, settings.attachWildcardRoute);
    const plan = planRoutes(existing, wanted, settings.workerName);
    if (options.dryRun === true) {
      log(`plan for zone ${settings.zoneName} (dry run, nothing changed):`);
      for (const line of describePlan(plan, settings.workerName)) log(`  ${line}`);
    } else {
      yield* apply(api, zoneId, plan, settings.workerName, log);
    }
    if (plan.conflicts.length > 0) {
      return yield* Effect.fail(
        new OpsError({
          message: `${plan.conflicts.map((route) => `route ${route.pattern} belongs to ${route.script ?? "no script"}`).join("; ")}: remove it in Cloudflare so that ${settings.workerName} can take it (reconcile never touches other scripts' routes).`,
        }),
      );
    }
    return plan;
  });
