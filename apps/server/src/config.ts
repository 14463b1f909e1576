/**
 * Server settings from flags, environment variables and an optional config file, in that order of
 * precedence over the defaults. Pure: the caller passes argv, env and the file's contents.
 */
import { DEFAULT_MANAGER_EVENTS } from "@w7s/core";

export interface ServerSettings {
  readonly port: number;
  readonly host: string;
  readonly baseDomain: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly githubApiUrl: string;
  readonly deployToken: string | undefined;
  readonly oidcIssuer: string;
  readonly oidcAudiences: readonly string[];
  readonly oidcJwksUrl: string | undefined;
  readonly requestTimeoutMs: number;
  readonly memoryLimitMb: number;
  /** Time one SQL database call of an app may run before it is stopped. */
  readonly databaseTimeLimitMs: number;
  readonly limitExemptOwners: readonly string[];
  /** Postgres bindings apps may name in `bindings.hyperdrive`: id -> `postgres://` connection string. */
  readonly hyperdrive: Readonly<Record<string, string>>;
  /** The OpenAI-compatible API root behind `W7S_AI` (`https://api.openai.com/v1`); unset: AI answers 503. */
  readonly aiBaseUrl: string | undefined;
  readonly aiApiKey: string | undefined;
  /** Public `@w7s/...` model name -> the provider's model name; the models apps may use. */
  readonly aiModels: Readonly<Record<string, string>>;
  /** The model a request without `model` gets (default: the first of `aiModels`). */
  readonly aiDefaultModel: string | undefined;
  /** How long a claimed queue batch or workflow step stays invisible to other servers without a heartbeat. */
  readonly queueLeaseSeconds: number;
  /** DNS servers asked for custom-domain TXT allow lists (`host` or `host:port`); empty: the system's. */
  readonly dnsServers: readonly string[];
  /** Deployments kept per app and environment for rollback. */
  readonly historyDepth: number;
  /** Peers whose `X-Forwarded-For` names the client (the reverse proxy). */
  readonly trustedProxies: readonly string[];
  /** Bearer-token failures per client address per minute before its API requests answer 429 (0: off). */
  readonly authFailureLimit: number;
  /** Largest `Cookie` header accepted, in bytes; larger ones answer 431. */
  readonly maxCookieBytes: number;
  /** Count runtime requests against the usage limits and suspend apps over them (D.8); suspensions hold either way. */
  readonly usageAccounting: boolean;
  /** Capture every backend's console output, exceptions and failed outcomes (G.2). */
  readonly logCapture: boolean;
  /** Read connections with the server's own HTTP/1.1 front first (false: Node's `http` server reads them all). */
  readonly socketFront: boolean;
  /** How long captured log records are kept, seconds (clamped to 60 s … 30 days). */
  readonly logRetentionSeconds: number;
  /** Daily usage rollups older than this many days are deleted by the hourly cleanup. */
  readonly usageRetentionDays: number;
  /** Static sites no live deployment uses are deleted once this many days old. */
  readonly staticRetentionDays: number;
  /** Backends no live deployment uses are deleted once this many days old. */
  readonly backendRetentionDays: number;
  /** Analytics events older than this many days are deleted. */
  readonly analyticsRetentionDays: number;
  /** Port of the operator listener serving `/metrics`; unset, there is none. */
  readonly metricsPort: number | undefined;
  /** Address the metrics listener binds. */
  readonly metricsHost: string;
  /** Bearer token `/metrics` requires; unset, the listener answers anyone who can reach it. */
  readonly metricsToken: string | undefined;
  /** The Telegram bot notifications are sent as (I.6); unset, nothing is linked, queued or sent. */
  readonly telegramBotToken: string | undefined;
  /** The `secret_token` given to Telegram's `setWebhook`; the bot's webhook refuses updates without it. */
  readonly telegramWebhookSecret: string | undefined;
  /** The Bot API root (a local Bot API server, or a stand-in in tests). */
  readonly telegramApiUrl: string;
  /** The operator's chats: they receive `telegramEvents` of every app. */
  readonly telegramChatIds: readonly string[];
  /** The operator's admin chats: every event, unfiltered. */
  readonly telegramAdminChatIds: readonly string[];
  /** What the operator's chats receive (`all` for everything). */
  readonly telegramEvents: readonly string[];
}

interface Setting {
  readonly key: keyof ServerSettings;
  readonly flag: string;
  readonly env: string;
  /**
   * `map`: `id=postgres-url` pairs, `models`: `name=name` pairs; the flag may repeat, the variable and file
   * may also hold a JSON object.
   */
  readonly kind: "string" | "port" | "number" | "count" | "list" | "map" | "models" | "boolean";
  readonly help: string;
}

