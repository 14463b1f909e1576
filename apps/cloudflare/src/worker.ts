/**
 * The W7S core Worker: the public routes and the deploy API (`fetch`), the platform bindings apps call
 * (`PlatformService`), the per-minute schedules, hourly cleanup and notification delivery (`scheduled`),
 * the managed queues (`queue`), log capture from every app script (`tail`), workflow runs (`W7sWorkflow`)
 * and the control-plane Durable Object (`W7sControlPlane`). All of it is the shared core over the
 * Cloudflare Layers.
 */

import {
  WorkerEntrypoint,
  WorkflowEntrypoint,
  type WorkflowEvent,
  type WorkflowStep,
} from "cloudflare:workers";
import {
  type CloudflarePlatformServices,
  cloudflarePlatformLayer,
  consumeQueueBatch,
  controlPlaneStub,
  type PlatformQueueMessage,
  runWorkflowInstance,
  type WorkflowParams,
} from "@w7s/adapter-cloudflare";
import { makeCloudflareApi } from "@w7s/cloudflare-api";
import {
  type CapturedBatch,
  captureLogBatches,
  deliverNotifications,
  deliverQueueBatch,
  deliverWorkflowInstance,
  dispatchScheduledMinute,
  makeHttpApp,
  makeInternalApiApp,
  makeManifestCache,
  makeRuntimeAccountant,
  type PlatformConfig,
  type PlatformServiceRunner,
  type RuntimeAccountant,
  runCleanup,
  type TailTrace,
} from "@w7s/core";
import { type Context, Effect, Layer, Scope } from "effect";
import type { Hono } from "hono";
import {
  type CoreEnv,
  DEFAULT_CORE_WORKER,
  DEFAULT_DISPATCH_NAMESPACE,
  logRetentionSecondsOf,
  platformConfigOf,
  settingsList,
  userWorkerLimitsOf,
} from "./settings.js";

export { W7sControlPlane } from "@w7s/adapter-cloudflare";

interface Core {
  readonly config: PlatformConfig;
  readonly accountant: RuntimeAccountant;
  // biome-ignore lint/suspicious/noExplicitAny: the Cloudflare services, which provide every port the core asks for
  readonly run: <A, E>(effect: Effect.Effect<A, E, any>) => Promise<A>;
  readonly app: Hono;
  readonly internal: Hono;
}

const buildCore = (env: CoreEnv): Core => {
  const config = platformConfigOf(env);
  const api = makeCloudflareApi({
    accountId: env.CLOUDFLARE_ACCOUNT_ID,
    apiToken: env.CLOUDFLARE_API_TOKEN,
    ...(env.CLOUDFLARE_API_BASE_URL === undefined ? {} : { baseUrl: env.CLOUDFLARE_API_BASE_URL }),
  });
  const audiences = settingsList(env.W7S_OIDC_AUDIENCES);
  const layer = cloudflarePlatformLayer({
    bindings: env,
    api,
    dispatchNamespace: env.W7S_DISPATCH_NAMESPACE ?? DEFAULT_DISPATCH_NAMESPACE,
    coreWorker: env.W7S_CORE_WORKER_NAME ?? DEFAULT_CORE_WORKER,
    limits: userWorkerLimitsOf(env),
    auth: {
      ...(env.W7S_GITHUB_API_URL === undefined ? {} : { githubApiUrl: env.W7S_GITHUB_API_URL }),
      ...(env.W7S_DEPLOY_TOKEN === undefined ? {} : { deployToken: env.W7S_DEPLOY_TOKEN }),
      oidc: {
        ...(env.W7S_OIDC_ISSUER === undefined ? {} : { issuer: env.W7S_OIDC_ISSUER }),
        ...(env.W7S_OIDC_JWKS_URL === undefined ? {} : { jwksUrl: env.W7S_OIDC_JWKS_URL }),
        ...(audiences.length === 0 ? {} : { audiences }),
      },
    },
    ai:
      env.W7S_AI_BASE_URL === undefined || env.W7S_AI_BASE_URL === ""
        ? undefined
        : { baseUrl: env.W7S_AI_BASE_URL, apiKey: env.W7S_AI_API_KEY },
    domains: { resolverUrl: env.W7S_DOH_URL },
    telegram:
      env.W7S_TELEGRAM_BOT_TOKEN === undefined || env.W7S_TELEGRAM_BOT_TOKEN === ""
        ? undefined
        : { botToken: env.W7S_TELEGRAM_BOT_TOKEN, apiUrl: env.W7S_TELEGRAM_API_URL },
  });
  // Every Layer is a plain value (no resources to open), so the services are built synchronously.
  const services = Effect.runSync(
    Effect.scoped(Layer.build(layer)),
  ) as Context.Context<CloudflarePlatformServices>;
  const runWith = Effect.runPromiseWith(services);
  // A defect becomes the core's "Internal error." answer; the operator's log (wrangler tail) says what it was.
  const run: Core["run"] = (effect) =>
    runWith(
      (effect as Effect.Effect<never, never, CloudflarePlatformServices>).pipe(
        Effect.tapDefect((defect) => Effect.sync(() => console.error("w7s: unexpected failure:", defect))),
      ),
    );
  // Accounting notes responses in memory; it is flushed after each request inside that request's
  // `waitUntil` (a Worker has no background timers outside requests), so its own timer is only a backstop.
  const accountant = Effect.runSync(
    makeRuntimeAccountant(config, { flushIntervalMs: 3_600_000 }).pipe(
      Effect.provide(services),
      Scope.provide(Scope.makeUnsafe()),
    ) as Effect.Effect<RuntimeAccountant>,
  );
  return {
    config,
    run,
    accountant,
    app: makeHttpApp({
      config,
      run: (effect) => run(effect),
      accounting: accountant,
      manifests: makeManifestCache(),
      peerAddress: (request) => request.headers.get("cf-connecting-ip") ?? undefined,
    }),
    internal: makeInternalApiApp({ config, run: run as PlatformServiceRunner }),
  };
};

