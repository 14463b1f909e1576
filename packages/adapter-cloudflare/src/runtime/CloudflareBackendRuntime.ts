/**
 * BackendRuntime on a Workers for Platforms dispatch namespace: each deployment's backend is its own script
 * (`w7s-<deploymentId>`), uploaded through the REST API with the bindings its manifest declared, and
 * requests reach it through the core Worker's dispatch namespace binding with the operator's CPU and
 * subrequest limits. One script per deployment keeps the switch atomic: the new code is live only when the
 * control plane's pointer names it, and the old script answers until then.
 */
import { type BackendBundle, BackendRuntime, type RuntimeBinding, RuntimeError } from "@w7s/core";
import { Effect, Layer } from "effect";
import { type ApiFailure, type DispatchApi, describeApiFailure, type ScriptMetadata } from "../api.js";
import type { ControlPlaneStub } from "../state/controlPlaneClient.js";

export interface CloudflareRuntimeOptions {
  readonly api: DispatchApi;
  /** The dispatch namespace's name (upload target) and its binding on the core Worker (dispatch). */
  readonly namespace: string;
  readonly dispatcher: DispatchNamespace;
  /** The core Worker's script name: `W7S_*` bindings are service bindings to its `PlatformService`. */
  readonly coreWorker: string;
  /** `W7S_USER_WORKER_CPU_MS` and `W7S_USER_WORKER_SUBREQUESTS`. */
  readonly limits?: { readonly cpuMs?: number | undefined; readonly subRequests?: number | undefined };
  /** Send every backend's traces to the core Worker's tail handler (G.2); default true. */
  readonly captureLogs?: boolean;
  readonly control: ControlPlaneStub;
}

/** The named entrypoint of the core Worker that serves the platform bindings. */
export const PLATFORM_ENTRYPOINT = "PlatformService";

/** The dispatch script of a deployment. */
export const scriptNameOf = (deploymentId: string): string => `w7s-${deploymentId}`;

/** One binding in the upload metadata's JSON shape. */
export const metadataBinding = (
  binding: RuntimeBinding,
  coreWorker: string,
): (Record<string, unknown> & { type: string; name: string }) | undefined => {
  const { name } = binding;
  switch (binding.type) {
    case "plain_text":
    case "secret_text":
      return { type: binding.type, name, text: binding.text };
    case "kv_namespace":
      return { type: "kv_namespace", name, namespace_id: binding.namespaceId };
    case "r2_bucket":
      return { type: "r2_bucket", name, bucket_name: binding.bucketName };
    case "d1":
      return { type: "d1", name, id: binding.databaseId };
    case "hyperdrive":
      return { type: "hyperdrive", name, id: binding.id };
    case "durable_object_namespace":
      return { type: "durable_object_namespace", name, class_name: binding.className };
    case "queue":
      return { type: "queue", name, queue_name: binding.queueName };
    case "send_email":
      return {
        type: "send_email",
        name,
        ...(binding.destinationAddress === undefined
          ? {}
          : { destination_address: binding.destinationAddress }),
        ...(binding.allowedDestinationAddresses === undefined
          ? {}
          : { allowed_destination_addresses: binding.allowedDestinationAddresses }),
        ...(binding.allowedSenderAddresses === undefined
          ? {}
          : { allowed_sender_addresses: binding.allowedSenderAddresses }),
      };
    case "platform_service":
      return { type: "service", name, service: coreWorker, entrypoint: PLATFORM_ENTRYPOINT };
    default:
      return undefined;
  }
};

/** The upload metadata of a bundle. */
export const scriptMetadata = (
  bundle: BackendBundle,
  coreWorker: string,
  captureLogs: boolean,
): ScriptMetadata & { readonly tail_consumers?: ReadonlyArray<{ readonly service: string }> } => ({
  main_module: bundle.mainModule,
  compatibility_date: bundle.compatibilityDate,
  compatibility_flags: [...bundle.compatibilityFlags],
  bindings: bundle.bindings.flatMap((binding) => {
    const entry = metadataBinding(binding, coreWorker);
    return entry === undefined ? [] : [entry];
  }),
  ...(bundle.durableObjectClasses.length === 0
    ? {}
    : { migrations: { new_tag: "v1", new_sqlite_classes: [...bundle.durableObjectClasses] } }),
  tags: [
    `w7s-env:${bundle.app.environment}`,
    `w7s-owner:${bundle.app.orgSlug}`,
    `w7s-repo:${bundle.app.repoSlug}`,
  ],
  ...(captureLogs ? { tail_consumers: [{ service: coreWorker }] } : {}),
});

