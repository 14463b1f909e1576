/**
 * The server's platform services: the private listener `W7S_RPC`, `W7S_QUEUE`, `W7S_WORKFLOW` and `W7S_AI`
 * reach (a Unix socket in a folder only this user can open, so apps call the internal API without the public
 * network and nothing else on the machine can), and the loops that deliver queue batches, run workflow
 * steps and dispatch each minute's schedules.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import {
  NodeQueues,
  NodeWorkflows,
  startMinuteScheduler,
  startQueueDelivery,
  startWorkflowRunner,
  type WallClock,
} from "@w7s/adapter-node";
import {
  deliverQueueBatch,
  deliverWorkflowInstance,
  dispatchScheduledMinute,
  makeInternalApiApp,
  type PlatformConfig,
  type PlatformServiceRunner,
} from "@w7s/core";
import { Context, type Effect } from "effect";

/** Where the internal API listens: `<private temporary folder>/internal.sock`. */
export const makeInternalSocketPath = (): { readonly path: string; readonly remove: () => void } => {
  const folder = mkdtempSync(join(tmpdir(), "w7s-internal-"));
  return {
    path: join(folder, "internal.sock"),
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
};

/** Timings of the loops; tests on a simulated clock make the polls short. */
export interface PlatformLoopOptions {
  readonly clock: WallClock;
  readonly leaseMs: number;
  readonly queuePollMs?: number;
  readonly schedulerPollMs?: number;
}

export interface PlatformServicesHandle {
  /** Runs the current minute's schedules now (the per-minute loop does it on its own). */
  readonly tick: () => Promise<unknown>;
  /** Stops the loops (letting deliveries in flight finish) and the internal listener. */
  readonly close: () => Promise<void>;
}

/** Starts the internal listener on `socketPath` and the delivery loops over the server's services. */
export const startPlatformServices = async (input: {
  readonly socketPath: string;
  readonly config: PlatformConfig;
  // biome-ignore lint/suspicious/noExplicitAny: the server's built services, which provide every port
  readonly services: Context.Context<any>;
  /** Runs an effect against those services (a failure rejects). */
  // biome-ignore lint/suspicious/noExplicitAny: see `services`
  readonly run: <A, E>(effect: Effect.Effect<A, E, any>) => Promise<A>;
  readonly loops: PlatformLoopOptions;
  readonly log?: (line: string) => void;
}): Promise<PlatformServicesHandle> => {
  const { config, run, loops } = input;
  const api = makeInternalApiApp({ config, run: run as PlatformServiceRunner });
  const listener: Server = createServer(getRequestListener((request) => api.fetch(request)));
  listener.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(input.socketPath, () => {
      listener.off("error", reject);
      resolve();
    });
  });

  const queues = Context.get(input.services, NodeQueues);
  const workflows = Context.get(input.services, NodeWorkflows);
  const delivery = startQueueDelivery({
    store: queues.store,
    deliver: (batch) => run(deliverQueueBatch(batch, config)),
    now: loops.clock.now,
    leaseMs: loops.leaseMs,
    ...(loops.queuePollMs === undefined ? {} : { pollMs: loops.queuePollMs }),
    ...(input.log === undefined ? {} : { log: input.log }),
  });
  const stopWaking = queues.onSent(delivery.wake);
  const runner = startWorkflowRunner({
    store: workflows.store,
    deliver: (stored) => run(deliverWorkflowInstance(stored, config)),
    now: loops.clock.now,
    leaseMs: loops.leaseMs,
    ...(loops.queuePollMs === undefined ? {} : { pollMs: loops.queuePollMs }),
    ...(input.log === undefined ? {} : { log: input.log }),
  });
  const stopWakingRunner = workflows.onCreated(runner.wake);
  const scheduler = startMinuteScheduler({
    runMinute: (minute) => run(dispatchScheduledMinute(minute, config)),
    now: loops.clock.now,
    ...(loops.schedulerPollMs === undefined ? {} : { pollMs: loops.schedulerPollMs }),
    ...(input.log === undefined ? {} : { log: input.log }),
  });

  return {
    tick: scheduler.tick,
    close: async () => {
      stopWaking();
      stopWakingRunner();
      await Promise.all([scheduler.stop(), delivery.stop(), runner.stop()]);
      await new Promise<void>((resolve) => {
        listener.close(() => resolve());
        listener.closeAllConnections();
      });
    },
  };
};
