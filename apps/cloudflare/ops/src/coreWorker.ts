/**
 * The names the generated wrangler config and the core Worker (`apps/cloudflare/src/worker.ts`) must agree
 * on: binding names, Durable Object classes, the Workflow class, the compatibility date, and which routes
 * the Worker is attached to. This module imports nothing, so the Worker's tests can import it too
 * (`@w7s/cloudflare-ops/coreWorker`); `coreWorker.test.ts` reads the Worker's source and fails when a class
 * or binding named here is not the Worker's.
 */

/** The compatibility date and flags the core Worker is built and tested for; raise them together with the Worker. */
export const CORE_COMPATIBILITY_DATE = "2026-06-01";
export const CORE_COMPATIBILITY_FLAGS = ["nodejs_compat"] as const;

/** Durable Object classes the core Worker exports, each a SQLite-backed object (`new_sqlite_classes`). */
export const W7S_DURABLE_OBJECT_CLASSES = [
  { binding: "CONTROL_PLANE", className: "W7sControlPlane" },
] as const;

/** The binding names of the core Worker's account resources. */
export const CORE_BINDINGS = {
  deploymentsKv: "DEPLOYMENTS_KV",
  staticAssets: "STATIC_ASSETS",
  dispatcher: "DISPATCHER",
  queue: "W7S_QUEUE",
  workflows: "W7S_WORKFLOWS",
  analytics: "ANALYTICS",
} as const;

/** The class the core Worker exports for the platform's Workflow. */
export const W7S_WORKFLOW_CLASS = "W7sWorkflow";

/** The core Worker's cron: every minute, so app schedules and usage collection are checked each minute. */
export const W7S_CRONS = ["* * * * *"] as const;

/**
 * The route patterns the core Worker is attached to on the zone. self-host.md lists `<zone>` and
 * `*.<zone>/*`; a route pattern without a path matches only `/` (Cloudflare's route matching), so
 * `<zone>/*` is added as well, or `https://<zone>/health` and the deploy API on the apex would not reach
 * the Worker. The wildcard is attached only when the operator asks for it (`W7S_ATTACH_WILDCARD_ROUTE`).
 */
export const wantedRoutePatterns = (zoneName: string, attachWildcard: boolean): ReadonlyArray<string> => [
  zoneName,
  `${zoneName}/*`,
  ...(attachWildcard ? [`*.${zoneName}/*`] : []),
];
