/**
 * The failures ports report: one tagged error per port family, each with a closed set of reasons.
 * Adapters translate their native failures (errno, SQLite codes, provider API errors) into these at the edge.
 */
import { Data } from "effect";

/** Where a port failure happened and what the adapter knows about it. */
interface PortFailure<Reason extends string> {
  readonly reason: Reason;
  /** The port and operation that failed, e.g. `DeploymentStore.switchDeployment`. */
  readonly operation: string;
  readonly description?: string;
  readonly cause?: unknown;
}

const describe = (failure: PortFailure<string>): string =>
  failure.description === undefined
    ? `${failure.operation}: ${failure.reason}`
    : `${failure.operation}: ${failure.reason} (${failure.description})`;

/** Reasons a storage port (records, assets, usage, logs, locks, analytics) can fail. */
export type StoreErrorReason = "NotFound" | "Conflict" | "Unavailable" | "Corrupt";

/** DeploymentStore, AssetStore, UsageStore, LogStore, SchedulerLock, AnalyticsSink failures. */
export class StoreError extends Data.TaggedError("StoreError")<PortFailure<StoreErrorReason>> {
  override get message(): string {
    return describe(this);
  }
}

/** Reasons the backend runtime can fail: no such backend, module graph refused, down, or out of time. */
export type RuntimeErrorReason = "NotFound" | "Rejected" | "Unavailable" | "Timeout";

/** BackendRuntime failures. */
export class RuntimeError extends Data.TaggedError("RuntimeError")<PortFailure<RuntimeErrorReason>> {
  override get message(): string {
    return describe(this);
  }
}

/** Reasons provisioning can fail. */
export type ProvisionErrorReason =
  | "NotFound"
  | "Conflict"
  | "LimitReached"
  | "MigrationFailed"
  | "Unavailable";

/** Provisioner failures; `migration` names the migration file a `MigrationFailed` stopped at. */
export class ProvisionError extends Data.TaggedError("ProvisionError")<
  PortFailure<ProvisionErrorReason> & { readonly migration?: string }
> {
  override get message(): string {
    return describe(this);
  }
}

/** Reasons durable delivery (queues, workflows) can fail. */
export type DeliveryErrorReason = "NotFound" | "Conflict" | "TooLarge" | "Unavailable";

/** QueueBroker and WorkflowEngine failures. */
export class DeliveryError extends Data.TaggedError("DeliveryError")<PortFailure<DeliveryErrorReason>> {
  override get message(): string {
    return describe(this);
  }
}

/** Reasons an outside authority (GitHub API, OIDC keys, DNS) could not answer. */
export type UpstreamErrorReason = "Unavailable" | "Timeout" | "BadResponse" | "Misconfigured";

/** RepoAuth and DomainVerifier failures: the upstream could not answer (a "no" is a value, not an error). */
export class UpstreamError extends Data.TaggedError("UpstreamError")<PortFailure<UpstreamErrorReason>> {
  override get message(): string {
    return describe(this);
  }
}

/**
 * Reasons a chat message could not be delivered: the service is down or answered 5xx (`Unavailable`), it
 * asked us to slow down (`RateLimited`, with `retryAfterSeconds`), took too long (`Timeout`), refused this
 * message for good (`Rejected`: unknown chat, bot blocked, bad text), or the bot token is wrong or unset
 * (`Misconfigured`).
 */
export type NotifyErrorReason = "Unavailable" | "RateLimited" | "Timeout" | "Rejected" | "Misconfigured";

/** Notifier failures; the first three are worth retrying later, the last two are not. */
export class NotifyError extends Data.TaggedError("NotifyError")<
  PortFailure<NotifyErrorReason> & { readonly retryAfterSeconds?: number }
> {
  override get message(): string {
    return describe(this);
  }
}
