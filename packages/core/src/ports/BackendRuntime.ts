/** Port: publish an app's backend module graph with its bindings, dispatch requests to it, retire it. */
import { Context, type Effect, Schema } from "effect";
import type { RuntimeError } from "./PortErrors.js";
import { AppRef } from "./records/AppRef.js";

const optional = Schema.optionalKey;
const binding = <Type extends string, Fields extends Schema.Struct.Fields>(type: Type, fields: Fields) =>
  Schema.Struct({ type: Schema.Literal(type), name: Schema.String, ...fields });

/** One binding on the backend's `env` (E.1); the runtime must give an app only its own resources. */
export const RuntimeBinding = Schema.Union([
  binding("plain_text", { text: Schema.String }),
  binding("secret_text", { text: Schema.String }),
  /** Storage bindings carry the provider's id of the resource (`ManagedResource.id`; a bucket's name on Cloudflare). */
  binding("kv_namespace", { namespaceId: Schema.String }),
  binding("r2_bucket", { bucketName: Schema.String }),
  binding("d1", { databaseId: Schema.String }),
  binding("hyperdrive", { id: Schema.String }),
  binding("send_email", {
    destinationAddress: optional(Schema.String),
    allowedDestinationAddresses: optional(Schema.Array(Schema.String)),
    allowedSenderAddresses: optional(Schema.Array(Schema.String)),
  }),
  binding("durable_object_namespace", { className: Schema.String }),
  binding("queue", { queueName: Schema.String }),
  /** `W7S_RPC`, `W7S_QUEUE`, `W7S_WORKFLOW`, `W7S_AI`, `W7S_EVENTS`: a fetcher to the platform's internal API. */
  binding("platform_service", { service: Schema.Literals(["rpc", "queue", "workflow", "ai", "events"]) }),
]);
export type RuntimeBinding = typeof RuntimeBinding.Type;

/** One ES module, named by its path relative to the backend root (`index.ts`, `lib/db.js`). */
export const BackendModule = Schema.Struct({ name: Schema.String, content: Schema.String });
export type BackendModule = typeof BackendModule.Type;

/**
 * Everything needed to run one deployment's backend. The runtime addresses it by `deploymentId`, so
 * redeploying the same commit never changes the code a live deployment runs until the switch; `scriptName`
 * is the B.8 name (an adapter whose platform names scripts may publish under it).
 */
export const BackendBundle = Schema.Struct({
  deploymentId: Schema.String,
  /** The app the backend belongs to: state that outlives one deployment (stateful objects) is kept per app. */
  app: AppRef,
  scriptName: Schema.String,
  mainModule: Schema.String,
  modules: Schema.Array(BackendModule),
  bindings: Schema.Array(RuntimeBinding),
  compatibilityDate: Schema.String,
  compatibilityFlags: Schema.Array(Schema.String),
  /** Stateful object classes exported by the bundle; their state survives redeploys of the same script. */
  durableObjectClasses: Schema.Array(Schema.String),
});
export type BackendBundle = typeof BackendBundle.Type;

/** A backend the runtime holds. */
export interface PublishedBackend {
  readonly deploymentId: string;
  readonly publishedAt: string;
}

/** Runs app backends isolated from each other and from the platform. */
export class BackendRuntime extends Context.Service<
  BackendRuntime,
  {
    /** Makes a backend dispatchable under `bundle.deploymentId`; `Rejected` when the module graph does not load. */
    readonly publish: (
      bundle: BackendBundle,
    ) => Effect.Effect<{ readonly startupTimeMs: number | null }, RuntimeError>;
    /** Sends one request to a published backend and returns its response unchanged. */
    readonly dispatch: (deploymentId: string, request: Request) => Effect.Effect<Response, RuntimeError>;
    /** Every backend published and not retired, with when it was published (ISO), for retention cleanup. */
    readonly listPublished: () => Effect.Effect<ReadonlyArray<PublishedBackend>, RuntimeError>;
    /** Stops and removes a backend no deployment uses any more; unknown ids are ignored. */
    readonly retire: (deploymentId: string) => Effect.Effect<void, RuntimeError>;
    /**
     * Told that a backend is now its app's live one: a deploy or a rollback switched to it, or the server
     * started with it live. A runtime that keeps per-app state outside the deployment (stateful objects
     * and their alarms) hands that state to it and starts it; others need not implement this. It must
     * answer at once; the switch has already happened and does not wait for, or depend on, the answer.
     */
    readonly activate?: (deploymentId: string) => Effect.Effect<void, RuntimeError>;
  }
>()("@w7s/core/BackendRuntime") {}