/** Every setting, its flag and its environment variable. */
export const SETTINGS: readonly Setting[] = [
  { key: "port", flag: "--port", env: "W7S_PORT", kind: "port", help: "port to listen on (8787)" },
  { key: "host", flag: "--host", env: "W7S_HOST", kind: "string", help: "address to bind (127.0.0.1)" },
  {
    key: "baseDomain",
    flag: "--base-domain",
    env: "W7S_BASE_DOMAIN",
    kind: "string",
    help: "apps answer on <owner>.<base-domain> (w7s.localhost)",
  },
  {
    key: "dataDir",
    flag: "--data-dir",
    env: "W7S_DATA_DIR",
    kind: "string",
    help: "where deployments and files are kept (./.w7s)",
  },
  {
    key: "databaseUrl",
    flag: "--database-url",
    env: "DATABASE_URL",
    kind: "string",
    help: "Postgres URL: deployment records shared by several servers (SQLite in the data dir when unset)",
  },
  {
    key: "githubApiUrl",
    flag: "--github-api-url",
    env: "W7S_GITHUB_API_URL",
    kind: "string",
    help: "GitHub REST API base URL (https://api.github.com)",
  },
  {
    key: "deployToken",
    flag: "--deploy-token",
    env: "W7S_DEPLOY_TOKEN",
    kind: "string",
    help: "a shared operator token that may deploy any repository",
  },
  {
    key: "oidcIssuer",
    flag: "--oidc-issuer",
    env: "W7S_OIDC_ISSUER",
    kind: "string",
    help: "GitHub Actions OIDC issuer",
  },
  {
    key: "oidcAudiences",
    flag: "--oidc-audience",
    env: "W7S_OIDC_AUDIENCE",
    kind: "list",
    help: "accepted OIDC audiences, comma separated",
  },
  {
    key: "oidcJwksUrl",
    flag: "--oidc-jwks-url",
    env: "W7S_OIDC_JWKS_URL",
    kind: "string",
    help: "OIDC JWKS URL (<issuer>/.well-known/jwks)",
  },
  {
    key: "requestTimeoutMs",
    flag: "--request-timeout-ms",
    env: "W7S_REQUEST_TIMEOUT_MS",
    kind: "number",
    help: "time a backend may take per request (30000)",
  },
  {
    key: "memoryLimitMb",
    flag: "--memory-limit-mb",
    env: "W7S_MEMORY_LIMIT_MB",
    kind: "number",
    help: "heap limit per backend in MiB (256)",
  },
  {
    key: "databaseTimeLimitMs",
    flag: "--database-time-limit-ms",
    env: "W7S_DATABASE_TIME_LIMIT_MS",
    kind: "number",
    help: "time one SQL database (bindings.db) call may run (30000)",
  },
  {
    key: "limitExemptOwners",
    flag: "--limit-exempt-owners",
    env: "W7S_LIMIT_EXEMPT_ORGS",
    kind: "list",
    help: "owners that skip usage limits, suspensions and the free-tier shape caps (F.7)",
  },
  {
    key: "hyperdrive",
    flag: "--hyperdrive",
    env: "W7S_HYPERDRIVE",
    kind: "map",
    help: "a Postgres binding apps may use: <id>=postgres://user:password@host:port/db (repeatable)",
  },
  {
    key: "aiBaseUrl",
    flag: "--ai-base-url",
    env: "W7S_AI_BASE_URL",
    kind: "string",
    help: "OpenAI-compatible API root behind W7S_AI, e.g. https://api.openai.com/v1 (unset: AI answers 503)",
  },
  {
    key: "aiApiKey",
    flag: "--ai-api-key",
    env: "W7S_AI_API_KEY",
    kind: "string",
    help: "API key sent to the AI provider",
  },
  {
    key: "aiModels",
    flag: "--ai-model",
    env: "W7S_AI_MODELS",
    kind: "models",
    help: "a model apps may use: @w7s/<name>=<provider model> (repeatable)",
  },
  {
    key: "aiDefaultModel",
    flag: "--ai-default-model",
    env: "W7S_AI_DEFAULT_MODEL",
    kind: "string",
    help: "the @w7s/... model of requests that name none (the first --ai-model)",
  },
  {
    key: "queueLeaseSeconds",
    flag: "--queue-lease-seconds",
    env: "W7S_QUEUE_LEASE_SECONDS",
    kind: "number",
    help: "seconds a claimed queue batch or workflow step stays hidden from other servers without a heartbeat (15)",
  },
  {
    key: "dnsServers",
    flag: "--dns-servers",
    env: "W7S_DNS_SERVERS",
    kind: "list",
    help: "DNS servers for custom-domain TXT checks, comma separated host[:port] (the system's)",
  },
  {
    key: "historyDepth",
    flag: "--history-depth",
    env: "W7S_HISTORY_DEPTH",
    kind: "number",
    help: "deployments kept per app and environment for rollback (10)",
  },
  {
    key: "trustedProxies",
    flag: "--trusted-proxies",
    env: "W7S_TRUSTED_PROXIES",
    kind: "list",
    help: "peer addresses whose X-Forwarded-For names the client (127.0.0.1,::1)",
  },
  {
    key: "authFailureLimit",
    flag: "--auth-failure-limit",
    env: "W7S_AUTH_FAILURE_LIMIT",
    kind: "count",
    help: "bearer-token failures per client address per minute before 429 (10; 0 turns it off)",
  },
  {
    key: "maxCookieBytes",
    flag: "--max-cookie-bytes",
    env: "W7S_MAX_COOKIE_BYTES",
    kind: "number",
    help: "largest Cookie header accepted; larger ones answer 431 (8192)",
  },
  {
    key: "usageAccounting",
    flag: "--usage-accounting",
    env: "W7S_USAGE_ACCOUNTING",
    kind: "boolean",
    help: "count runtime requests and suspend apps over their limits (true)",
  },
  {
    key: "logCapture",
    flag: "--log-capture",
    env: "W7S_LOG_CAPTURE",
    kind: "boolean",
    help: "capture backends' console output and exceptions for the logs API (true)",
  },
  {
    key: "socketFront",
    flag: "--socket-front",
    env: "W7S_SOCKET_FRONT",
    kind: "boolean",
    help: "answer plain GET and HEAD requests from memory with the server's own HTTP/1.1 front (true)",
  },
  {
    key: "logRetentionSeconds",
    flag: "--log-retention-seconds",
    env: "W7S_LOG_RETENTION_SECONDS",
    kind: "number",
    help: "how long log records are kept (604800, clamped to 60 ... 2592000)",
  },
  {
    key: "usageRetentionDays",
    flag: "--usage-retention-days",
    env: "W7S_USAGE_RETENTION_DAYS",
    kind: "number",
    help: "days of daily usage rollups kept (14)",
  },
  {
    key: "staticRetentionDays",
    flag: "--static-retention-days",
    env: "W7S_STATIC_RETENTION_DAYS",
    kind: "number",
    help: "days a replaced static site is kept (7)",
  },
  {
    key: "backendRetentionDays",
    flag: "--backend-retention-days",
    env: "W7S_WORKER_SCRIPT_RETENTION_DAYS",
    kind: "number",
    help: "days a replaced backend is kept (7)",
  },
  {
    key: "analyticsRetentionDays",
    flag: "--analytics-retention-days",
    env: "W7S_ANALYTICS_RETENTION_DAYS",
    kind: "number",
    help: "days of analytics events kept (7)",
  },
  {
    key: "metricsPort",
    flag: "--metrics-port",
    env: "W7S_METRICS_PORT",
    kind: "port",
    help: "port of the operator listener serving /metrics (unset: no listener)",
  },
  {
    key: "metricsHost",
    flag: "--metrics-host",
    env: "W7S_METRICS_HOST",
    kind: "string",
    help: "address the metrics listener binds (127.0.0.1)",
  },
  {
    key: "metricsToken",
    flag: "--metrics-token",
    env: "W7S_METRICS_TOKEN",
    kind: "string",
    help: "bearer token /metrics requires (unset: none)",
  },
  {
    key: "telegramBotToken",
    flag: "--telegram-bot-token",
    env: "W7S_TELEGRAM_BOT_TOKEN",
    kind: "string",
    help: "Telegram bot that sends deploy and suspension notifications (unset: none are sent)",
  },
  {
    key: "telegramWebhookSecret",
    flag: "--telegram-webhook-secret",
    env: "W7S_TELEGRAM_WEBHOOK_SECRET",
    kind: "string",
    help: "secret_token of the bot's setWebhook; /api/v1/telegram/webhook refuses updates without it",
  },
  {
    key: "telegramApiUrl",
    flag: "--telegram-api-url",
    env: "W7S_TELEGRAM_API_URL",
    kind: "string",
    help: "Telegram Bot API root (https://api.telegram.org)",
  },
  {
    key: "telegramChatIds",
    flag: "--telegram-chat-id",
    env: "W7S_TELEGRAM_CHAT_ID",
    kind: "list",
    help: "the operator's chats for manager notifications, comma separated (unset: none)",
  },
  {
    key: "telegramAdminChatIds",
    flag: "--telegram-admin-chat-id",
    env: "W7S_ADMIN_TELEGRAM_CHAT_ID",
    kind: "list",
    help: "the operator's admin chats, comma separated: every event of every app, whatever --telegram-events says (unset: none)",
  },
  {
    key: "telegramEvents",
    flag: "--telegram-events",
    env: "W7S_TELEGRAM_EVENTS",
    kind: "list",
    help: "events the operator's chats receive, or all (deploy_success,deploy_warning,deploy_error,app_suspended,usage_collection_error)",
  },
];

