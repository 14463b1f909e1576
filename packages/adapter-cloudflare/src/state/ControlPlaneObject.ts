/**
 * The control plane's Durable Object: one SQLite-backed object holds the deployment records and their
 * indexes, usage counters and burst windows, suspensions, limit overrides, scheduler locks, the
 * notification outbox, logs, analytics rows, queue dead letters, workflow instance states, the resource
 * index and the published-backend list. Because a Durable Object runs one call at a time over its own
 * storage, every read-modify-write of these stores is exact (DECISIONS 7) and every switch is one
 * transaction that the next request already sees (DECISIONS 6), which KV's eventual consistency cannot give.
 * The statements are the Node server's (`@w7s/adapter-node/portable`), so both adapters keep state alike.
 */

import { DurableObject } from "cloudflare:workers";
import {
  type EmbeddedRowStores,
  type EmbeddedStoreServices,
  embeddedRowStores,
  embeddedStoresLayer,
} from "@w7s/adapter-node/portable";
import {
  AnalyticsSink,
  type AppRef,
  DeploymentStore,
  LogStore,
  type ManagedResource,
  NotificationStore,
  SchedulerLock,
  UsagePolicyStore,
  UsageStore,
  type WorkflowInstance,
} from "@w7s/core";
import { Cause, Effect, Exit, ManagedRuntime } from "effect";
import { durableObjectDatabase } from "./durableObjectDatabase.js";
import { decodeWire, encodeWire, type WireResult, wireErrorOf } from "./wire.js";

/** The ports the object serves, by the name callers use. */
export const HOSTED_PORTS = {
  DeploymentStore,
  UsageStore,
  UsagePolicyStore,
  SchedulerLock,
  NotificationStore,
  LogStore,
  AnalyticsSink,
} as const;
export type HostedPort = keyof typeof HOSTED_PORTS;

/** A dead letter as the queue consumer hands it over. */
export interface DeadLetterInput {
  readonly id: string;
  readonly queueName: string;
  readonly body: string;
  readonly attempts: number;
  readonly enqueuedAt: number;
  readonly failedAt: number;
  readonly error: string;
}