const failure = (operation: string, reason: RuntimeError["reason"]) => (cause: unknown) =>
  new RuntimeError({
    reason,
    operation,
    description:
      typeof cause === "object" && cause !== null && "call" in cause
        ? describeApiFailure(cause as ApiFailure)
        : cause instanceof Error
          ? cause.message
          : String(cause),
    cause,
  });

/** The runtime on one dispatch namespace. */
export const makeCloudflareBackendRuntime = (
  options: CloudflareRuntimeOptions,
): BackendRuntime["Service"] => {
  const limits = {
    ...(options.limits?.cpuMs === undefined ? {} : { cpuMs: options.limits.cpuMs }),
    ...(options.limits?.subRequests === undefined ? {} : { subRequests: options.limits.subRequests }),
  };
  return {
    publish: (bundle) =>
      Effect.gen(function* () {
        const started = Date.now();
        const scriptName = scriptNameOf(bundle.deploymentId);
        yield* options.api
          .uploadScript(options.namespace, scriptName, {
            mainModule: bundle.mainModule,
            modules: bundle.modules.map((module) => ({
              name: module.name,
              content: module.content,
              type: "esm",
            })),
            metadata: scriptMetadata(bundle, options.coreWorker, options.captureLogs ?? true),
          })
          .pipe(
            // A 4xx is Cloudflare refusing the module graph (syntax, bindings); anything else is the API.
            Effect.mapError((cause) =>
              failure(
                "BackendRuntime.publish",
                cause.status >= 400 && cause.status < 500 && cause.status !== 429
                  ? "Rejected"
                  : "Unavailable",
              )(cause),
            ),
          );
        yield* Effect.tryPromise({
          try: () =>
            options.control.backendPut(
              bundle.deploymentId,
              scriptName,
              new Date().toISOString(),
              bundle.app,
              bundle.bindings.flatMap((binding) => (binding.type === "secret_text" ? [binding.text] : [])),
            ),
          catch: failure("BackendRuntime.publish", "Unavailable"),
        });
        return { startupTimeMs: Date.now() - started };
      }),
    dispatch: (deploymentId, request) =>
      Effect.tryPromise({
        try: () => options.dispatcher.get(scriptNameOf(deploymentId), {}, { limits }).fetch(request),
        catch: (cause) =>
          failure(
            "BackendRuntime.dispatch",
            cause instanceof Error && /not found/i.test(cause.message) ? "NotFound" : "Unavailable",
          )(cause),
      }),
    listPublished: () =>
      Effect.tryPromise({
        try: async () =>
          (await options.control.backendList()).map((row) => ({
            deploymentId: row.deployment_id,
            publishedAt: row.published_at,
          })),
        catch: failure("BackendRuntime.listPublished", "Unavailable"),
      }),
    retire: (deploymentId) =>
      Effect.gen(function* () {
        yield* options.api.deleteScript(options.namespace, scriptNameOf(deploymentId)).pipe(
          Effect.catchIf(
            (cause) => cause.status === 404,
            () => Effect.void,
          ),
          Effect.mapError(failure("BackendRuntime.retire", "Unavailable")),
        );
        yield* Effect.tryPromise({
          try: () => options.control.backendDelete(deploymentId),
          catch: failure("BackendRuntime.retire", "Unavailable"),
        });
      }),
  };
};

/** The BackendRuntime Layer. */
export const cloudflareBackendRuntimeLayer = (
  options: CloudflareRuntimeOptions,
): Layer.Layer<BackendRuntime> => Layer.succeed(BackendRuntime, makeCloudflareBackendRuntime(options));
