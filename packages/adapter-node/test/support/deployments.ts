/** Deployment switches for store tests, shaped like the ones the core's deploy writes. */
import type {
  AppRef,
  BindingTokenEntry,
  CustomDomainMapping,
  DeploymentRecord,
  DeploymentSwitch,
  DomainRoute,
  EventSubscriptionMapping,
  QueueMapping,
  ScheduleMapping,
} from "@w7s/core";

export const webApp: AppRef = { environment: "production", orgSlug: "acme", repoSlug: "web" };

const DEPLOYED_AT = "2026-11-22T00:00:00.000Z";
const owner = (app: AppRef) => ({
  orgSlug: app.orgSlug,
  repoSlug: app.repoSlug,
  environment: app.environment,
  repository: `${app.orgSlug}/${app.repoSlug}`,
  deployedAt: DEPLOYED_AT,
});

export const recordOf = (app: AppRef, commitSha: string): DeploymentRecord => ({
  version: 1,
  orgSlug: app.orgSlug,
  repoSlug: app.repoSlug,
  sourceRepoSlug: app.repoSlug,
  application: app.repoSlug,
  environment: app.environment,
  repository: `${app.orgSlug}/${app.repoSlug}`,
  branch: "main",
  commitSha,
  deployedAt: DEPLOYED_AT,
  targets: {},
});

export const tokenOf = (
  app: AppRef,
  kind: BindingTokenEntry["kind"],
  tokenHash: string,
): BindingTokenEntry => ({
  version: 1,
  kind,
  tokenHash,
  ...owner(app),
});

export const scheduleOf = (app: AppRef, id: string, path = `/_w7s/schedules/${id}`): ScheduleMapping => ({
  version: 1,
  id: `${app.environment}:${app.orgSlug}:${app.repoSlug}:${id}`,
  cron: "*/5 * * * *",
  path,
  ...owner(app),
});

export const queueOf = (app: AppRef, name: string): QueueMapping => ({
  version: 1,
  queueName: `w7s-${app.environment}-${app.orgSlug}-${app.repoSlug}-queue-${name}`,
  queueId: `id-${name}`,
  queue: name,
  consumer: `/_w7s/queues/${name}`,
  ...owner(app),
});

export const subscriptionOf = (
  app: AppRef,
  subject: string,
  queue: string,
  allow: string[] = [],
): EventSubscriptionMapping => ({
  version: 1,
  subject,
  queue,
  queueName: `w7s-${app.environment}-${app.orgSlug}-${app.repoSlug}-queue-${queue}`,
  allow,
  ...owner(app),
});

export const domainOf = (app: AppRef, hostname: string, pathPrefix?: string): CustomDomainMapping => ({
  version: 1,
  hostname,
  ...(pathPrefix === undefined ? {} : { pathPrefix }),
  ...owner(app),
});

export interface SwitchParts {
  readonly tokens?: ReadonlyArray<BindingTokenEntry>;
  readonly schedules?: ReadonlyArray<ScheduleMapping>;
  readonly queues?: ReadonlyArray<QueueMapping>;
  readonly subscriptions?: ReadonlyArray<EventSubscriptionMapping>;
  readonly claimDomains?: ReadonlyArray<CustomDomainMapping>;
  readonly releaseDomains?: ReadonlyArray<DomainRoute>;
}

/** Makes `deploymentId` (commit `deploymentId`) live for `app`, expecting `replaces` to be current. */
export const switchTo = (
  deploymentId: string,
  replaces: string | null,
  parts: SwitchParts = {},
  app: AppRef = webApp,
): DeploymentSwitch => ({
  app,
  deploymentId,
  replaces,
  record: recordOf(app, deploymentId),
  tokens: parts.tokens ?? [tokenOf(app, "rpc", `rpc-${deploymentId}`)],
  schedules: parts.schedules ?? [],
  queues: parts.queues ?? [],
  subscriptions: parts.subscriptions ?? [],
  claimDomains: parts.claimDomains ?? [],
  releaseDomains: parts.releaseDomains ?? [],
});
