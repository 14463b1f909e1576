/**
 * The DeploymentStore on the deployments KV namespace (`DEPLOYMENTS_KV`): a request finds its app's live
 * deployment in KV, at the edge where it arrived, under `deployment:v1:<environment>:<owner>:<repo>`. The
 * whole record is one value, so a reader sees the old deployment or the new one, never a mix (DECISIONS 6).
 *
 * Writes stay with the control plane: the `replaces` check, the token, schedule, queue and domain indexes
 * change in one Durable Object transaction, and only once that has committed is the live record put to KV
 * (and each record once under its id, `deployment-record:v1:<deploymentId>`, immutable). Every other lookup
 * (history, tokens, schedules, domains) reads the object.
 *
 * KV is eventually consistent between locations: Cloudflare documents up to 60 s before another location
 * sees a new value, so after a deploy, requests elsewhere may keep the previous deployment that long (the
 * reference reads the same key, with its own 5 s caches). A record not in KV yet (an install from before
 * this store, a put that failed) is read from the object.
 */
import { type AppRef, DeploymentStore, type StoredDeployment } from "@w7s/core";
import { Effect, Layer, Option, Schedule } from "effect";

export const liveKeyOf = (app: { environment: string; orgSlug: string; repoSlug: string }): string =>
  `deployment:v1:${app.environment}:${app.orgSlug}:${app.repoSlug}`;

export const recordKeyOf = (deploymentId: string): string => `deployment-record:v1:${deploymentId}`;

const isStored = (value: unknown): value is StoredDeployment =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { deploymentId?: unknown }).deploymentId === "string" &&
  typeof (value as { record?: unknown }).record === "object" &&
  (value as { record?: unknown }).record !== null;

const describe = (app: AppRef) => `${app.orgSlug}/${app.repoSlug} (${app.environment})`;

/** The live record of `app` in `kv`, or `None` when KV has none (or cannot be read now). */
export const readLiveDeployment = (kv: KVNamespace, app: AppRef) =>
  Effect.promise(() => kv.get(liveKeyOf(app), "json").catch(() => null)).pipe(
    Effect.map((value) => (isStored(value) ? Option.some(value) : Option.none<StoredDeployment>())),
  );

/**
 * Wraps the control plane's DeploymentStore: `current` reads KV first, and every committed switch is put to
 * `kv` (three tries). A put that still fails is logged and does not fail the deploy, which has committed:
 * that location keeps serving the previous deployment until the next switch.
 */
export const deploymentsOnKv = (kv: KVNamespace) =>
  Layer.effect(
    DeploymentStore,
    Effect.gen(function* () {
      const store = yield* DeploymentStore;
      return DeploymentStore.of({
        ...store,
        current: (app) =>
          readLiveDeployment(kv, app).pipe(
            Effect.flatMap((live) => (Option.isSome(live) ? Effect.succeed(live) : store.current(app))),
          ),
        switchDeployment: (change) =>
          store.switchDeployment(change).pipe(
            Effect.tap(() => {
              const value = JSON.stringify({ deploymentId: change.deploymentId, record: change.record });
              return Effect.tryPromise(() =>
                Promise.all([
                  kv.put(liveKeyOf(change.app), value),
                  kv.put(recordKeyOf(change.deploymentId), value),
                ]),
              ).pipe(
                Effect.retry({ schedule: Schedule.exponential("50 millis"), times: 2 }),
                Effect.catch((error) =>
                  Effect.sync(() =>
                    console.error(
                      `w7s: the live deployment of ${describe(change.app)} was switched to ${change.deploymentId}, but its deployments KV record could not be written (${String((error as { cause?: unknown }).cause ?? error)}); requests keep the previous deployment until the next switch.`,
                    ),
                  ),
                ),
              );
            }),
          ),
      });
    }),
  );
