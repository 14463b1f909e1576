/** In-memory UsageStore and UsagePolicyStore for the core's usage tests; exact by construction (one thread). */
import { Effect, Layer, Option } from "effect";
import type { SuspensionState, UsageRollup } from "../src/ports/records/UsageRollup.js";
import { UsagePolicyStore } from "../src/ports/UsagePolicyStore.js";
import { UsageStore } from "../src/ports/UsageStore.js";

export interface MemoryUsage {
  readonly rollups: Map<string, UsageRollup>;
  readonly bursts: Map<string, number>;
  readonly suspensions: Map<string, SuspensionState>;
  readonly policies: Map<string, unknown>;
}

export const makeMemoryUsage = (): MemoryUsage => ({
  rollups: new Map(),
  bursts: new Map(),
  suspensions: new Map(),
  policies: new Map(),
});

const appKey = (app: { environment: string; orgSlug: string; repoSlug: string }) =>
  `${app.environment}:${app.orgSlug}:${app.repoSlug}`;

export const memoryUsageLayer = (usage: MemoryUsage): Layer.Layer<UsageStore | UsagePolicyStore> =>
  Layer.mergeAll(
    Layer.succeed(UsageStore, {
      increment: (event) =>
        Effect.sync(() => {
          const scopes = [
            {
              key: `repo:${event.date}:${appKey(event)}`,
              orgSlug: event.orgSlug,
              repoSlug: event.repoSlug,
              repository: event.repository,
            },
            {
              key: `owner:${event.date}:${event.environment}:${event.orgSlug}`,
              orgSlug: event.orgSlug,
              repoSlug: "*",
              repository: `${event.orgSlug}/*`,
            },
            {
              key: `global:${event.date}:${event.environment}`,
              orgSlug: "*",
              repoSlug: "*",
              repository: "*/*",
            },
          ];
          for (const scope of scopes) {
            const rollup: UsageRollup = usage.rollups.get(scope.key) ?? {
              version: 1,
              date: event.date,
              environment: event.environment,
              orgSlug: scope.orgSlug,
              repoSlug: scope.repoSlug,
              repository: scope.repository,
              metrics: {},
              updatedAt: event.at,
            };
            const held = rollup.metrics[event.metric] ?? {
              count: 0,
              units: 0,
              success: 0,
              error: 0,
              lastAt: event.at,
            };
            usage.rollups.set(scope.key, {
              ...rollup,
              updatedAt: event.at,
              metrics: {
                ...rollup.metrics,
                [event.metric]: {
                  count: held.count + event.count,
                  units: held.units + event.units,
                  success: held.success + (event.outcome === "success" ? event.count : 0),
                  error: held.error + (event.outcome === "error" ? event.count : 0),
                  lastAt: event.at,
                },
              },
            });
          }
        }),
      rollup: (key) =>
        Effect.sync(() =>
          Option.fromUndefinedOr(
            usage.rollups.get(
              key.scope === "repo"
                ? `repo:${key.date}:${appKey(key)}`
                : key.scope === "owner"
                  ? `owner:${key.date}:${key.environment}:${key.orgSlug}`
                  : `global:${key.date}:${key.environment}`,
            ),
          ),
        ),
      reserveBurst: (counters, requested) =>
        Effect.sync(() => {
          const used = counters.map((counter) => usage.bursts.get(counter.key) ?? 0);
          const applied = counters.every((counter, index) => used[index]! + requested <= counter.limit);
          if (applied)
            for (const [index, counter] of counters.entries())
              usage.bursts.set(counter.key, used[index]! + requested);
          return { applied, used };
        }),
      suspension: (app) => Effect.sync(() => Option.fromUndefinedOr(usage.suspensions.get(appKey(app)))),
      suspend: (state) => Effect.sync(() => void usage.suspensions.set(appKey(state), state)),
      lift: (app, suspendedBy) =>
        Effect.sync(() => {
          if (usage.suspensions.get(appKey(app))?.suspendedBy === suspendedBy)
            usage.suspensions.delete(appKey(app));
        }),
      deleteExpiredSuspensions: (now) =>
        Effect.sync(() => {
          let deleted = 0;
          for (const [key, state] of usage.suspensions) {
            if (state.resumeAfter !== undefined && state.resumeAfter <= now) {
              usage.suspensions.delete(key);
              deleted += 1;
            }
          }
          return deleted;
        }),
      deleteRollupsBefore: (date) =>
        Effect.sync(() => {
          let deleted = 0;
          for (const [key, rollup] of usage.rollups) {
            if (rollup.date < date) {
              usage.rollups.delete(key);
              deleted += 1;
            }
          }
          return deleted;
        }),
    }),
    Layer.succeed(UsagePolicyStore, {
      get: (key) => Effect.sync(() => Option.fromUndefinedOr(usage.policies.get(key))),
      put: (key, record) => Effect.sync(() => void usage.policies.set(key, record)),
      delete: (key) => Effect.sync(() => usage.policies.delete(key)),
      list: (prefix) =>
        Effect.sync(() =>
          [...usage.policies.entries()]
            .filter(([key]) => key.startsWith(prefix))
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([key, record]) => ({ key, record })),
        ),
    }),
  );
