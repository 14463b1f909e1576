/**
 * Tiny in-memory ports for testing the core's own use cases. The real adapters (SQLite, Postgres, files,
 * workerd, GitHub) are tested in their own packages; these only record what the core asked for and fail
 * on demand.
 */
import { Effect, Layer, Option } from "effect";
import { AiProvider, type AiRunRequest } from "../src/ports/AiProvider.js";
import type { AnalyticsSink } from "../src/ports/AnalyticsSink.js";
import { type AssetMetadata, AssetStore } from "../src/ports/AssetStore.js";
import { type BackendBundle, BackendRuntime } from "../src/ports/BackendRuntime.js";
import {
  DeploymentStore,
  type DeploymentSwitch,
  type StoredDeployment,
} from "../src/ports/DeploymentStore.js";
import { DomainVerifier } from "../src/ports/DomainVerifier.js";
import { Ids } from "../src/ports/Ids.js";
import type { LogStore } from "../src/ports/LogStore.js";
import { NotificationStore } from "../src/ports/NotificationStore.js";
import { Notifier } from "../src/ports/Notifier.js";
import {
  DeliveryError,
  NotifyError,
  ProvisionError,
  RuntimeError,
  type RuntimeErrorReason,
  StoreError,
  type StoreErrorReason,
  UpstreamError,
} from "../src/ports/PortErrors.js";
import { Provisioner, type SqlMigration } from "../src/ports/Provisioner.js";
import { QueueBroker } from "../src/ports/QueueBroker.js";
import { type RepoAccess, type RepoAccessRequest, RepoAuth } from "../src/ports/RepoAuth.js";
import type { AppRef } from "../src/ports/records/AppRef.js";
import type {
  BindingTokenEntry,
  CustomDomainMapping,
  EventSubscriptionMapping,
  QueueMapping,
  ScheduleMapping,
} from "../src/ports/records/DeploymentIndexes.js";
import type { ManagedResource } from "../src/ports/records/ManagedResource.js";
import type {
  ChatLink,
  ChatMessage,
  ClaimedOutboxMessage,
  OutboxMessage,
} from "../src/ports/records/Notification.js";
import type { DeadLetter, QueueMessageEnvelope } from "../src/ports/records/QueueMessage.js";
import type { StaticManifest } from "../src/ports/records/StaticManifest.js";
import { SchedulerLock } from "../src/ports/SchedulerLock.js";
import type { UsagePolicyStore } from "../src/ports/UsagePolicyStore.js";
import type { UsageStore } from "../src/ports/UsageStore.js";
import { type StoredWorkflowInstance, WorkflowEngine } from "../src/ports/WorkflowEngine.js";
import {
  type MemoryObservability,
  makeMemoryObservability,
  memoryObservabilityLayer,
} from "./memoryObservability.js";
import { type MemoryUsage, makeMemoryUsage, memoryUsageLayer } from "./memoryUsage.js";

/** Failures to inject: each one makes the named operation fail. */
export interface InjectedFailures {
  putObject?: StoreErrorReason;
  /** How many more objects are stored before `putObject` starts failing (default 0). */
  objectsBeforeFailure?: number;
  putManifest?: StoreErrorReason;
  switchDeployment?: StoreErrorReason;
  /** How many switch attempts answer `Conflict` before the store accepts (a concurrent deploy). */
  conflicts?: number;
  publish?: RuntimeErrorReason;
  /** A migration whose name is listed here fails with this SQL error. */
  migrations?: Record<string, string>;
}

