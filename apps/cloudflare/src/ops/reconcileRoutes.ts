/**
 * `reconcile:cloudflare-routes`: the core Worker's routes in the W7S zone are exactly `<zone>/*` and, with
 * `W7S_ATTACH_WILDCARD_ROUTE=true`, `*.<zone>/*`: missing ones are created, routes of these patterns that
 * point at another script are replaced, and other routes to the core Worker are removed.
 */
import type { makeCloudflareApi } from "@w7s/cloudflare-api";
import { Effect, Option } from "effect";
import { PrepareError } from "./prepare.js";

type Api = ReturnType<typeof makeCloudflareApi>;

export interface RouteReconcileReport {
  readonly zoneId: string;
  readonly created: ReadonlyArray<string>;
  readonly deleted: ReadonlyArray<string>;
  readonly kept: ReadonlyArray<string>;
}

export const wantedRoutes = (zoneName: string, wildcard: boolean): ReadonlyArray<string> =>
  wildcard ? [`${zoneName}/*`, `*.${zoneName}/*`] : [`${zoneName}/*`];

export const reconcileRoutes = (
  api: Api,
  input: { readonly zoneName: string; readonly coreWorker: string; readonly wildcard: boolean },
) =>
  Effect.gen(function* () {
    const zone = yield* api.zones.findByName(input.zoneName);
    if (Option.isNone(zone))
      return yield* Effect.die(
        new PrepareError(`The zone ${input.zoneName} is not on this Cloudflare account.`),
      );
    const zoneId = zone.value.id;
    const wanted = new Set(wantedRoutes(input.zoneName, input.wildcard));
    const existing = yield* api.routes.list(zoneId);
    const created: string[] = [];
    const deleted: string[] = [];
    const kept: string[] = [];
    for (const route of existing) {
      const ours = route.script === input.coreWorker;
      if (wanted.has(route.pattern) && ours) {
        kept.push(route.pattern);
        wanted.delete(route.pattern);
      } else if (wanted.has(route.pattern) || ours) {
        // A wanted pattern on another script, or a route to the core Worker that is no longer wanted.
        yield* api.routes.delete(zoneId, route.id);
        deleted.push(route.pattern);
      }
    }
    for (const pattern of wanted) {
      yield* api.routes.create(zoneId, { pattern, script: input.coreWorker });
      created.push(pattern);
    }
    return { zoneId, created, deleted, kept } satisfies RouteReconcileReport;
  });
