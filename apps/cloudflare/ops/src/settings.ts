/**
 * The operator's variables, read from the environment under the names self-host.md gives them, with the
 * page's defaults, and checked before any call to Cloudflare so that a typo fails with the variable's name
 * instead of a 400 from the API. An empty value counts as unset: GitHub Actions passes an unset
 * `vars.X` as the empty string.
 */

import { NOTIFICATION_EVENTS } from "@w7s/core";
import { Effect } from "effect";
import { OpsError } from "./errors.js";

/**
 * The secrets the core Worker gets from `.wrangler/secrets.json` (`wrangler deploy --secrets-file`), each only
 * when it is set. `CLOUDFLARE_API_TOKEN` is among them: the deployed Worker calls the REST API itself (it
 * uploads app scripts into the dispatch namespace and provisions their resources).
 */
export const WORKER_SECRET_NAMES = [
  "CLOUDFLARE_API_TOKEN",
  "W7S_DEPLOY_TOKEN",
  "W7S_TELEGRAM_BOT_TOKEN",
  "W7S_TELEGRAM_CHAT_ID",
  "W7S_TELEGRAM_WEBHOOK_SECRET",
  "W7S_AI_API_KEY",
] as const;
export type WorkerSecretName = (typeof WORKER_SECRET_NAMES)[number];

export const TELEGRAM_SECRET_NAMES = [
  "W7S_TELEGRAM_BOT_TOKEN",
  "W7S_TELEGRAM_CHAT_ID",
  "W7S_TELEGRAM_WEBHOOK_SECRET",
] as const;

/** The notification events a chat may take (the core's own list); `all` stands for every one. */
export const TELEGRAM_EVENTS = NOTIFICATION_EVENTS;

/**
 * The page's defaults, plus the two names W7S adds (the Worker's and the platform queue's). The Worker's
 * own defaults for `W7S_CORE_WORKER_NAME` and `W7S_DISPATCH_NAMESPACE` (apps/cloudflare/src/settings.ts) are
 * the same; the generated config always sets both.
 */
export const DEFAULTS = {
  W7S_ATTACH_WILDCARD_ROUTE: "false",
  W7S_CORE_WORKER_NAME: "w7s-core",
  W7S_DEPLOYMENTS_KV_NAME: "w7s-io-deployments",
  W7S_STATIC_ASSETS_BUCKET: "w7s-io-static-assets",
  W7S_DISPATCH_NAMESPACE: "w7s-isolate",
  W7S_QUEUE_NAME: "w7s-platform-queue",
  W7S_WORKFLOW_NAME: "w7s-workflows",
  W7S_USER_WORKER_CPU_MS: "50",
  W7S_USER_WORKER_SUBREQUESTS: "25",
} as const;

export interface OpsSettings {
  readonly apiToken: string;
  readonly accountId: string;
  /** `CLOUDFLARE_API_BASE_URL`, for tests against the stand-in; Cloudflare's own API when unset. */
  readonly apiBaseUrl: string | undefined;
  readonly zoneName: string;
  readonly attachWildcardRoute: boolean;
  readonly workerName: string;
  readonly deploymentsKvName: string;
  readonly staticAssetsBucket: string;
  readonly dispatchNamespace: string;
  readonly queueName: string;
  readonly workflowName: string;
  readonly analyticsDataset: string | undefined;
  readonly userWorkerCpuMs: number;
  readonly userWorkerSubrequests: number;
  /** `all` or a comma-separated list of TELEGRAM_EVENTS, normalised (no spaces); unset: the core's default. */
  readonly telegramEvents: string | undefined;
  readonly logRetentionSeconds: number | undefined;
  readonly secrets: Partial<Record<WorkerSecretName, string>>;
}

type Env = Readonly<Record<string, string | undefined>>;

const ZONE_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ACCOUNT_ID = /^[0-9a-f]{32}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const WORKER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const RESOURCE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;
const DATASET_NAME = /^[a-zA-Z0-9_]{1,64}$/;
const CHAT_ID = /^(-?\d+|@[A-Za-z0-9_]{5,})$/;
const WEBHOOK_SECRET = /^[A-Za-z0-9_-]{1,256}$/;
const BOT_TOKEN = /^\d+:[A-Za-z0-9_-]+$/;