export const DEFAULT_SETTINGS: ServerSettings = {
  port: 8787,
  host: "127.0.0.1",
  baseDomain: "w7s.localhost",
  dataDir: "./.w7s",
  databaseUrl: undefined,
  githubApiUrl: "https://api.github.com",
  deployToken: undefined,
  oidcIssuer: "https://token.actions.githubusercontent.com",
  oidcAudiences: ["w7s.cloud", "https://w7s.cloud"],
  oidcJwksUrl: undefined,
  requestTimeoutMs: 30_000,
  memoryLimitMb: 256,
  databaseTimeLimitMs: 30_000,
  limitExemptOwners: [],
  hyperdrive: {},
  aiBaseUrl: undefined,
  aiApiKey: undefined,
  aiModels: {},
  aiDefaultModel: undefined,
  queueLeaseSeconds: 15,
  dnsServers: [],
  historyDepth: 10,
  trustedProxies: ["127.0.0.1", "::1"],
  authFailureLimit: 10,
  maxCookieBytes: 8192,
  usageAccounting: true,
  logCapture: true,
  socketFront: true,
  logRetentionSeconds: 604_800,
  usageRetentionDays: 14,
  staticRetentionDays: 7,
  backendRetentionDays: 7,
  analyticsRetentionDays: 7,
  metricsPort: undefined,
  metricsHost: "127.0.0.1",
  metricsToken: undefined,
  telegramBotToken: undefined,
  telegramWebhookSecret: undefined,
  telegramApiUrl: "https://api.telegram.org",
  telegramChatIds: [],
  telegramAdminChatIds: [],
  telegramEvents: [...DEFAULT_MANAGER_EVENTS],
};