/** Everything the ports hold or were asked, open for assertions. */
export interface MemoryWorld {
  access: RepoAccess | UpstreamError;
  readonly verifyRequests: RepoAccessRequest[];
  readonly deployments: Map<string, StoredDeployment>;
  /** Every record stored per app, oldest first (a switch to a stored id adds nothing). */
  readonly history: Map<string, StoredDeployment[]>;
  /** Claimed custom-domain routes by `<hostname> <pathPrefix>`. */
  readonly domains: Map<string, CustomDomainMapping>;
  /** TXT records by name; a name listed in `txtFailures` fails its lookup instead. */
  readonly txt: Map<string, string[]>;
  readonly txtFailures: Set<string>;
  readonly switches: DeploymentSwitch[];
  readonly objects: Map<string, { body: Uint8Array; metadata: AssetMetadata }>;
  readonly manifests: Map<string, StaticManifest>;
  readonly backends: Map<string, BackendBundle>;
  /** When each backend in `backends` was published (ISO). */
  readonly publishedAt: Map<string, string>;
  readonly retired: string[];
  /** Provisioned resources by `env:org:repo:kind:binding`. */
  readonly resources: Map<string, ManagedResource>;
  /** Applied migrations per database id, in order. */
  readonly migrations: Map<string, SqlMigration[]>;
  /** Usage rollups, burst windows, suspensions and the operator's policy records. */
  readonly usage: MemoryUsage;
  /** Captured logs and analytics events. */
  readonly observability: MemoryObservability;
  failures: InjectedFailures;
  /** How a dispatched backend answers; without it dispatch fails with `NotFound`. */
  backendFetch?: (deploymentId: string, request: Request) => Response | RuntimeError;
  /** Objects read back say they came from memory (`cache: "memory"`), as a store with a memory cache does. */
  objectsInMemory?: boolean;
  /** How many ids were handed out, so every deploy of one world gets fresh ones. */
  readonly issued: { uuids: number; randomBytes: number };
  /** Token entries, schedules and queue mappings as the switches left them. */
  readonly tokens: Map<string, BindingTokenEntry>;
  readonly schedules: Map<string, ScheduleMapping>;
  readonly queues: Map<string, QueueMapping>;
  /** Event subscriptions by `<env> <subject> <org>/<repo> <queue>`. */
  readonly subscriptions: Map<string, EventSubscriptionMapping>;
  /** Envelopes sent, in order. */
  readonly sent: Array<{ queueName: string; envelope: QueueMessageEnvelope; delaySeconds?: number }>;
  readonly deadLetters: DeadLetter[];
  readonly workflows: Map<string, StoredWorkflowInstance>;
  /** Scheduler locks taken. */
  readonly locks: Set<string>;
  readonly aiRequests: AiRunRequest[];
  /** What the AI provider answers (a failure when it is an Error). */
  aiAnswer: unknown;
  /** Chats linked per `appKey`, by chat id. */
  readonly chatLinks: Map<string, Map<string, ChatLink>>;
  /** The outbox: every message not yet removed, with when it may be claimed next (ms) and its attempts. */
  readonly outbox: Map<
    string,
    { message: OutboxMessage; visibleAt: number; attempts: number; lastError?: string }
  >;
  /** When set, every NotificationStore operation fails with it. */
  notificationFailure?: StoreErrorReason;
  /** What the Notifier sent (or edited) at once, in order; each new message gets the next id. */
  readonly chatsSent: ChatMessage[];
  /** When set, the Notifier fails every send. */
  notifierDown?: boolean;
}

export const makeMemoryWorld = (): MemoryWorld => ({
  access: { granted: true, proof: "github-token" },
  verifyRequests: [],
  deployments: new Map(),
  history: new Map(),
  domains: new Map(),
  txt: new Map(),
  txtFailures: new Set(),
  switches: [],
  objects: new Map(),
  manifests: new Map(),
  backends: new Map(),
  publishedAt: new Map(),
  retired: [],
  resources: new Map(),
  migrations: new Map(),
  usage: makeMemoryUsage(),
  observability: makeMemoryObservability(),
  failures: {},
  issued: { uuids: 0, randomBytes: 0 },
  tokens: new Map(),
  schedules: new Map(),
  queues: new Map(),
  subscriptions: new Map(),
  sent: [],
  deadLetters: [],
  workflows: new Map(),
  locks: new Set(),
  aiRequests: [],
  aiAnswer: { response: "hi" },
  chatLinks: new Map(),
  outbox: new Map(),
  chatsSent: [],
});

