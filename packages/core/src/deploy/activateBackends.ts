/** Telling the runtime which backend of each app is live (see `BackendRuntime.activate`). */
import { Effect, Option } from "effect";
import { BackendRuntime } from "../ports/BackendRuntime.js";
import { DeploymentStore } from "../ports/DeploymentStore.js";

/** Best effort: a runtime without `activate`, or one that fails, changes nothing for the caller. */
export const activateBackend = (deploymentId: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.serviceOption(BackendRuntime);
    const activate = Option.isSome(runtime) ? runtime.value.activate : undefined;
    if (activate === undefined) return;
    yield* activate(deploymentId).pipe(
      Effect.catch((error) =>
        Effect.logWarning(`Could not activate backend ${deploymentId}: ${error.message}`),
      ),
    );
  });

/** At start: every live deployment with a backend is activated, so per-app state (alarms) resumes. */
export const activateLiveBackends = (pageSize = 200) =>
  Effect.gen(function* () {
    const store = yield* DeploymentStore;
    let cursor: string | undefined;
    let activated = 0;
    do {
      const page = yield* store.listCurrent({
        limit: pageSize,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const { deploymentId, record } of page.items) {
        if (record.targets.worker === undefined) continue;
        yield* activateBackend(deploymentId);
        activated += 1;
      }
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);
    return activated;
  });
