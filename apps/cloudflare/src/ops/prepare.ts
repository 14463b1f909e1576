/**
 * `prepare:cloudflare`: creates or reuses the account resources the core Worker binds (the deployments KV
 * namespace, the static-assets R2 bucket, the dispatch namespace, the platform Queue) through the REST API,
 * and writes the wrangler config and the secrets file `wrangler deploy` reads, from the operator's GitHub
 * variables and secrets (the self-host page's names).
 */
import type { makeCloudflareApi } from "@w7s/cloudflare-api";
import { Effect } from "effect";

type Api = ReturnType<typeof makeCloudflareApi>;

/** The operator's variables, with the self-host page's defaults. */
export interface OperatorSettings {
  readonly zoneName: string;
  readonly coreWorker: string;
  readonly deploymentsKv: string;
  readonly staticAssetsBucket: string;
  readonly dispatchNamespace: string;
  readonly queueName: string;
  readonly workflowName: string;
  readonly analyticsDataset: string | undefined;
  readonly userWorkerCpuMs: string;
  readonly userWorkerSubrequests: string;
  readonly telegramEvents: string | undefined;
  readonly logRetentionSeconds: string | undefined;
  readonly attachWildcardRoute: boolean;
}

const value = (env: Readonly<Record<string, string | undefined>>, name: string): string | undefined => {
  const found = env[name]?.trim();
  return found === undefined || found === "" ? undefined : found;
};

export class PrepareError extends Error {}

/** Reads the settings; `W7S_ZONE_NAME` and the account id are required. */
export const operatorSettingsOf = (env: Readonly<Record<string, string | undefined>>): OperatorSettings => {
  const zoneName = value(env, "W7S_ZONE_NAME");
  if (zoneName === undefined)
    throw new PrepareError("W7S_ZONE_NAME is required (the Cloudflare zone, e.g. example.com).");
  return {
    zoneName,
    coreWorker: value(env, "W7S_CORE_WORKER_NAME") ?? "w7s-core",
    deploymentsKv: value(env, "W7S_DEPLOYMENTS_KV_NAME") ?? "w7s-io-deployments",
    staticAssetsBucket: value(env, "W7S_STATIC_ASSETS_BUCKET") ?? "w7s-io-static-assets",
    dispatchNamespace: value(env, "W7S_DISPATCH_NAMESPACE") ?? "w7s-isolate",
    queueName: value(env, "W7S_QUEUE_NAME") ?? "w7s-platform-queue",
    workflowName: value(env, "W7S_WORKFLOW_NAME") ?? "w7s-workflows",
    analyticsDataset: value(env, "W7S_ANALYTICS_DATASET"),
    userWorkerCpuMs: value(env, "W7S_USER_WORKER_CPU_MS") ?? "50",
    userWorkerSubrequests: value(env, "W7S_USER_WORKER_SUBREQUESTS") ?? "25",
    telegramEvents: value(env, "W7S_TELEGRAM_EVENTS"),
    logRetentionSeconds: value(env, "W7S_LOG_RETENTION_SECONDS"),
    attachWildcardRoute: value(env, "W7S_ATTACH_WILDCARD_ROUTE") === "true",
  };
};