/** A setting that could not be read, naming where it came from. */
export class SettingsError extends Error {
  override readonly name = "SettingsError";
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\/[^/\s]*[^/\s@:][^/\s]*(?:\/\S*)?$/;

/** `id=url` pairs (comma or space separated) or a JSON object, each value a postgres:// URL. */
const convertMap = (raw: unknown, source: string): Record<string, string> => {
  let entries: Array<[string, unknown]>;
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
    entries = Object.entries(raw);
  } else if (typeof raw === "string" && raw.trim().startsWith("{")) {
    try {
      entries = Object.entries(JSON.parse(raw) as Record<string, unknown>);
    } catch {
      throw new SettingsError(`${source}: not a JSON object.`);
    }
  } else {
    entries = String(raw)
      .split(/[\s,]+/)
      .filter((pair) => pair !== "")
      .map((pair) => {
        const equals = pair.indexOf("=");
        if (equals <= 0)
          throw new SettingsError(`${source}: expected <id>=<postgres url>, got ${JSON.stringify(pair)}.`);
        return [pair.slice(0, equals), pair.slice(equals + 1)];
      });
  }
  const map: Record<string, string> = {};
  for (const [id, url] of entries) {
    if (typeof url !== "string" || !POSTGRES_URL.test(url))
      throw new SettingsError(`${source}: ${id} must be a postgres:// connection string with a host.`);
    map[id.trim()] = url;
  }
  return map;
};

/** `@w7s/<name>=<provider model>` pairs (comma or space separated) or a JSON object. */
const convertModels = (raw: unknown, source: string): Record<string, string> => {
  let entries: Array<[string, unknown]>;
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) entries = Object.entries(raw);
  else if (typeof raw === "string" && raw.trim().startsWith("{")) {
    try {
      entries = Object.entries(JSON.parse(raw) as Record<string, unknown>);
    } catch {
      throw new SettingsError(`${source}: not a JSON object.`);
    }
  } else {
    entries = String(raw)
      .split(/[\s,]+/)
      .filter((pair) => pair !== "")
      .map((pair) => {
        const equals = pair.indexOf("=");
        if (equals <= 0 || equals === pair.length - 1)
          throw new SettingsError(
            `${source}: expected @w7s/<name>=<provider model>, got ${JSON.stringify(pair)}.`,
          );
        return [pair.slice(0, equals), pair.slice(equals + 1)];
      });
  }
  const models: Record<string, string> = {};
  for (const [name, providerModel] of entries) {
    if (!name.startsWith("@w7s/") || typeof providerModel !== "string" || providerModel === "")
      throw new SettingsError(`${source}: ${name} must be an @w7s/... name mapped to a provider model name.`);
    models[name.trim()] = providerModel.trim();
  }
  return models;
};

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

