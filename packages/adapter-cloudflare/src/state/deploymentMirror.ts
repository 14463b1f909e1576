/**
 * The deployments KV namespace (`DEPLOYMENTS_KV`, the self-host page's deployment metadata) as a mirror of
 * the control plane: after a switch has committed in the Durable Object, the app's live record is written
 * under `deployment:v1:<environment>:<owner>:<repo>`, and each record once under its id
 * (`deployment-record:v1:<deploymentId>`, immutable, so a KV read of it is never stale). Requests never
 * read it (the object is the authority and is read-after-write consistent); it is there for operators'
 * tools and dashboards that read KV. A failed mirror write never fails the deploy.
 */
import { DeploymentStore } from "@w7s/core";
import { Effect, Layer } from "effect";

export const liveKeyOf = (app: { environment: string; orgSlug: string; repoSlug: string }): string =>
  `deployment:v1:${app.environment}:${app.orgSlug}:${app.repoSlug}`;

export const recordKeyOf = (deploymentId: string): string => `deployment-record:v1:${deploymentId}`;

/** Wraps the DeploymentStore so that every committed switch is mirrored to `kv`. */
export const mirrorDeploymentsTo = (kv: KVNamespace) =>
  Layer.effect(
    DeploymentStore,
    Effect.gen(function* () {
      const store = yield* DeploymentStore;
      return DeploymentStore.of({
        ...store,
        switchDeployment: (change) =>
          store.switchDeployment(change).pipe(
            Effect.tap(() =>
              Effect.promise(async () => {
                const value = JSON.stringify({ deploymentId: change.deploymentId, record: change.record });
                await Promise.all([
                  kv.put(liveKeyOf(change.app), value),
                  kv.put(recordKeyOf(change.deploymentId), value),
                ]);
              }).pipe(
                Effect.catchDefect((defect) =>
                  Effect.sync(() => console.error(`w7s: deployments KV mirror failed: ${String(defect)}`)),
                ),
              ),
            ),
          ),
      });
    }),
  );