/** The secrets the Worker gets (`wrangler deploy --secrets-file`): only those that are set. */
export const workerSecretsOf = (
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> => {
  const names = [
    "CLOUDFLARE_API_TOKEN",
    "W7S_DEPLOY_TOKEN",
    "W7S_TELEGRAM_BOT_TOKEN",
    "W7S_TELEGRAM_CHAT_ID",
    "W7S_TELEGRAM_WEBHOOK_SECRET",
    "W7S_AI_API_KEY",
  ];
  return Object.fromEntries(
    names.flatMap((name) => (value(env, name) === undefined ? [] : [[name, value(env, name)!]])),
  );
};

export const COMPATIBILITY_DATE = "2026-06-01";

/** The resources the config names. */
export interface PreparedResources {
  readonly accountId: string;
  readonly kvNamespaceId: string;
  readonly bucketName: string;
  readonly dispatchNamespace: string;
  readonly queueName: string;
}

/** Creates or reuses every account resource the Worker binds. */
export const ensureResources = (api: Api, accountId: string, settings: OperatorSettings) =>
  Effect.gen(function* () {
    const kv = yield* api.kv.ensureNamespace(settings.deploymentsKv);
    const bucket = yield* api.r2.ensureBucket(settings.staticAssetsBucket);
    const namespace = yield* api.dispatch.ensureNamespace(settings.dispatchNamespace);
    const queue = yield* api.queues.ensure(settings.queueName);
    return {
      accountId,
      kvNamespaceId: kv.id,
      bucketName: bucket.name,
      dispatchNamespace: namespace.namespace_name,
      queueName: queue.queue_name,
    } satisfies PreparedResources;
  });

/** The wrangler config (JSON; written as `wrangler.generated.jsonc`). */
export const wranglerConfigOf = (
  settings: OperatorSettings,
  resources: PreparedResources,
  build: {
    readonly main: string;
    readonly commit?: string;
    readonly branch?: string;
    readonly deployedAt?: string;
  },
) => ({
  $schema: "node_modules/wrangler/config-schema.json",
  name: settings.coreWorker,
  account_id: resources.accountId,
  // The Worker is bundled by `pnpm build` (esbuild, see @w7s/adapter-cloudflare/bundle).
  main: build.main,
  no_bundle: true,
  compatibility_date: COMPATIBILITY_DATE,
  compatibility_flags: ["nodejs_compat"],
  workers_dev: false,
  // Routes are reconciled by `reconcile:cloudflare-routes`, so that stale ones are removed too.
  triggers: { crons: ["* * * * *"] },
  kv_namespaces: [{ binding: "DEPLOYMENTS_KV", id: resources.kvNamespaceId }],
  r2_buckets: [{ binding: "STATIC_ASSETS", bucket_name: resources.bucketName }],
  dispatch_namespaces: [{ binding: "DISPATCHER", namespace: resources.dispatchNamespace }],
  durable_objects: { bindings: [{ name: "CONTROL_PLANE", class_name: "W7sControlPlane" }] },
  migrations: [{ tag: "v1", new_sqlite_classes: ["W7sControlPlane"] }],
  queues: {
    producers: [{ binding: "W7S_QUEUE", queue: resources.queueName }],
    // Retries are the core's (consumeQueueBatch); the Queue must not give up before it does.
    consumers: [{ queue: resources.queueName, max_batch_size: 100, max_batch_timeout: 1, max_retries: 100 }],
  },
  workflows: [{ name: settings.workflowName, binding: "W7S_WORKFLOWS", class_name: "W7sWorkflow" }],
  ...(settings.analyticsDataset === undefined
    ? {}
    : { analytics_engine_datasets: [{ binding: "ANALYTICS", dataset: settings.analyticsDataset }] }),
  observability: { enabled: true },
  vars: {
    W7S_ZONE_NAME: settings.zoneName,
    W7S_CORE_WORKER_NAME: settings.coreWorker,
    W7S_DISPATCH_NAMESPACE: resources.dispatchNamespace,
    W7S_USER_WORKER_CPU_MS: settings.userWorkerCpuMs,
    W7S_USER_WORKER_SUBREQUESTS: settings.userWorkerSubrequests,
    CLOUDFLARE_ACCOUNT_ID: resources.accountId,
    ...(settings.telegramEvents === undefined ? {} : { W7S_TELEGRAM_EVENTS: settings.telegramEvents }),
    ...(settings.logRetentionSeconds === undefined
      ? {}
      : { W7S_LOG_RETENTION_SECONDS: settings.logRetentionSeconds }),
    ...(build.commit === undefined ? {} : { W7S_BUILD_COMMIT: build.commit }),
    ...(build.branch === undefined ? {} : { W7S_BUILD_BRANCH: build.branch }),
    ...(build.deployedAt === undefined ? {} : { W7S_BUILD_DEPLOYED_AT: build.deployedAt }),
  },
});