/** The Durable Object class; the core Worker exports it under the name its config binds (`W7sControlPlane`). */
export class W7sControlPlane extends DurableObject {
  private readonly rows: EmbeddedRowStores;
  private readonly runtime: ManagedRuntime.ManagedRuntime<EmbeddedStoreServices, unknown>;
  private readonly database;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.database = durableObjectDatabase(ctx.storage);
    this.rows = embeddedRowStores(this.database);
    this.database.exec(
      "create table if not exists published_backends (deployment_id text primary key, script_name text not null, published_at text not null, app text not null default '{}', secrets text not null default '[]', classes text not null default '[]', tag integer not null default 0)",
    );
    this.runtime = ManagedRuntime.make(embeddedStoresLayer(this.database));
  }

  /** Runs one port operation: `args` and the answer are wire-encoded (see `wire.ts`). */
  async invoke(port: HostedPort, method: string, args: ReadonlyArray<unknown>): Promise<WireResult> {
    const operation = `${port}.${method}`;
    const key = HOSTED_PORTS[port];
    if (key === undefined) return { ok: false, error: wireErrorOf(new Error("unknown port"), operation) };
    const effect = Effect.gen(function* () {
      const service = (yield* key as unknown as Effect.Effect<unknown>) as Record<string, unknown>;
      const fn = service[method];
      if (typeof fn !== "function") return yield* Effect.die(new Error(`${operation} does not exist`));
      return yield* fn.apply(service, (decodeWire(args) as unknown[]) ?? []) as Effect.Effect<
        unknown,
        unknown
      >;
    });
    const exit = await this.runtime.runPromiseExit(effect as Effect.Effect<unknown, unknown, never>);
    if (Exit.isSuccess(exit)) return { ok: true, value: encodeWire(exit.value) };
    const failure = Cause.findErrorOption(exit.cause);
    return {
      ok: false,
      error: wireErrorOf(failure._tag === "Some" ? failure.value : Cause.squash(exit.cause), operation),
    };
  }

  // Queue dead letters (the messages themselves live in Cloudflare Queues).
  async recordDeadLetters(letters: ReadonlyArray<DeadLetterInput>): Promise<void> {
    this.database.transaction(() => {
      for (const letter of letters)
        this.database.query(
          "insert into queue_dead_letters (id, queue_name, body, attempts, enqueued_at, failed_at, error) values (?, ?, ?, ?, ?, ?, ?) on conflict (id) do nothing",
          [
            letter.id,
            letter.queueName,
            letter.body,
            letter.attempts,
            letter.enqueuedAt,
            letter.failedAt,
            letter.error,
          ],
        );
    });
  }

  async deadLetters(queueName: string, limit: number, cursor: string | undefined) {
    return this.rows.queues.deadLetters(queueName, limit, cursor);
  }

  // Workflow instance states (the runs themselves are Cloudflare Workflows instances).
  async workflowCreate(id: string, instance: WorkflowInstance, activeLimit: number, now: number) {
    try {
      return await this.rows.workflows.create(id, instance, activeLimit, now);
    } catch (error) {
      if (error instanceof Error && error.constructor.name === "InstanceExists")
        return { exists: true as const };
      throw error;
    }
  }

  async workflowGet(id: string) {
    return (await this.rows.workflows.get(id)) ?? null;
  }

  async workflowCountActive(app: AppRef) {
    return this.rows.workflows.countActive(app);
  }

  /** Moves an instance to `running`, `complete` (with `output`) or `errored` (with `error`). */
  async workflowSettle(
    id: string,
    status: "running" | "complete" | "errored",
    detail: { readonly output?: unknown; readonly error?: string; readonly attempts?: number },
  ): Promise<void> {
    this.database.query(
      "update workflow_instances set status = ?, output = ?, error = ?, attempts = coalesce(?, attempts), updated_at = ? where id = ?",
      [
        status,
        status === "complete" ? JSON.stringify(detail.output ?? null) : null,
        detail.error ?? null,
        detail.attempts ?? null,
        Date.now(),
        id,
      ],
    );
  }

  // The resource index of the Provisioner.
  async resourceFind(app: AppRef, kind: ManagedResource["kind"], binding: string) {
    return (await this.rows.resources.find({ app, kind, binding })) ?? null;
  }

  async resourceInsert(resource: ManagedResource) {
    return this.rows.resources.insert(resource);
  }

  // Backends published into the dispatch namespace, for retention cleanup.
  // The app and secret values are kept so that the tail handler knows whose traces arrive and what to redact;
  // the stateful classes and migration tag so that the next upload of a shared script migrates only what is new.
  async backendPut(
    deploymentId: string,
    scriptName: string,
    publishedAt: string,
    app: AppRef,
    secrets: ReadonlyArray<string>,
    classes: ReadonlyArray<string> = [],
    tag = 0,
  ): Promise<void> {
    this.database.query(
      "insert into published_backends (deployment_id, script_name, published_at, app, secrets, classes, tag) values (?, ?, ?, ?, ?, ?, ?) on conflict (deployment_id) do update set script_name = excluded.script_name, app = excluded.app, secrets = excluded.secrets, classes = excluded.classes, tag = excluded.tag",
      [
        deploymentId,
        scriptName,
        publishedAt,
        JSON.stringify(app),
        JSON.stringify(secrets),
        JSON.stringify(classes),
        tag,
      ],
    );
  }

  /** The dispatch script a deployment was published as. */
  async backendScript(deploymentId: string): Promise<string | null> {
    return (
      this.database.query<{ script_name: string }>(
        "select script_name from published_backends where deployment_id = ?",
        [deploymentId],
      )[0]?.script_name ?? null
    );
  }

  /** What the newest upload of a shared script declared: its stateful classes and migration tag. */
  async scriptState(
    scriptName: string,
  ): Promise<{ readonly classes: ReadonlyArray<string>; readonly tag: number } | null> {
    const row = this.database.query<{ classes: string; tag: number }>(
      "select classes, tag from published_backends where script_name = ? order by tag desc, published_at desc limit 1",
      [scriptName],
    )[0];
    return row === undefined ? null : { classes: JSON.parse(row.classes), tag: Number(row.tag) };
  }

  /** Whose backend a dispatch script is, for the tail handler. */
  async backendOfScript(
    scriptName: string,
  ): Promise<{ readonly app: AppRef; readonly secrets: ReadonlyArray<string> } | null> {
    const row = this.database.query<{ app: string; secrets: string }>(
      "select app, secrets from published_backends where script_name = ? order by published_at desc limit 1",
      [scriptName],
    )[0];
    return row === undefined ? null : { app: JSON.parse(row.app), secrets: JSON.parse(row.secrets) };
  }

  async backendList() {
    return this.database.query<{ deployment_id: string; script_name: string; published_at: string }>(
      "select deployment_id, script_name, published_at from published_backends order by deployment_id",
      [],
    );
  }

  /** Whether another deployment than this one uses the deployment's script (an app's shared script). */
  async backendScriptShared(deploymentId: string): Promise<boolean> {
    const others = this.database.query<{ n: number }>(
      "select count(*) as n from published_backends where script_name = (select script_name from published_backends where deployment_id = ?) and deployment_id <> ?",
      [deploymentId, deploymentId],
    )[0]?.n;
    return Number(others ?? 0) > 0;
  }

  async backendDelete(deploymentId: string): Promise<void> {
    this.database.query("delete from published_backends where deployment_id = ?", [deploymentId]);
  }
}