export const appKey = (app: AppRef): string => `${app.environment}:${app.orgSlug}:${app.repoSlug}`;

const subscriptionKey = (subscription: EventSubscriptionMapping): string =>
  `${subscription.environment} ${subscription.subject} ${subscription.orgSlug}/${subscription.repoSlug} ${subscription.queue}`;

const storeError = (operation: string, reason: StoreErrorReason) =>
  Effect.fail(new StoreError({ operation, reason }));

/** The services `deployApp` uses, backed by `world`. */
export const memoryPorts = (
  world: MemoryWorld,
): Layer.Layer<
  | RepoAuth
  | DeploymentStore
  | AssetStore
  | BackendRuntime
  | Provisioner
  | UsageStore
  | UsagePolicyStore
  | DomainVerifier
  | Ids
  | QueueBroker
  | WorkflowEngine
  | AiProvider
  | SchedulerLock
  | LogStore
  | AnalyticsSink
  | NotificationStore
  | Notifier
> => {
  const issued = world.issued;
  return Layer.mergeAll(
    memoryUsageLayer(world.usage),
    Layer.succeed(QueueBroker, {
      send: (queueName, envelope, options) =>
        Effect.sync(() => {
          world.sent.push({
            queueName,
            envelope,
            ...(options?.delaySeconds === undefined ? {} : { delaySeconds: options.delaySeconds }),
          });
        }),
      deadLetters: (queueName, page) =>
        Effect.sync(() => ({
          items: world.deadLetters.filter((letter) => letter.queueName === queueName).slice(0, page.limit),
          cursor: null,
        })),
    }),
    Layer.succeed(WorkflowEngine, {
      create: (instanceId, instance, activeLimit) => {
        if (world.workflows.has(instanceId))
          return Effect.fail(new DeliveryError({ reason: "Conflict", operation: "WorkflowEngine.create" }));
        const active = [...world.workflows.values()].filter(
          (stored) =>
            stored.instance.target.environment === instance.target.environment &&
            stored.instance.target.orgSlug === instance.target.orgSlug &&
            stored.instance.target.repoSlug === instance.target.repoSlug &&
            (stored.status.status === "queued" || stored.status.status === "running"),
        ).length;
        if (active >= activeLimit) return Effect.succeed({ _tag: "ActiveLimit" as const, active });
        world.workflows.set(instanceId, { id: instanceId, instance, status: { status: "queued" } });
        return Effect.succeed({ _tag: "Created" as const, status: { status: "queued" as const } });
      },
      get: (instanceId) => Effect.sync(() => Option.fromUndefinedOr(world.workflows.get(instanceId))),
      countActive: (app) =>
        Effect.sync(
          () =>
            [...world.workflows.values()].filter(
              (stored) =>
                stored.instance.target.environment === app.environment &&
                stored.instance.target.orgSlug === app.orgSlug &&
                stored.instance.target.repoSlug === app.repoSlug &&
                (stored.status.status === "queued" || stored.status.status === "running"),
            ).length,
        ),
    }),
    Layer.succeed(AiProvider, {
      run: (request) =>
        Effect.suspend(() => {
          world.aiRequests.push(request);
          return world.aiAnswer instanceof Error
            ? Effect.fail(
                new UpstreamError({
                  reason: "BadResponse",
                  operation: "AiProvider.run",
                  description: world.aiAnswer.message,
                }),
              )
            : Effect.succeed(world.aiAnswer);
        }),
    }),
    Layer.succeed(NotificationStore, memoryNotificationStore(world)),
    Layer.succeed(Notifier, {
      send: (message) =>
        world.notifierDown === true
          ? Effect.fail(new NotifyError({ reason: "Unavailable", operation: "Notifier.send" }))
          : Effect.sync(() => {
              world.chatsSent.push(message);
              return { messageId: message.editMessageId ?? String(world.chatsSent.length) };
            }),
    }),
    Layer.succeed(SchedulerLock, {
      tryAcquire: (key) => Effect.sync(() => !world.locks.has(key) && world.locks.add(key).has(key)),
    }),
    memoryObservabilityLayer(world.observability),
    Layer.succeed(Provisioner, {
      ensureResource: (request) =>
        Effect.sync(() => {
          const key = `${appKey(request.app)}:${request.kind}:${request.binding}`;
          const existing = world.resources.get(key);
          if (existing !== undefined) return existing;
          const resource: ManagedResource = {
            version: 1,
            kind: request.kind,
            ...request.app,
            binding: request.binding,
            name: request.name,
            id: `${request.kind}-${world.resources.size + 1}`,
            createdAt: "2026-01-01T00:00:00.000Z",
            updatedAt: "2026-01-01T00:00:00.000Z",
          };
          world.resources.set(key, resource);
          return resource;
        }),
      applyMigrations: (databaseId, migrations) => {
        const applied = world.migrations.get(databaseId) ?? [];
        const pending = migrations.filter(
          (migration) => !applied.some((done) => done.name === migration.name),
        );
        const failing = pending.find(
          (migration) => world.failures.migrations?.[migration.name] !== undefined,
        );
        if (failing !== undefined) {
          return Effect.fail(
            new ProvisionError({
              reason: "MigrationFailed",
              operation: "Provisioner.applyMigrations",
              migration: failing.name,
              description: world.failures.migrations![failing.name]!,
            }),
          );
        }
        return Effect.sync(() => {
          world.migrations.set(databaseId, [...applied, ...pending]);
          return pending.map((migration) => migration.name);
        });
      },
    }),
    Layer.succeed(RepoAuth, {
      verify: (request) => {
        world.verifyRequests.push(request);
        return world.access instanceof UpstreamError
          ? Effect.fail(world.access)
          : Effect.succeed(world.access);
      },
    }),
    Layer.succeed(Ids, {
      randomBytes: (length) =>
        Effect.sync(() => {
          issued.randomBytes += 1;
          return new Uint8Array(length).fill(issued.randomBytes);
        }),
      randomUuid: () =>
        Effect.sync(() => {
          issued.uuids += 1;
          return `00000000-0000-4000-8000-${String(issued.uuids).padStart(12, "0")}`;
        }),
    }),
    Layer.succeed(AssetStore, {
      putObject: (key, body, metadata) => {
        const { putObject, objectsBeforeFailure = 0 } = world.failures;
        if (putObject !== undefined && objectsBeforeFailure <= 0)
          return storeError("AssetStore.putObject", putObject);
        world.failures.objectsBeforeFailure = objectsBeforeFailure - 1;
        return Effect.sync(() => void world.objects.set(key, { body, metadata }));
      },
      getObject: (key, range) =>
        Effect.sync(() =>
          Option.map(Option.fromUndefinedOr(world.objects.get(key)), ({ body, metadata }) => ({
            ...metadata,
            body: range === undefined ? body : body.slice(range.offset, range.offset + range.length),
            size: body.length,
            ...(world.objectsInMemory === true ? { cache: "memory" as const } : {}),
          })),
        ),
      deleteObjects: (keys) =>
        Effect.sync(() => {
          for (const key of keys) world.objects.delete(key);
        }),
      putManifest: (key, manifest) =>
        world.failures.putManifest === undefined
          ? Effect.sync(() => void world.manifests.set(key, manifest))
          : storeError("AssetStore.putManifest", world.failures.putManifest),
      getManifest: (key) => Effect.sync(() => Option.fromUndefinedOr(world.manifests.get(key))),
      listManifests: () => Effect.sync(() => ({ items: [...world.manifests.keys()], cursor: null })),
      deleteManifest: (key) => Effect.sync(() => void world.manifests.delete(key)),
    }),
    Layer.succeed(BackendRuntime, {
      publish: (bundle) =>
        world.failures.publish === undefined
          ? Effect.clockWith((clock) =>
              Effect.sync(() => {
                world.backends.set(bundle.deploymentId, bundle);
                world.publishedAt.set(
                  bundle.deploymentId,
                  new Date(clock.currentTimeMillisUnsafe()).toISOString(),
                );
                return { startupTimeMs: 3 };
              }),
            )
          : Effect.fail(
              new RuntimeError({
                operation: "BackendRuntime.publish",
                reason: world.failures.publish,
                description: "SyntaxError: Unexpected token",
              }),
            ),
      dispatch: (deploymentId, request) => {
        const answer = world.backendFetch?.(deploymentId, request);
        if (answer instanceof Response) return Effect.succeed(answer);
        if (answer !== undefined) return Effect.fail(answer);
        return Effect.fail(
          new RuntimeError({
            operation: "BackendRuntime.dispatch",
            reason: "NotFound",
            description: deploymentId,
          }),
        );
      },
      listPublished: () =>
        Effect.sync(() =>
          [...world.backends.keys()].map((deploymentId) => ({
            deploymentId,
            publishedAt: world.publishedAt.get(deploymentId) ?? "2026-01-01T00:00:00.000Z",
          })),
        ),
      retire: (deploymentId) =>
        Effect.sync(() => {
          world.retired.push(deploymentId);
          world.backends.delete(deploymentId);
          world.publishedAt.delete(deploymentId);
        }),
    }),
    Layer.succeed(DeploymentStore, {
      current: (app) => Effect.sync(() => Option.fromUndefinedOr(world.deployments.get(appKey(app)))),
      listCurrent: () => Effect.sync(() => ({ items: [...world.deployments.values()], cursor: null })),
      switchDeployment: (change) => {
        world.switches.push(change);
        if (world.failures.switchDeployment !== undefined)
          return storeError("DeploymentStore.switchDeployment", world.failures.switchDeployment);
        if ((world.failures.conflicts ?? 0) > 0) {
          world.failures.conflicts = (world.failures.conflicts ?? 0) - 1;
          return storeError("DeploymentStore.switchDeployment", "Conflict");
        }
        const key = appKey(change.app);
        if ((world.deployments.get(key)?.deploymentId ?? null) !== change.replaces)
          return storeError("DeploymentStore.switchDeployment", "Conflict");
        return Effect.sync(() => {
          const stored = { deploymentId: change.deploymentId, record: change.record };
          world.deployments.set(key, stored);
          const kept = world.history.get(key) ?? [];
          if (!kept.some((entry) => entry.deploymentId === change.deploymentId)) kept.push(stored);
          if (change.retain !== undefined && kept.length > change.retain) {
            const past = kept.slice(0, kept.length - change.retain);
            kept.splice(0, kept.length, ...kept.filter((entry) => !past.includes(entry) || entry === stored));
          }
          world.history.set(key, kept);
          for (const token of change.tokens) world.tokens.set(`${token.kind}:${token.tokenHash}`, token);
          for (const [id, schedule] of world.schedules)
            if (appKey(schedule) === key) world.schedules.delete(id);
          for (const schedule of change.schedules) world.schedules.set(schedule.id, schedule);
          for (const [name, queue] of world.queues) if (appKey(queue) === key) world.queues.delete(name);
          for (const queue of change.queues) world.queues.set(queue.queueName, queue);
          for (const [id, subscription] of world.subscriptions)
            if (appKey(subscription) === key) world.subscriptions.delete(id);
          for (const subscription of change.subscriptions)
            world.subscriptions.set(subscriptionKey(subscription), subscription);
          for (const route of change.releaseDomains) {
            const routeKey = `${route.hostname} ${route.pathPrefix}`;
            const held = world.domains.get(routeKey);
            if (held !== undefined && appKey(held) === key) world.domains.delete(routeKey);
          }
          for (const claim of change.claimDomains) {
            world.domains.set(`${claim.hostname} ${claim.pathPrefix ?? "/"}`, claim);
          }
        });
      },
      history: (app, limit) =>
        Effect.sync(() => [...(world.history.get(appKey(app)) ?? [])].reverse().slice(0, limit)),
      listRetained: () => Effect.sync(() => ({ items: [...world.history.values()].flat(), cursor: null })),
      repoDeployments: (repo) =>
        Effect.sync(() =>
          [...world.deployments.values()].filter(
            ({ record }) => record.orgSlug === repo.orgSlug && record.repoSlug === repo.repoSlug,
          ),
        ),
      ownerHasDeployments: ({ environment, orgSlug }) =>
        Effect.sync(() =>
          [...world.deployments.values()].some(
            ({ record }) => record.environment === environment && record.orgSlug === orgSlug,
          ),
        ),
      findToken: (kind, hash) =>
        Effect.sync(() => Option.fromUndefinedOr(world.tokens.get(`${kind}:${hash}`))),
      listSchedules: () => Effect.sync(() => [...world.schedules.values()]),
      findQueue: (name) => Effect.sync(() => Option.fromUndefinedOr(world.queues.get(name))),
      listSubscriptions: ({ environment, subject }) =>
        Effect.sync(() =>
          [...world.subscriptions.entries()]
            .filter(([, found]) => found.environment === environment && found.subject === subject)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([, found]) => found),
        ),
      domainRoutes: (hostname) =>
        Effect.sync(() => [...world.domains.values()].filter((mapping) => mapping.hostname === hostname)),
      appDomainRoutes: (app) =>
        Effect.sync(() => [...world.domains.values()].filter((mapping) => appKey(mapping) === appKey(app))),
    }),
    Layer.succeed(DomainVerifier, {
      zoneOf: () => Effect.succeed(Option.none()),
      txtRecords: (name) =>
        world.txtFailures.has(name)
          ? Effect.fail(new UpstreamError({ operation: "DomainVerifier.txtRecords", reason: "Timeout" }))
          : Effect.succeed(world.txt.get(name) ?? []),
    }),
  );
};

