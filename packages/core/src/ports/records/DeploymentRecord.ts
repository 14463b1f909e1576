/** The deployment record of one app in one environment (B.12), as stored and as echoed by deploy (B.13). */
import { Schema } from "effect";

const optional = Schema.optionalKey;
const Strings = Schema.Array(Schema.String);

/** `routing`, present only when `defaultDomain` is false or a custom-domain authority is declared. */
export const DeploymentRouting = Schema.Struct({
  defaultDomain: Schema.Boolean,
  customDomainBranchMode: optional(Schema.Literal("direct")),
  customDomainAuthority: optional(
    Schema.Struct({
      domains: Strings,
      allow: Schema.Array(Schema.Struct({ pathPrefix: Schema.String, repository: Schema.String })),
    }),
  ),
});

/** Managed storage and runtime values bound to a native backend; vars and secrets by name only. */
export const DeploymentBindings = Schema.Struct({
  kv: optional(
    Schema.Array(Schema.Struct({ binding: Schema.String, name: Schema.String, namespaceId: Schema.String })),
  ),
  r2: optional(Schema.Array(Schema.Struct({ binding: Schema.String, bucketName: Schema.String }))),
  d1: optional(
    Schema.Array(
      Schema.Struct({
        binding: Schema.String,
        name: Schema.String,
        databaseId: Schema.String,
        migrationsApplied: optional(Schema.Number),
      }),
    ),
  ),
  durableObjects: optional(Schema.Array(Schema.Struct({ binding: Schema.String, className: Schema.String }))),
  hyperdrive: optional(Schema.Array(Schema.Struct({ binding: Schema.String, id: Schema.String }))),
  email: optional(
    Schema.Array(
      Schema.Struct({
        binding: Schema.String,
        destinationAddress: optional(Schema.String),
        allowedDestinationAddresses: optional(Strings),
        allowedSenderAddresses: optional(Strings),
      }),
    ),
  ),
  vars: optional(Strings),
  secrets: optional(Strings),
});

/** The published backend (`targets.worker`). */
export const WorkerTarget = Schema.Struct({
  namespace: Schema.String,
  scriptName: Schema.String,
  entrypoint: Schema.String,
  compatibilityDate: Schema.String,
  startupTimeMs: Schema.NullOr(Schema.Number),
  tags: optional(Strings),
});

/** The published static site (`targets.static`). */
export const StaticTarget = Schema.Struct({
  manifestKey: Schema.String,
  assetPrefix: Schema.String,
  fileCount: Schema.Number,
  totalSize: Schema.Number,
  hasIndex: Schema.Boolean,
});

/** A deployment record, `deployment:v1:<env>:<org>:<repo>`. Token hashes never leave the platform. */
export const DeploymentRecord = Schema.Struct({
  version: Schema.Literal(1),
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  sourceRepoSlug: Schema.String,
  application: Schema.String,
  environment: Schema.String,
  /** `owner/repo` exactly as sent, original case. */
  repository: Schema.String,
  branch: Schema.String,
  commitSha: Schema.String,
  deployedAt: Schema.String,
  customDomains: optional(Strings),
  routing: optional(DeploymentRouting),
  bindings: optional(DeploymentBindings),
  ai: optional(Schema.Struct({ binding: Schema.Literal("W7S_AI"), tokenHash: Schema.String })),
  rpc: optional(
    Schema.Struct({ binding: Schema.Literal("W7S_RPC"), tokenHash: Schema.String, allow: Strings }),
  ),
  queue: optional(
    Schema.Struct({
      binding: Schema.Literal("W7S_QUEUE"),
      tokenHash: Schema.String,
      allow: Strings,
      queues: Schema.Array(
        Schema.Struct({
          name: Schema.String,
          queueName: Schema.String,
          queueId: Schema.String,
          consumer: Schema.String,
        }),
      ),
    }),
  ),
  workflow: optional(
    Schema.Struct({
      binding: Schema.Literal("W7S_WORKFLOW"),
      tokenHash: Schema.String,
      allow: Strings,
      workflows: Schema.Array(Schema.Struct({ name: Schema.String, path: Schema.String })),
    }),
  ),
  /** `events` of w7s.json with each subscription's managed queue; absent on records made before events. */
  events: optional(
    Schema.Struct({
      binding: Schema.Literal("W7S_EVENTS"),
      tokenHash: Schema.String,
      publish: Strings,
      allow: Strings,
      subscribe: Schema.Array(
        Schema.Struct({ subject: Schema.String, queue: Schema.String, queueName: Schema.String }),
      ),
    }),
  ),
  schedules: optional(Schema.Array(Schema.Struct({ cron: Schema.String, path: Schema.String }))),
  targets: Schema.Struct({ worker: optional(WorkerTarget), static: optional(StaticTarget) }),
});
export type DeploymentRecord = typeof DeploymentRecord.Type;
