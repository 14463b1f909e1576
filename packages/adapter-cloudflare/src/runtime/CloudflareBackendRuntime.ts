/**
 * BackendRuntime on a Workers for Platforms dispatch namespace: each deployment's backend is its own script
 * (`w7s-<deploymentId>`), uploaded through the REST API with the bindings its manifest declared, and
 * requests reach it through the core Worker's dispatch namespace binding with the operator's CPU and
 * subrequest limits. One script per deployment keeps the switch atomic: the new code is live only when the
 * control plane's pointer names it, and the old script answers until then. A backend with stateful objects
 * is the exception: a Durable Object's storage belongs to its script, so such an app keeps one script
 * (`w7s-app-<hash of the app>`) that every deploy replaces, with migrations that add only new classes; its
 * state survives redeploys, and its switch is as atomic as Cloudflare's script replacement.
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

/** The one script of an app whose backend has stateful objects. */
export const appScriptNameOf = async (app: BackendBundle["app"]): Promise<string> => {
  const digest = new Uint8Array(
    await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(`${app.environment}\n${app.orgSlug}\n${app.repoSlug}`),
    ),
  );
  return `w7s-app-${Array.from(digest.slice(0, 12), (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
};

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
  /** `null`: this upload migrates nothing. */
  migrations: Record<string, unknown> | null = bundle.durableObjectClasses.length === 0
    ? null
    : { new_tag: "v1", new_sqlite_classes: [...bundle.durableObjectClasses] },
): ScriptMetadata & { readonly tail_consumers?: ReadonlyArray<{ readonly service: string }> } => ({
  main_module: bundle.mainModule,
  compatibility_date: bundle.compatibilityDate,
  compatibility_flags: [...bundle.compatibilityFlags],
  bindings: bundle.bindings.flatMap((binding) => {
    const entry = metadataBinding(binding, coreWorker);
    return entry === undefined ? [] : [entry];
  }),
  ...(migrations === null ? {} : { migrations }),
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
  // deploymentId -> script never changes once published, so the lookup is kept for the isolate's life.
  const scripts = new Map<string, string>();
  const scriptOf = async (deploymentId: string): Promise<string> => {
    const known = scripts.get(deploymentId);
    if (known !== undefined) return known;
    const stored = (await options.control.backendScript(deploymentId)) ?? scriptNameOf(deploymentId);
    if (scripts.size > 10_000) scripts.clear();
    scripts.set(deploymentId, stored);
    return stored;
  };
  return {
    publish: (bundle) =>
      Effect.gen(function* () {
        const started = Date.now();
        const stateful = bundle.durableObjectClasses.length > 0;
        const scriptName = stateful
          ? yield* Effect.promise(() => appScriptNameOf(bundle.app))
          : scriptNameOf(bundle.deploymentId);
        // A shared script migrates from the tag of its last upload, adding only the classes it did not have.
        const previous = stateful
          ? yield* Effect.tryPromise({
              try: () => options.control.scriptState(scriptName),
              catch: failure("BackendRuntime.publish", "Unavailable"),
            })
          : null;
        const known = new Set(previous?.classes ?? []);
        const added = bundle.durableObjectClasses.filter((className) => !known.has(className));
        const tag = previous === null ? 1 : added.length === 0 ? previous.tag : previous.tag + 1;
        const migrations = !stateful
          ? undefined
          : previous === null
            ? { new_tag: `v${tag}`, new_sqlite_classes: added }
            : added.length === 0
              ? undefined
              : { old_tag: `v${previous.tag}`, new_tag: `v${tag}`, new_sqlite_classes: added };
        yield* options.api
          .uploadScript(options.namespace, scriptName, {
            mainModule: bundle.mainModule,
            modules: bundle.modules.map((module) => ({
              name: module.name,
              content: module.content,
              type: "esm",
            })),
            metadata: scriptMetadata(
              bundle,
              options.coreWorker,
              options.captureLogs ?? true,
              migrations ?? null,
            ),
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
        scripts.set(bundle.deploymentId, scriptName);
        yield* Effect.tryPromise({
          try: () =>
            options.control.backendPut(
              bundle.deploymentId,
              scriptName,
              new Date().toISOString(),
              bundle.app,
              bundle.bindings.flatMap((binding) => (binding.type === "secret_text" ? [binding.text] : [])),
              [...known, ...added],
              stateful ? tag : 0,
            ),
          catch: failure("BackendRuntime.publish", "Unavailable"),
        });
        return { startupTimeMs: Date.now() - started };
      }),
    dispatch: (deploymentId, request) =>
      Effect.tryPromise({
        try: async () => options.dispatcher.get(await scriptOf(deploymentId), {}, { limits }).fetch(request),
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
        const [scriptName, shared] = yield* Effect.tryPromise({
          try: () => Promise.all([scriptOf(deploymentId), options.control.backendScriptShared(deploymentId)]),
          catch: failure("BackendRuntime.retire", "Unavailable"),
        });
        // An app's shared script stays while another of its deployments uses it.
        if (!shared)
          yield* options.api.deleteScript(options.namespace, scriptName).pipe(
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
        scripts.delete(deploymentId);
      }),
  };
};

/** The BackendRuntime Layer. */
export const cloudflareBackendRuntimeLayer = (
  options: CloudflareRuntimeOptions,
): Layer.Layer<BackendRuntime> => Layer.succeed(BackendRuntime, makeCloudflareBackendRuntime(options));