const convert = (setting: Setting, raw: unknown, source: string): unknown => {
  if (setting.kind === "map") return convertMap(raw, source);
  if (setting.kind === "models") return convertModels(raw, source);
  if (setting.kind === "boolean") {
    if (typeof raw === "boolean") return raw;
    const text = String(raw).trim().toLowerCase();
    if (TRUE.has(text)) return true;
    if (FALSE.has(text)) return false;
    throw new SettingsError(`${source}: expected true or false, got ${JSON.stringify(raw)}.`);
  }
  if (setting.kind === "list") {
    const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(",");
    return items.map((item) => item.trim()).filter((item) => item !== "");
  }
  if (setting.kind === "port" || setting.kind === "number" || setting.kind === "count") {
    const value = Number(raw);
    const valid =
      Number.isInteger(value) &&
      value >= (setting.kind === "number" ? 1 : 0) &&
      (setting.kind !== "port" || value <= 65535);
    const expected =
      setting.kind === "port"
        ? "a port number"
        : setting.kind === "count"
          ? "a whole number, 0 or more"
          : "a positive whole number";
    if (!valid) throw new SettingsError(`${source}: expected ${expected}, got ${JSON.stringify(raw)}.`);
    return value;
  }
  return String(raw);
};

/** Where a setting's value came from. */
export type SettingSource = "flag" | "env" | "file" | "default";

export interface ResolvedSettings {
  readonly settings: ServerSettings;
  readonly sources: Readonly<Record<keyof ServerSettings, SettingSource>>;
  /** The arguments that are not settings flags (command options such as `--check`). */
  readonly rest: string[];
}

/**
 * Parses `--flag value` / `--flag=value`; a flag beats its environment variable, which beats the config
 * file, which beats the default. Throws SettingsError naming the flag, variable or file key at fault.
 */
export const resolveSettings = (input: {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly file?: Readonly<Record<string, unknown>> | undefined;
  /** Names the file in error messages. */
  readonly fileName?: string;
}): ResolvedSettings => {
  const fileName = input.fileName ?? "w7s.config.json";
  const fromFlags = new Map<keyof ServerSettings, unknown>();
  const rest: string[] = [];
  for (let index = 0; index < input.argv.length; index += 1) {
    const argument = input.argv[index]!;
    if (!argument.startsWith("--")) {
      rest.push(argument);
      continue;
    }
    const [flag, inline] = argument.split(/=(.*)/s, 2) as [string, string | undefined];
    const setting = SETTINGS.find((candidate) => candidate.flag === flag);
    if (setting === undefined) {
      rest.push(argument);
      continue;
    }
    const value = inline ?? input.argv[++index];
    if (value === undefined) throw new SettingsError(`${flag} needs a value.`);
    const converted = convert(setting, value, flag);
    const earlier = fromFlags.get(setting.key);
    fromFlags.set(
      setting.key,
      (setting.kind === "map" || setting.kind === "models") && earlier !== undefined
        ? { ...(earlier as object), ...(converted as object) }
        : converted,
    );
  }
  for (const key of Object.keys(input.file ?? {})) {
    if (!SETTINGS.some((setting) => setting.key === key))
      throw new SettingsError(
        `${fileName}: unknown setting "${key}" (known: ${SETTINGS.map((setting) => setting.key).join(", ")}).`,
      );
  }
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  const sources = {} as Record<keyof ServerSettings, SettingSource>;
  for (const setting of SETTINGS) {
    const fileValue = input.file?.[setting.key];
    const envValue = input.env[setting.env];
    sources[setting.key] = "default";
    if (fromFlags.has(setting.key)) {
      settings[setting.key] = fromFlags.get(setting.key);
      sources[setting.key] = "flag";
    } else if (envValue !== undefined && envValue !== "") {
      settings[setting.key] = convert(setting, envValue, setting.env);
      sources[setting.key] = "env";
    } else if (fileValue !== undefined && fileValue !== null) {
      settings[setting.key] = convert(setting, fileValue, `${fileName} ${setting.key}`);
      sources[setting.key] = "file";
    }
  }
  return { settings: settings as unknown as ServerSettings, sources, rest };
};
