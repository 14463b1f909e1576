/** Names of platform-managed things derived from (environment, owner, repo): storage, queues, assets, schedules, workflow instances (B.11, E.1, E.4 - E.6). */
import { hash7 } from "./hash.js";
import { commitPart } from "./script.js";
import { sanitizeScriptPart } from "./slug.js";

const MAX_PROVIDER_NAME_LENGTH = 63;
const COMPACT_HEAD_LENGTH = 55;
const MAX_WORKFLOW_INSTANCE_ID_LENGTH = 100;
const WORKFLOW_PREFIX_HEAD_LENGTH = 58;
const WORKFLOW_SUFFIX_LENGTH = 40;

/** A deployment's identity: environment, owner slug and (app-scoped) repo slug. */
export interface DeploymentScope {
  readonly environment: string;
  readonly owner: string;
  readonly repo: string;
}

const trimTrailingHyphens = (value: string): string => value.replace(/-+$/, "");

/** Fits a name into 63 chars: its first 55 (trailing `-` trimmed), `-`, and the hash7 of the whole name. */
const compactTo63 = (name: string): string =>
  name.length <= MAX_PROVIDER_NAME_LENGTH
    ? name
    : `${trimTrailingHyphens(name.slice(0, COMPACT_HEAD_LENGTH))}-${hash7(name)}`;

const scopeParts = (scope: DeploymentScope): string =>
  [scope.environment, scope.owner, scope.repo].map(sanitizeScriptPart).join("-");

/** The kinds of managed storage named by `managedResourceName`. */
export type ManagedStorageKind = "kv" | "r2" | "d1";

/**
 * `w7s-<env>-<org>-<repo>-<kind>-<binding>`; only R2 bucket names are compacted to 63 characters, as
 * bucket names are the only ones the provider caps there.
 */
export const managedResourceName = (
  input: DeploymentScope & { readonly kind: ManagedStorageKind; readonly binding: string },
): string => {
  const name = `w7s-${scopeParts(input)}-${input.kind}-${sanitizeScriptPart(input.binding)}`;
  return input.kind === "r2" ? compactTo63(name) : name;
};

/** `w7s-<env>-<org>-<repo>-queue-<name>`, compacted to 63 characters. */
export const managedQueueName = (input: DeploymentScope & { readonly queue: string }): string =>
  compactTo63(`w7s-${scopeParts(input)}-queue-${sanitizeScriptPart(input.queue)}`);

/** The object-store prefix of one static publish: `static/v1/<env>/<org>/<repo>/<sha40>`. */
export const assetPrefix = (input: DeploymentScope & { readonly commitSha: string }): string =>
  [
    "static/v1",
    sanitizeScriptPart(input.environment),
    sanitizeScriptPart(input.owner),
    sanitizeScriptPart(input.repo),
    commitPart(input.commitSha),
  ].join("/");

/** The KV key of a static manifest: `static_manifest:v1:<env>:<org>:<repo>:<p(assetPrefix)>`. */
export const staticManifestKey = (input: DeploymentScope & { readonly assetPrefix: string }): string =>
  [
    "static_manifest:v1",
    sanitizeScriptPart(input.environment),
    sanitizeScriptPart(input.owner),
    sanitizeScriptPart(input.repo),
    sanitizeScriptPart(input.assetPrefix),
  ].join(":");

/** `<env>:<org>:<repo>:<hash7(cron \0 path)>`; pass the whitespace-collapsed cron expression. */
export const scheduleId = (
  input: DeploymentScope & { readonly cron: string; readonly path: string },
): string =>
  [
    sanitizeScriptPart(input.environment),
    sanitizeScriptPart(input.owner),
    sanitizeScriptPart(input.repo),
    hash7(`${input.cron}\0${input.path}`),
  ].join(":");

/**
 * `<env>-<org>-<repo>-<workflow>-<suffix>`, suffix being the requested id as a script part (first 40 chars),
 * or a hash7 when nothing was requested. Ids over 100 chars become
 * `<prefix head 58, trailing - trimmed>-<hash7 of the full id>-<suffix>` cut to 100.
 */
export const workflowInstanceId = (
  input: DeploymentScope & { readonly workflow: string; readonly requested?: string | undefined },
): string => {
  const parts = [input.environment, input.owner, input.repo, input.workflow].map(sanitizeScriptPart);
  const prefix = parts.join("-");
  const requested = input.requested?.trim() ?? "";
  const suffix =
    requested === ""
      ? hash7(`${parts.join(":")}:`)
      : sanitizeScriptPart(requested).slice(0, WORKFLOW_SUFFIX_LENGTH);
  const id = `${prefix}-${suffix}`;
  if (id.length <= MAX_WORKFLOW_INSTANCE_ID_LENGTH) return id;
  const head = trimTrailingHyphens(prefix.slice(0, WORKFLOW_PREFIX_HEAD_LENGTH));
  return `${head}-${hash7(id)}-${suffix}`.slice(0, MAX_WORKFLOW_INSTANCE_ID_LENGTH);
};
