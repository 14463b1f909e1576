/**
 * Durable workflow instances on Postgres. A start takes a transaction-scoped advisory lock on its target app
 * before counting, so concurrent starts on any server respect the active cap; claims lease due instances with
 * `FOR UPDATE SKIP LOCKED`, so no instance's step runs on two servers at once.
 */
import type postgres from "postgres";
import { InstanceExists, type InstanceRow, storedOf, type WorkflowStore } from "./workflowStore.js";

export const makePostgresWorkflowStore = (sql: postgres.Sql, close: () => Promise<void>): WorkflowStore => {
  const settled = (rows: readonly unknown[]) => rows.length > 0;
  const countActive = async (
    connection: postgres.Sql | postgres.TransactionSql,
    app: { environment: string; orgSlug: string; repoSlug: string },
  ) => {
    const [row] = await connection<{ n: string }[]>`
      select count(*) as n from w7s_workflow_instances
      where environment = ${app.environment} and org_slug = ${app.orgSlug} and repo_slug = ${app.repoSlug}
        and status in ('queued', 'running')`;
    return Number(row?.n ?? 0);
  };
  return {
    create: (id, instance, activeLimit, now) =>
      sql.begin(async (tx) => {
        const { environment, orgSlug, repoSlug } = instance.target;
        await tx`select pg_advisory_xact_lock(hashtext(${`w7s-workflow:${environment}:${orgSlug}:${repoSlug}`}))`;
        const active = await countActive(tx, { environment, orgSlug, repoSlug });
        if (active >= activeLimit) return { created: false as const, active };
        const inserted = await tx`
          insert into w7s_workflow_instances
            (id, environment, org_slug, repo_slug, workflow, instance, status, visible_at, created_at, updated_at)
          values (${id}, ${environment}, ${orgSlug}, ${repoSlug}, ${instance.target.workflow},
            ${JSON.stringify(instance)}, 'queued', ${now}, ${now}, ${now})
          on conflict (id) do nothing
          returning id`;
        if (inserted.length === 0) throw new InstanceExists(id);
        return { created: true as const };
      }),

    get: async (id) => {
      const [row] = await sql<InstanceRow[]>`
        select id, instance, status, output, error from w7s_workflow_instances where id = ${id}`;
      return row === undefined ? undefined : storedOf(row);
    },

    countActive: (app) => countActive(sql, app),

    claim: async ({ now, leaseMs, limit, leaseToken }) => {
      const rows = await sql<{ id: string; instance: string; attempts: number }[]>`
        with due as (
          select id from w7s_workflow_instances
          where status in ('queued', 'running') and visible_at <= ${now}
          order by visible_at
          limit ${limit}
          for update skip locked
        )
        update w7s_workflow_instances as instance
        set status = 'running', attempts = instance.attempts + 1, lease_token = ${leaseToken},
            visible_at = ${now + leaseMs}, updated_at = ${now}
        from due
        where instance.id = due.id
        returning instance.id, instance.instance, instance.attempts`;
      return rows.map((row) => ({
        id: row.id,
        instance: JSON.parse(row.instance),
        attempts: row.attempts,
        leaseToken,
      }));
    },

    complete: async (leased, output, now) =>
      settled(
        await sql`
          update w7s_workflow_instances
          set status = 'complete', output = ${JSON.stringify(output)}, error = null, lease_token = null, updated_at = ${now}
          where id = ${leased.id} and lease_token = ${leased.leaseToken}
          returning id`,
      ),

    retry: async (leased, visibleAt, error, now) =>
      settled(
        await sql`
          update w7s_workflow_instances
          set visible_at = ${visibleAt}, error = ${error}, lease_token = null, updated_at = ${now}
          where id = ${leased.id} and lease_token = ${leased.leaseToken}
          returning id`,
      ),

    fail: async (leased, error, now) =>
      settled(
        await sql`
          update w7s_workflow_instances
          set status = 'errored', error = ${error}, lease_token = null, updated_at = ${now}
          where id = ${leased.id} and lease_token = ${leased.leaseToken}
          returning id`,
      ),

    extend: async (leased, until) =>
      settled(
        await sql`
          update w7s_workflow_instances set visible_at = ${until}
          where id = ${leased.id} and lease_token = ${leased.leaseToken}
          returning id`,
      ),

    close,
  };
};
