/** Operator settings every use case reads; adapters build one from flags, env or wrangler vars. */

/** The model provider behind `W7S_AI` (E.7): which public `@w7s/...` names apps may use, and what each is called there. */
export interface AiSettings {
  /** Public model name (`@w7s/meta/llama-3.1-8b-instruct-fp8`) -> the provider's model name; the allowed list. */
  readonly models: Readonly<Record<string, string>>;
  /** The model used when a request names none (must be one of `models`). */
  readonly defaultModel: string;
}

/** Size and count caps of the internal API (E.4, E.6, E.7); the reference's defaults, an operator may change them. */
export interface PlatformServiceLimits {
  /** `W7S_QUEUE_MAX_MESSAGE_BYTES`: largest enqueued envelope, JSON bytes. */
  readonly queueMaxMessageBytes: number;
  /** `W7S_WORKFLOW_MAX_PAYLOAD_BYTES`: largest start body and serialized instance. */
  readonly workflowMaxPayloadBytes: number;
  /** `W7S_WORKFLOW_ACTIVE_LIMIT`: queued or running instances per target app. */
  readonly workflowActiveLimit: number;
  /** `W7S_AI_MAX_REQUEST_BYTES`: largest AI run request body. */
  readonly aiMaxRequestBytes: number;
}

export const defaultPlatformServiceLimits: PlatformServiceLimits = {
  queueMaxMessageBytes: 65_536,
  workflowMaxPayloadBytes: 65_536,
  workflowActiveLimit: 50,
  aiMaxRequestBytes: 32_768,
};

/**
 * Telegram notifications (I.6, DECISIONS 11: no built-in chats). `null` when the operator configured no
 * bot: nothing is linked, queued or sent, and the bot's webhook answers 404.
 */
export interface NotificationSettings {
  /** The operator's admin chats (`W7S_ADMIN_TELEGRAM_CHAT_ID`): every event of every app, unfiltered. */
  readonly adminChatIds?: ReadonlyArray<string> | undefined;
  /** The operator's chats: they receive `managerEvents` of every app. */
  readonly managerChatIds: ReadonlyArray<string>;
  readonly managerEvents: ReadonlyArray<string>;
  /** `X-Telegram-Bot-Api-Secret-Token` the bot's webhook requires; `null`: the webhook refuses every update. */
  readonly webhookSecret: string | null;
}

/** What managers get by default: every deploy outcome, suspensions and usage collection failures (I.6). */
export const DEFAULT_MANAGER_EVENTS: ReadonlyArray<string> = [
  "deploy_success",
  "deploy_warning",
  "deploy_error",
  "app_suspended",
  "usage_collection_error",
];

/** The settings themselves. */
/** How the platform defends itself and its tenants (issue 9; decided in the core, documented in its README). */
export interface SecuritySettings {
  /** Requests whose `Cookie` headers add up to more bytes are refused with 431 before any app code runs. */
  readonly maxCookieHeaderBytes: number;
  /** Bearer-token failures (401) one client address may have within `windowSeconds`; 0 turns the slow-down off. */
  readonly authFailureLimit: number;
  readonly authFailureWindowSeconds: number;
  /** Peer addresses whose `X-Forwarded-For` names the client (a reverse proxy on this machine by default). */
  readonly trustedProxies: ReadonlyArray<string>;
}

export const defaultSecuritySettings: SecuritySettings = {
  maxCookieHeaderBytes: 8192,
  authFailureLimit: 10,
  authFailureWindowSeconds: 60,
  trustedProxies: ["127.0.0.1", "::1"],
};
export interface PlatformConfig {
  /** Hosts are `<owner>.<baseDomain>` and `<env>--<owner>.<baseDomain>`. */
  readonly baseDomain: string;
  /** Public URL scheme of app URLs (`https` in production, `http` for a local self-host). */
  readonly publicScheme: "http" | "https";
  /** Public port when it is not the scheme's default (a local self-host on 8787), else `null`. */
  readonly publicPort: number | null;
  /** Name reported by the health endpoint (`service`). */
  readonly serviceName: string;
  /** Owners (normalized slugs) that skip the free-tier shape caps (B.5). */
  readonly limitExemptOwners: ReadonlyArray<string>;
  /** Compatibility date given to backends whose `wrangler.json` sets none (B.8). */
  readonly defaultCompatibilityDate: string;
  /** Version data reported by the health endpoint (B.15); `null` when unknown. */
  readonly build: {
    readonly commitId: string | null;
    readonly branch: string | null;
    readonly deployedAt: string | null;
  };
  /** Whether `x-w7s-debug` adds details to responses (DECISIONS 12). */
  readonly debug: boolean;
  /** The AI provider; `null` when the operator configured none (`W7S_AI` then answers 503). */
  readonly ai: AiSettings | null;
  /** Sent with that 503 as `details.hint`: how the operator of this adapter configures a provider. */
  readonly aiConfigurationHint: string;
  readonly platformLimits: PlatformServiceLimits;
  /** Deployment records kept per app for rollback, the live one always among them (default 10). */
  readonly historyDepth: number;
  /** The OIDC audiences RepoAuth accepts, as `agent.json` advertises them. */
  readonly oidcAudiences: ReadonlyArray<string>;
  readonly security: SecuritySettings;
  readonly notifications: NotificationSettings | null;
}

/** Defaults for a local self-host; adapters override what the operator sets. */
export const defaultPlatformConfig: PlatformConfig = {
  baseDomain: "w7s.localhost",
  publicScheme: "http",
  publicPort: 8787,
  serviceName: "w7s",
  limitExemptOwners: [],
  defaultCompatibilityDate: "2026-05-23",
  build: { commitId: null, branch: null, deployedAt: null },
  debug: false,
  ai: null,
  aiConfigurationHint:
    "The operator of this W7S server configures an OpenAI-compatible provider: its base URL, an API key and which @w7s/... model names map to which provider models.",
  platformLimits: defaultPlatformServiceLimits,
  historyDepth: 10,
  oidcAudiences: ["w7s.cloud", "https://w7s.cloud"],
  security: defaultSecuritySettings,
  notifications: null,
};
