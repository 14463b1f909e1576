/** Port: deployment records, their lookups, and the atomic switch that makes a new deployment live. */
import { Context, type Effect, type Option } from "effect";
import type { StoreError } from "./PortErrors.js";
import type { AppRef } from "./records/AppRef.js";
import type {
  BindingTokenEntry,
  BindingTokenKind,
  CustomDomainMapping,
  EventSubscriptionMapping,
  QueueMapping,
  ScheduleMapping,
} from "./records/DeploymentIndexes.js";
import type { DeploymentRecord } from "./records/DeploymentRecord.js";
import type { Page, PageRequest } from "./records/Page.js";

/** A deployment record with the id its backend and assets were published under. */
export interface StoredDeployment {
  readonly deploymentId: string;
  readonly record: DeploymentRecord;
}

/** A custom-domain route, `pathPrefix` `/` for the host root. */
export interface DomainRoute {
  readonly hostname: string;
  readonly pathPrefix: string;
}

/**
 * Everything that becomes visible together when a deploy succeeds (DECISIONS 6). The store applies it in
 * one transaction: the `(environment, owner, repo)` pointer, new token entries, the app's schedule, queue
 * and event subscription mappings (each replaced as a set), new domain claims and the release of the app's
 * stale claims.
 */
export interface DeploymentSwitch {
  readonly app: AppRef;
  readonly deploymentId: string;
  /** The deployment id expected to be current, `null` for a first deploy; anything else fails with `Conflict`. */
  readonly replaces: string | null;
  readonly record: DeploymentRecord;
  readonly tokens: ReadonlyArray<BindingTokenEntry>;
  readonly schedules: ReadonlyArray<ScheduleMapping>;
  readonly queues: ReadonlyArray<QueueMapping>;
  /** Every subscription of the new deployment; a subscription it no longer declares stops receiving events. */
  readonly subscriptions: ReadonlyArray<EventSubscriptionMapping>;
  readonly claimDomains: ReadonlyArray<CustomDomainMapping>;
  /** Routes this app held that the new deployment no longer claims (B.14 decides which). */
  readonly releaseDomains: ReadonlyArray<DomainRoute>;
  /**
   * Keep only this many of the app's deployment records, newest first (by when each was first stored),
   * and never the one made live; older ones leave the history. Absent: nothing is removed.
   */
  readonly retain?: number;
}

/** The apps of one repository in every environment, or of one owner in one environment. */
export interface RepoRef {
  readonly orgSlug: string;
  readonly repoSlug: string;
}

/** Deployment records, token index, schedule index, queue mappings, event subscriptions and custom-domain claims. */
export class DeploymentStore extends Context.Service<
  DeploymentStore,
  {
    /** The live deployment of one app in one environment. */
    readonly current: (app: AppRef) => Effect.Effect<Option.Option<StoredDeployment>, StoreError>;
    /** Live deployments of every app, in a stable order, for hourly jobs. */
    readonly listCurrent: (page: PageRequest) => Effect.Effect<Page<StoredDeployment>, StoreError>;
    /**
     * Atomically makes `change.record` live, or fails with `Conflict` and changes nothing. Switching to a
     * deployment id the store already holds (a rollback) makes that stored record live again.
     */
    readonly switchDeployment: (change: DeploymentSwitch) => Effect.Effect<void, StoreError>;
    /** The app's retained deployment records, newest first (by when each was first stored), at most `limit`. */
    readonly history: (
      app: AppRef,
      limit: number,
    ) => Effect.Effect<ReadonlyArray<StoredDeployment>, StoreError>;
    /**
     * Every retained deployment of every app (live or kept for rollback), in a stable order: what the
     * hourly cleanup must keep the assets and backends of.
     */
    readonly listRetained: (page: PageRequest) => Effect.Effect<Page<StoredDeployment>, StoreError>;
    /** The live deployments of one repository's app in each environment. */
    readonly repoDeployments: (repo: RepoRef) => Effect.Effect<ReadonlyArray<StoredDeployment>, StoreError>;
    /** Whether an owner has any live deployment in an environment (whether its host is in use). */
    readonly ownerHasDeployments: (input: {
      readonly environment: string;
      readonly orgSlug: string;
    }) => Effect.Effect<boolean, StoreError>;
    /** Which app a per-deployment token hash was issued to (entries of old tokens are kept). */
    readonly findToken: (
      kind: BindingTokenKind,
      tokenHash: string,
    ) => Effect.Effect<Option.Option<BindingTokenEntry>, StoreError>;
    /** Every schedule of every live deployment, for the per-minute tick. */
    readonly listSchedules: () => Effect.Effect<ReadonlyArray<ScheduleMapping>, StoreError>;
    /** The app that consumes a managed queue. */
    readonly findQueue: (queueName: string) => Effect.Effect<Option.Option<QueueMapping>, StoreError>;
    /** The subscriptions of live deployments in one environment to one subject, in a stable order. */
    readonly listSubscriptions: (input: {
      readonly environment: string;
      readonly subject: string;
    }) => Effect.Effect<ReadonlyArray<EventSubscriptionMapping>, StoreError>;
    /** Every claimed route of one hostname, any prefix. */
    readonly domainRoutes: (
      hostname: string,
    ) => Effect.Effect<ReadonlyArray<CustomDomainMapping>, StoreError>;
    /** Every route one app holds, on any hostname. */
    readonly appDomainRoutes: (app: AppRef) => Effect.Effect<ReadonlyArray<CustomDomainMapping>, StoreError>;
  }
>()("@w7s/core/DeploymentStore") {}
