/**
 * The workflow runner of one server: it leases due instances and runs each one's step through the core's
 * `deliverWorkflowInstance`; a failed attempt is retried after 10 s, 20 s, 40 s (exponential backoff, 3
 * retries by default) and then the instance is `errored`. Leases are kept alive while a step runs and run
 * out when the server dies, so instances survive restarts and `kill -9`.
 */
import { randomUUID } from "node:crypto";
import {
  defaultWorkflowRetryPolicy,
  type WorkflowInstance,
  type WorkflowRetryPolicy,
  type WorkflowStepOutcome,
  workflowRetryDelaySeconds,
} from "@w7s/core";
import { makeWakeSignal } from "../shared/wakeSignal.js";
import type { LeasedInstance, WorkflowStore } from "./workflowStore.js";

export interface WorkflowRunnerOptions {
  readonly store: WorkflowStore;
  readonly deliver: (stored: { id: string; instance: WorkflowInstance }) => Promise<WorkflowStepOutcome>;
  readonly policy?: WorkflowRetryPolicy;
  readonly now?: () => number;
  /** How long a running step stays leased without a heartbeat (default 15 s). */
  readonly leaseMs?: number;
  /** Steps run at the same time by this server (default 4). */
  readonly concurrency?: number;
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

export interface WorkflowRunner {
  readonly wake: () => void;
  readonly stop: () => Promise<void>;
}

export const interruptedStepMessage =
  "The step's last attempt did not finish (the server stopped) and no retries are left.";

export const startWorkflowRunner = (options: WorkflowRunnerOptions): WorkflowRunner => {
  const policy = options.policy ?? defaultWorkflowRetryPolicy;
  const now = options.now ?? Date.now;
  const leaseMs = options.leaseMs ?? 15_000;
  const pollMs = options.pollMs ?? 250;
  const log = options.log ?? ((line: string) => console.error(line));
  const maxAttempts = 1 + policy.limit;
  const { store } = options;
  let stopped = false;
  const { waitForWork, wakeAll } = makeWakeSignal(pollMs);

  const run = async (leased: LeasedInstance) => {
    if (leased.attempts > maxAttempts) {
      await store.fail(leased, interruptedStepMessage, now());
      return;
    }
    const heartbeat = setInterval(
      () => void store.extend(leased, now() + leaseMs).catch(() => undefined),
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    let outcome: WorkflowStepOutcome;
    try {
      outcome = await options.deliver({ id: leased.id, instance: leased.instance });
    } catch (error) {
      outcome = { _tag: "Failed", error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearInterval(heartbeat);
    }
    if (outcome._tag === "Done") await store.complete(leased, outcome.output, now());
    else if (leased.attempts < maxAttempts)
      await store.retry(
        leased,
        now() + workflowRetryDelaySeconds(policy, leased.attempts) * 1000,
        outcome.error,
        now(),
      );
    else await store.fail(leased, outcome.error, now());
  };

  const worker = async () => {
    while (!stopped) {
      let leased: LeasedInstance[];
      try {
        leased = await store.claim({ now: now(), leaseMs, limit: 1, leaseToken: randomUUID() });
      } catch (error) {
        log(`workflow runner: claim failed: ${error instanceof Error ? error.message : String(error)}`);
        await waitForWork();
        continue;
      }
      if (leased.length === 0) {
        await waitForWork();
        continue;
      }
      for (const instance of leased) {
        try {
          await run(instance);
        } catch (error) {
          log(
            `workflow runner: settling ${instance.id} failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
  };

  const workers = Array.from({ length: options.concurrency ?? 4 }, () => worker());
  return {
    wake: wakeAll,
    stop: async () => {
      stopped = true;
      wakeAll();
      await Promise.all(workers);
    },
  };
};
