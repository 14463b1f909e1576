/**
 * The core Worker's settings, read from its `vars` and secrets: the self-host page's variables
 * (`W7S_ZONE_NAME`, `W7S_DISPATCH_NAMESPACE`, `W7S_USER_WORKER_CPU_MS`, ...) plus what the deploy API
 * needs to trust GitHub and the operator. Everything has the hosted default except the zone.
 */
import type { CoreBindings } from "@w7s/adapter-cloudflare";
import {
  DEFAULT_AI_MODEL,
  DEFAULT_MANAGER_EVENTS,
  defaultPlatformConfig,
  defaultSecuritySettings,
  isValidChatId,
  type NotificationSettings,
  type PlatformConfig,
  parseSubscribedEvents,
} from "@w7s/core";

/** Every binding and variable the core Worker reads. */
export interface CoreEnv extends CoreBindings {
  readonly W7S_ZONE_NAME: string;
  readonly W7S_CORE_WORKER_NAME?: string;
  readonly W7S_DISPATCH_NAMESPACE?: string;
  readonly W7S_USER_WORKER_CPU_MS?: string;
  readonly W7S_USER_WORKER_SUBREQUESTS?: string;
  readonly W7S_LOG_RETENTION_SECONDS?: string;
  readonly CLOUDFLARE_ACCOUNT_ID: string;
  readonly CLOUDFLARE_API_TOKEN: string;
  /** The REST API root; a stand-in's URL in tests. */
  readonly CLOUDFLARE_API_BASE_URL?: string;
  readonly W7S_DEPLOY_TOKEN?: string;
  readonly W7S_GITHUB_API_URL?: string;
  readonly W7S_OIDC_ISSUER?: string;
  readonly W7S_OIDC_JWKS_URL?: string;
  /** Comma-separated. */
  readonly W7S_OIDC_AUDIENCES?: string;
  /** `http` only for local tests. */
  readonly W7S_PUBLIC_SCHEME?: string;
  readonly W7S_PUBLIC_PORT?: string;
  readonly W7S_LIMIT_EXEMPT_OWNERS?: string;
  readonly W7S_AI_BASE_URL?: string;
  readonly W7S_AI_API_KEY?: string;
  /** `@w7s/name=provider-model,...` */
  readonly W7S_AI_MODELS?: string;
  readonly W7S_TELEGRAM_BOT_TOKEN?: string;
  readonly W7S_TELEGRAM_CHAT_ID?: string;
  readonly W7S_TELEGRAM_WEBHOOK_SECRET?: string;
  readonly W7S_TELEGRAM_EVENTS?: string;
  readonly W7S_TELEGRAM_API_URL?: string;
  /** DNS-over-HTTPS JSON endpoint for custom-domain TXT lists. */
  readonly W7S_DOH_URL?: string;
  readonly W7S_BUILD_COMMIT?: string;
  readonly W7S_BUILD_BRANCH?: string;
  readonly W7S_BUILD_DEPLOYED_AT?: string;
}

const list = (value: string | undefined): string[] =>
  (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

const numberOr = (value: string | undefined, fallback: number | undefined): number | undefined => {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
};

export const DEFAULT_CORE_WORKER = "w7s-core";
export const DEFAULT_DISPATCH_NAMESPACE = "w7s-isolate";

export const AI_CONFIGURATION_HINT =
  "The operator of this W7S cloud sets the core Worker's W7S_AI_BASE_URL (an OpenAI-compatible API root), the W7S_AI_API_KEY secret and W7S_AI_MODELS (@w7s/<name>=<provider model>, comma-separated).";

const aiOf = (env: CoreEnv): PlatformConfig["ai"] => {
  if (env.W7S_AI_BASE_URL === undefined || env.W7S_AI_BASE_URL === "") return null;
  const pairs = list(env.W7S_AI_MODELS).flatMap((pair) => {
    const at = pair.indexOf("=");
    return at <= 0 ? [] : [[pair.slice(0, at), pair.slice(at + 1)] as const];
  });
  const models: Record<string, string> =
    pairs.length > 0
      ? Object.fromEntries(pairs)
      : { [DEFAULT_AI_MODEL]: DEFAULT_AI_MODEL.slice("@w7s/".length) };
  return { models, defaultModel: Object.keys(models)[0]! };
};

const notificationsOf = (env: CoreEnv): NotificationSettings | null => {
  if (env.W7S_TELEGRAM_BOT_TOKEN === undefined || env.W7S_TELEGRAM_BOT_TOKEN === "") return null;
  return {
    managerChatIds: list(env.W7S_TELEGRAM_CHAT_ID).filter(isValidChatId),
    managerEvents:
      env.W7S_TELEGRAM_EVENTS === undefined
        ? DEFAULT_MANAGER_EVENTS
        : parseSubscribedEvents(env.W7S_TELEGRAM_EVENTS),
    webhookSecret:
      env.W7S_TELEGRAM_WEBHOOK_SECRET === undefined || env.W7S_TELEGRAM_WEBHOOK_SECRET === ""
        ? null
        : env.W7S_TELEGRAM_WEBHOOK_SECRET,
  };
};

/** The PlatformConfig of the Worker. */
export const platformConfigOf = (env: CoreEnv): PlatformConfig => {
  const port = numberOr(env.W7S_PUBLIC_PORT, undefined);
  const audiences = list(env.W7S_OIDC_AUDIENCES);
  return {
    ...defaultPlatformConfig,
    baseDomain: env.W7S_ZONE_NAME,
    publicScheme: env.W7S_PUBLIC_SCHEME === "http" ? "http" : "https",
    publicPort: port ?? null,
    serviceName: "w7s",
    limitExemptOwners: list(env.W7S_LIMIT_EXEMPT_OWNERS),
    ai: aiOf(env),
    aiConfigurationHint: AI_CONFIGURATION_HINT,
    ...(audiences.length === 0 ? {} : { oidcAudiences: audiences }),
    security: { ...defaultSecuritySettings },
    notifications: notificationsOf(env),
    build: {
      commitId: env.W7S_BUILD_COMMIT ?? null,
      branch: env.W7S_BUILD_BRANCH ?? null,
      deployedAt: env.W7S_BUILD_DEPLOYED_AT ?? null,
    },
  };
};

/** `W7S_USER_WORKER_CPU_MS` and `W7S_USER_WORKER_SUBREQUESTS` (defaults 50 and 25, as on the self-host page). */
export const userWorkerLimitsOf = (env: CoreEnv) => ({
  cpuMs: numberOr(env.W7S_USER_WORKER_CPU_MS, 50),
  subRequests: numberOr(env.W7S_USER_WORKER_SUBREQUESTS, 25),
});

export const logRetentionSecondsOf = (env: CoreEnv): number | undefined =>
  numberOr(env.W7S_LOG_RETENTION_SECONDS, undefined);

export { list as settingsList };