// One core per isolate: its parts hold no request's I/O objects, only bindings and caches.
let core: { readonly env: CoreEnv; readonly core: Core } | undefined;
const coreOf = (env: CoreEnv): Core => {
  if (core?.env !== env) core = { env, core: buildCore(env) };
  return core.core;
};

const HOUR_MS = 3_600_000;

/** One minute of the cron trigger: due schedules, the outbox, and on the hour the cleanup. */
export const runScheduledMinute = async (env: CoreEnv, at: number): Promise<void> => {
  const { config, run } = coreOf(env);
  const jobs: Promise<unknown>[] = [run(dispatchScheduledMinute(at, config))];
  if (config.notifications !== null) jobs.push(run(deliverNotifications()));
  if (at % HOUR_MS < 60_000) jobs.push(run(runCleanup()));
  const results = await Promise.allSettled(jobs);
  for (const result of results)
    if (result.status === "rejected") console.error(`w7s scheduled: ${String(result.reason)}`);
};

/** The tail handler's work: each trace of an app script is stored under the app it was published for. */
export const captureTraces = async (env: CoreEnv, traces: ReadonlyArray<TraceItem>): Promise<void> => {
  const { config, run } = coreOf(env);
  const control = controlPlaneStub(env.CONTROL_PLANE);
  const byScript = new Map<string, TraceItem[]>();
  for (const trace of traces) {
    if (trace.scriptName === null || !trace.scriptName.startsWith("w7s-")) continue;
    const group = byScript.get(trace.scriptName) ?? [];
    group.push(trace);
    byScript.set(trace.scriptName, group);
  }
  const batches: CapturedBatch[] = [];
  for (const [scriptName, items] of byScript) {
    const owner = await control.backendOfScript(scriptName);
    if (owner === null) continue;
    batches.push({
      app: owner.app,
      scriptName,
      secrets: owner.secrets,
      traces: items as unknown as TailTrace[],
    });
  }
  if (batches.length === 0) return;
  const retentionSeconds = logRetentionSecondsOf(env);
  await run(captureLogBatches(batches, config, retentionSeconds === undefined ? {} : { retentionSeconds }));
};

export default {
  fetch: async (request: Request, env: CoreEnv, ctx: ExecutionContext) => {
    const core = coreOf(env);
    const response = await core.app.fetch(request, env, ctx);
    ctx.waitUntil(
      new Promise((done) => setTimeout(done, 0)).then(() =>
        core
          .run(core.accountant.flush)
          .catch((error: unknown) => console.error(`w7s accounting: ${String(error)}`)),
      ),
    );
    return response;
  },
  scheduled: async (controller: ScheduledController, env: CoreEnv, ctx: ExecutionContext) => {
    ctx.waitUntil(runScheduledMinute(env, controller.scheduledTime));
  },
  queue: async (batch: MessageBatch<PlatformQueueMessage>, env: CoreEnv) => {
    const { config, run } = coreOf(env);
    await consumeQueueBatch(batch, {
      producer: env.W7S_QUEUE,
      control: controlPlaneStub(env.CONTROL_PLANE),
      deliver: (delivered) => run(deliverQueueBatch(delivered, config)),
    });
  },
  tail: async (traces: TraceItem[], env: CoreEnv) => {
    await captureTraces(env, traces);
  },
} satisfies ExportedHandler<CoreEnv, PlatformQueueMessage>;

/** `W7S_RPC`, `W7S_QUEUE`, `W7S_WORKFLOW`, `W7S_AI`, `W7S_EVENTS` of every app: the core's internal API. */
export class PlatformService extends WorkerEntrypoint<CoreEnv> {
  override fetch(request: Request): Promise<Response> {
    return Promise.resolve(coreOf(this.env).internal.fetch(request));
  }
}

/** The Workflow class (`W7S_WORKFLOWS`): one retried step per instance. */
export class W7sWorkflow extends WorkflowEntrypoint<CoreEnv, WorkflowParams> {
  override async run(event: WorkflowEvent<WorkflowParams>, step: WorkflowStep): Promise<unknown> {
    const { config, run } = coreOf(this.env);
    return runWorkflowInstance(event.payload, step as never, {
      control: controlPlaneStub(this.env.CONTROL_PLANE),
      deliver: (stored) => run(deliverWorkflowInstance(stored, config)),
    });
  }
}
