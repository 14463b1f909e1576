/**
 * Durable workflow instances on the embedded SQLite database. Starting an instance counts the target's
 * active ones and inserts in one `BEGIN IMMEDIATE` transaction, so the 50-instance cap holds under
 * concurrent starts; claims lease due instances the same way.
 */
import type { AppRef, StoredWorkflowInstance, WorkflowInstance, WorkflowInstanceStatus } from "@w7s/core";
import type { EmbeddedDatabase } from "../store/sqlite.js";

/** An instance whose step this claimer runs now; `attempts` counts this attempt (1 the first time). */
export interface LeasedInstance {
  readonly id: string;
  readonly instance: WorkflowInstance;
  readonly attempts: number;
  readonly leaseToken: string;
}

export type CreateResult = { readonly created: true } | { readonly created: false; readonly active: number };

export interface WorkflowStore {
  /** Inserts the instance unless the target has `activeLimit` active ones; throws `InstanceExists` for a taken id. */
  readonly create: (
    id: string,
    instance: WorkflowInstance,
    activeLimit: number,
    now: number,
  ) => Promise<CreateResult>;
  readonly get: (id: string) => Promise<StoredWorkflowInstance | undefined>;
  readonly countActive: (app: AppRef) => Promise<number>;
  /** Leases up to `limit` due instances (queued, or running whose retry time or lease has come). */
  readonly claim: (request: {
    now: number;
    leaseMs: number;
    limit: number;
    leaseToken: string;
  }) => Promise<LeasedInstance[]>;
  readonly complete: (leased: LeasedInstance, output: unknown, now: number) => Promise<boolean>;
  readonly retry: (leased: LeasedInstance, visibleAt: number, error: string, now: number) => Promise<boolean>;
  readonly fail: (leased: LeasedInstance, error: string, now: number) => Promise<boolean>;
  readonly extend: (leased: LeasedInstance, until: number) => Promise<boolean>;
  readonly close: () => Promise<void>;
}

/** The id is already used by another instance. */
export class InstanceExists extends Error {}

export interface InstanceRow {
  id: string;
  instance: string;
  status: string;
  output: string | null;
  error: string | null;
}

/** The engine's status object (E.6): `output` once complete, `error` once errored. */
export const statusOf = (row: Pick<InstanceRow, "status" | "output" | "error">): WorkflowInstanceStatus => {
  const status = (
    ["queued", "running", "complete", "errored"].includes(row.status) ? row.status : "unknown"
  ) as WorkflowInstanceStatus["status"];
  if (status === "complete" && row.output !== null) return { status, output: JSON.parse(row.output) };
  if (status === "errored" && row.error !== null)
    return { status, error: { name: "Error", message: row.error } };
  return { status };
};

export const storedOf = (row: InstanceRow): StoredWorkflowInstance => ({
  id: row.id,
  instance: JSON.parse(row.instance) as WorkflowInstance,
  status: statusOf(row),
});

const ACTIVE = "status in ('queued', 'running')";

export const makeSqliteWorkflowStore = (db: EmbeddedDatabase, release: () => void): WorkflowStore => {
  const settle = (sql: string, params: Array<string | number | null>) =>
    db.query<{ id: string }>(`${sql} returning id`, params).length > 0;
  return {
    create: async (id, instance, activeLimit, now) =>
      db.transaction(() => {
        const { environment, orgSlug, repoSlug } = instance.target;
        const active = Number(
          db.query<{ n: number }>(
            `select count(*) as n from workflow_instances where environment = ? and org_slug = ? and repo_slug = ? and ${ACTIVE}`,
            [environment, orgSlug, repoSlug],
          )[0]?.n ?? 0,
        );
        if (active >= activeLimit) return { created: false, active };
        const inserted = db.query<{ id: string }>(
          `insert into workflow_instances (id, environment, org_slug, repo_slug, workflow, instance, status, visible_at, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?) on conflict (id) do nothing returning id`,
          [
            id,
            environment,
            orgSlug,
            repoSlug,
            instance.target.workflow,
            JSON.stringify(instance),
            now,
            now,
            now,
          ],
        );
        if (inserted.length === 0) throw new InstanceExists(id);
        return { created: true };
      }),

    get: async (id) => {
      const row = db.query<InstanceRow>(
        "select id, instance, status, output, error from workflow_instances where id = ?",
        [id],
      )[0];
      return row === undefined ? undefined : storedOf(row);
    },

    countActive: async (app) =>
      Number(
        db.query<{ n: number }>(
          `select count(*) as n from workflow_instances where environment = ? and org_slug = ? and repo_slug = ? and ${ACTIVE}`,
          [app.environment, app.orgSlug, app.repoSlug],
        )[0]?.n ?? 0,
      ),

    claim: async ({ now, leaseMs, limit, leaseToken }) => {
      // Idle runners ask often: a plain read first, so they take the file's write lock only when there is work.
      if (
        db.query(`select 1 from workflow_instances where ${ACTIVE} and visible_at <= ? limit 1`, [now])
          .length === 0
      )
        return [];
      return db.transaction(() => {
        const rows = db.query<{ id: string; instance: string; attempts: number }>(
          `select id, instance, attempts from workflow_instances where ${ACTIVE} and visible_at <= ? order by visible_at limit ?`,
          [now, limit],
        );
        for (const row of rows)
          db.query(
            "update workflow_instances set status = 'running', attempts = attempts + 1, lease_token = ?, visible_at = ?, updated_at = ? where id = ?",
            [leaseToken, now + leaseMs, now, row.id],
          );
        return rows.map((row) => ({
          id: row.id,
          instance: JSON.parse(row.instance) as WorkflowInstance,
          attempts: Number(row.attempts) + 1,
          leaseToken,
        }));
      });
    },

    complete: async (leased, output, now) =>
      settle(
        "update workflow_instances set status = 'complete', output = ?, error = null, lease_token = null, updated_at = ? where id = ? and lease_token = ?",
        [JSON.stringify(output), now, leased.id, leased.leaseToken],
      ),

    retry: async (leased, visibleAt, error, now) =>
      settle(
        "update workflow_instances set visible_at = ?, error = ?, lease_token = null, updated_at = ? where id = ? and lease_token = ?",
        [visibleAt, error, now, leased.id, leased.leaseToken],
      ),

    fail: async (leased, error, now) =>
      settle(
        "update workflow_instances set status = 'errored', error = ?, lease_token = null, updated_at = ? where id = ? and lease_token = ?",
        [error, now, leased.id, leased.leaseToken],
      ),

    extend: async (leased, until) =>
      settle("update workflow_instances set visible_at = ? where id = ? and lease_token = ?", [
        until,
        leased.id,
        leased.leaseToken,
      ]),

    close: async () => release(),
  };
};