/**
 * Reads and checks every variable; fails with one `OpsError` listing every problem, one line per variable.
 * Secret values are never quoted in a problem.
 */
export const readSettings = (env: Env): Effect.Effect<OpsSettings, OpsError> =>
  Effect.suspend(() => {
    const problems: string[] = [];
    const value = (name: string): string | undefined => {
      const raw = env[name]?.trim();
      return raw === undefined || raw === "" ? undefined : raw;
    };
    const withDefault = (name: keyof typeof DEFAULTS): string => value(name) ?? DEFAULTS[name];
    const required = (name: string, what: string): string => {
      const found = value(name);
      if (found === undefined) problems.push(`${name} is required: ${what}`);
      return found ?? "";
    };
    const matching = (name: string, found: string, pattern: RegExp, what: string, secret = false): string => {
      if (found !== "" && !pattern.test(found)) {
        problems.push(`${name} ${secret ? "is not" : `is "${found}", not`} ${what}`);
      }
      return found;
    };
    const positiveInteger = (name: string, found: string): number => {
      const parsed = /^\d+$/.test(found) ? Number.parseInt(found, 10) : Number.NaN;
      if (!(parsed > 0)) problems.push(`${name} is "${found}", not a positive whole number`);
      return parsed;
    };

    const apiToken = required("CLOUDFLARE_API_TOKEN", "a Cloudflare API token for the account (a secret)");
    const accountId = matching(
      "CLOUDFLARE_ACCOUNT_ID",
      required("CLOUDFLARE_ACCOUNT_ID", "the id of the Cloudflare account that owns the zone"),
      ACCOUNT_ID,
      "a Cloudflare account id (32 hexadecimal characters)",
    );
    const apiBaseUrl = value("CLOUDFLARE_API_BASE_URL");
    if (apiBaseUrl !== undefined && !URL.canParse(apiBaseUrl)) {
      problems.push(`CLOUDFLARE_API_BASE_URL is "${apiBaseUrl}", not a URL`);
    }
    const zoneName = matching(
      "W7S_ZONE_NAME",
      required("W7S_ZONE_NAME", "the Cloudflare zone W7S serves, such as example.com").toLowerCase(),
      ZONE_NAME,
      "a zone name such as example.com",
    );

    const wildcard = withDefault("W7S_ATTACH_WILDCARD_ROUTE").toLowerCase();
    if (wildcard !== "true" && wildcard !== "false") {
      problems.push(`W7S_ATTACH_WILDCARD_ROUTE is "${wildcard}", not true or false`);
    }

    const workerName = matching(
      "W7S_CORE_WORKER_NAME",
      withDefault("W7S_CORE_WORKER_NAME"),
      WORKER_NAME,
      "a Worker name (lowercase letters, digits and inner hyphens, at most 63)",
    );
    const deploymentsKvName = withDefault("W7S_DEPLOYMENTS_KV_NAME");
    if (deploymentsKvName.length > 512)
      problems.push("W7S_DEPLOYMENTS_KV_NAME is longer than 512 characters");
    const staticAssetsBucket = matching(
      "W7S_STATIC_ASSETS_BUCKET",
      withDefault("W7S_STATIC_ASSETS_BUCKET"),
      BUCKET_NAME,
      "a bucket name (3 to 63 lowercase letters, digits and inner hyphens)",
    );
    const dispatchNamespace = matching(
      "W7S_DISPATCH_NAMESPACE",
      withDefault("W7S_DISPATCH_NAMESPACE"),
      RESOURCE_NAME,
      "a dispatch namespace name (letters, digits, _ and -)",
    );
    const queueName = matching(
      "W7S_QUEUE_NAME",
      withDefault("W7S_QUEUE_NAME"),
      RESOURCE_NAME,
      "a queue name (letters, digits, _ and -)",
    );
    const workflowName = matching(
      "W7S_WORKFLOW_NAME",
      withDefault("W7S_WORKFLOW_NAME"),
      RESOURCE_NAME,
      "a Workflow name (letters, digits, _ and -)",
    );
    const analyticsDataset = value("W7S_ANALYTICS_DATASET");
    if (analyticsDataset !== undefined) {
      matching(
        "W7S_ANALYTICS_DATASET",
        analyticsDataset,
        DATASET_NAME,
        "an Analytics Engine dataset name (letters, digits and _)",
      );
    }
    const userWorkerCpuMs = positiveInteger("W7S_USER_WORKER_CPU_MS", withDefault("W7S_USER_WORKER_CPU_MS"));
    const userWorkerSubrequests = positiveInteger(
      "W7S_USER_WORKER_SUBREQUESTS",
      withDefault("W7S_USER_WORKER_SUBREQUESTS"),
    );
    const retention = value("W7S_LOG_RETENTION_SECONDS");
    const logRetentionSeconds =
      retention === undefined ? undefined : positiveInteger("W7S_LOG_RETENTION_SECONDS", retention);

    const eventsValue = value("W7S_TELEGRAM_EVENTS");
    const events = (eventsValue ?? "")
      .split(",")
      .map((event) => event.trim().toLowerCase())
      .filter((event) => event !== "");
    const known: ReadonlyArray<string> = TELEGRAM_EVENTS;
    const unknownEvents = events.filter((event) => event !== "all" && !known.includes(event));
    if (eventsValue !== undefined && (unknownEvents.length > 0 || events.length === 0)) {
      problems.push(
        `W7S_TELEGRAM_EVENTS names ${unknownEvents.length > 0 ? `unknown events (${unknownEvents.join(", ")})` : "no event"}: use all or a comma-separated list of ${TELEGRAM_EVENTS.join(", ")}`,
      );
    }

    const secrets: Partial<Record<WorkerSecretName, string>> = {};
    for (const name of WORKER_SECRET_NAMES) {
      const found = value(name);
      if (found !== undefined) secrets[name] = found;
    }
    if (secrets.W7S_TELEGRAM_BOT_TOKEN !== undefined) {
      matching(
        "W7S_TELEGRAM_BOT_TOKEN",
        secrets.W7S_TELEGRAM_BOT_TOKEN,
        BOT_TOKEN,
        "a bot token (<id>:<key>)",
        true,
      );
    }
    if (secrets.W7S_TELEGRAM_CHAT_ID !== undefined) {
      matching(
        "W7S_TELEGRAM_CHAT_ID",
        secrets.W7S_TELEGRAM_CHAT_ID,
        CHAT_ID,
        "a chat id (a number or @name)",
        true,
      );
    }
    if (secrets.W7S_TELEGRAM_WEBHOOK_SECRET !== undefined) {
      matching(
        "W7S_TELEGRAM_WEBHOOK_SECRET",
        secrets.W7S_TELEGRAM_WEBHOOK_SECRET,
        WEBHOOK_SECRET,
        "a webhook secret (1 to 256 letters, digits, _ and -)",
        true,
      );
    }
    if (
      secrets.W7S_TELEGRAM_BOT_TOKEN === undefined &&
      (secrets.W7S_TELEGRAM_CHAT_ID !== undefined || secrets.W7S_TELEGRAM_WEBHOOK_SECRET !== undefined)
    ) {
      problems.push(
        "W7S_TELEGRAM_CHAT_ID and W7S_TELEGRAM_WEBHOOK_SECRET need W7S_TELEGRAM_BOT_TOKEN as well",
      );
    }

    if (problems.length > 0) {
      return Effect.fail(
        new OpsError({
          message: `invalid configuration:\n${problems.map((line) => `  - ${line}`).join("\n")}`,
        }),
      );
    }
    return Effect.succeed({
      apiToken,
      accountId,
      apiBaseUrl,
      zoneName,
      attachWildcardRoute: wildcard === "true",
      workerName,
      deploymentsKvName,
      staticAssetsBucket,
      dispatchNamespace,
      queueName,
      workflowName,
      analyticsDataset,
      userWorkerCpuMs,
      userWorkerSubrequests,
      telegramEvents:
        eventsValue === undefined ? undefined : events.includes("all") ? "all" : events.join(","),
      logRetentionSeconds,
      secrets,
    });
  });