const memoryNotificationStore = (world: MemoryWorld): NotificationStore["Service"] => {
  const guarded = <A>(operation: string, body: () => A) =>
    Effect.suspend(() =>
      world.notificationFailure === undefined
        ? Effect.sync(body)
        : storeError(`NotificationStore.${operation}`, world.notificationFailure),
    );
  const now = Effect.clockWith((clock) => clock.currentTimeMillis);
  return {
    linkChat: (link) =>
      guarded("linkChat", () => {
        const key = appKey(link);
        const links = world.chatLinks.get(key) ?? new Map<string, ChatLink>();
        links.set(link.chatId, link);
        world.chatLinks.set(key, links);
      }),
    linkedChats: (app) =>
      guarded("linkedChats", () => [...(world.chatLinks.get(appKey(app))?.values() ?? [])]),
    enqueue: (messages) =>
      Effect.flatMap(now, (at) =>
        guarded("enqueue", () => {
          for (const message of messages)
            world.outbox.set(message.id, { message, visibleAt: at, attempts: 0 });
        }),
      ),
    claim: ({ limit, leaseMs, leaseToken }) =>
      Effect.flatMap(now, (at) =>
        guarded("claim", () => {
          const due = [...world.outbox.values()].filter((entry) => entry.visibleAt <= at).slice(0, limit);
          return due.map((entry): ClaimedOutboxMessage => {
            entry.visibleAt = at + leaseMs;
            entry.attempts += 1;
            return { ...entry.message, attempts: entry.attempts, leaseToken };
          });
        }),
      ),
    remove: (message) => guarded("remove", () => void world.outbox.delete(message.id)),
    retryLater: (message, retryAt, error) =>
      guarded("retryLater", () => {
        const entry = world.outbox.get(message.id);
        if (entry === undefined) return;
        entry.visibleAt = Date.parse(retryAt);
        entry.lastError = error;
      }),
    pending: () => guarded("pending", () => world.outbox.size),
  };
};
