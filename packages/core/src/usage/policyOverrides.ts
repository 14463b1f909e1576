/**
 * The operator's override records (F.3) as an operator edits them: which scopes exist and what each one
 * names, reading the records that apply to an app, and setting or deleting one metric of one record. The
 * records keep the documented shape (`{version: 1, metrics: {...}, updatedAt}`), so records written here
 * and records copied from another W7S install mean the same.
 */
import { normalizeSlug, requireEnvironmentSlug } from "@w7s/env-naming";
import {
  canonicalMetric,
  effectivePolicyDocument,
  mergePolicy,
  POLICY_FAMILY_SCOPES,
  type PolicyScope,
  policyKey,
} from "@w7s/usage-policy";
import { Effect, Option, Result } from "effect";
import type { AppRef } from "../ports/records/AppRef.js";
import { UsagePolicyStore } from "../ports/UsagePolicyStore.js";
import { familyRecords } from "./usageLimits.js";

/** Every override scope in the order they are read (repo family, then owner totals, then global). */
export const POLICY_SCOPES: readonly PolicyScope[] = [
  ...POLICY_FAMILY_SCOPES.repo,
  ...POLICY_FAMILY_SCOPES.owner,
  ...POLICY_FAMILY_SCOPES.global,
];

/** What a scope's key names: an owner, a repo (and its owner), an environment. */
export const scopeNeeds = (
  scope: PolicyScope,
): { readonly owner: boolean; readonly repo: boolean; readonly environment: boolean } => ({
  owner: !scope.startsWith("global"),
  repo: scope.startsWith("repo"),
  environment: scope.endsWith("_environment"),
});

/** Where an override applies; only the fields its scope needs are read. */
export interface OverrideTarget {
  readonly owner?: string | undefined;
  readonly repo?: string | undefined;
  readonly environment?: string | undefined;
}

/** The exact texts of refused override edits. */
export const overrideMessages = {
  unknownScope: (scope: string) => `Unknown scope ${scope} (one of ${POLICY_SCOPES.join(", ")}).`,
  missing: (field: "owner" | "repo" | "environment", scope: string) => `Scope ${scope} needs --${field}.`,
  unknownMetric: (metric: string) => `Unknown metric ${metric}.`,
  dailyUnits: "--daily-units must be a number of at least 1.",
  warningThreshold: "--warning-threshold must be greater than 0 and at most 1.",
  nothingToSet: "Give --daily-units, --warning-threshold or both.",
  invalidName: (field: string) => `Invalid ${field}.`,
} as const;

/** An override edit the operator asked for that cannot be made. */
export class OverrideRefused extends Error {
  override readonly name = "OverrideRefused";
}

const refuse = (message: string) => Result.fail(new OverrideRefused(message));

/** Reads a scope name. */
export const parseScope = (scope: string): Result.Result<PolicyScope, OverrideRefused> =>
  (POLICY_SCOPES as readonly string[]).includes(scope)
    ? Result.succeed(scope as PolicyScope)
    : refuse(overrideMessages.unknownScope(scope));

/** The F.3 key of the record for `scope` at `target`. */
export const overrideKey = (
  scope: PolicyScope,
  target: OverrideTarget,
): Result.Result<string, OverrideRefused> => {
  const needs = scopeNeeds(scope);
  const name = (value: string | undefined) =>
    value === undefined || value.trim() === "" ? undefined : normalizeSlug(value);
  const owner = name(target.owner);
  const repo = name(target.repo);
  if (needs.owner && owner === undefined) return refuse(overrideMessages.missing("owner", scope));
  if (needs.owner && owner === "") return refuse(overrideMessages.invalidName("owner"));
  if (needs.repo && repo === undefined) return refuse(overrideMessages.missing("repo", scope));
  if (needs.repo && repo === "") return refuse(overrideMessages.invalidName("repo"));
  let environment = "";
  if (needs.environment) {
    if (target.environment === undefined || target.environment.trim() === "")
      return refuse(overrideMessages.missing("environment", scope));
    const parsed = requireEnvironmentSlug(target.environment);
    if (Result.isFailure(parsed)) return refuse(overrideMessages.invalidName("environment"));
    environment = parsed.success;
  }
  return Result.succeed(policyKey(scope, { environment, orgSlug: owner ?? "", repoSlug: repo ?? "" }));
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The record's metrics as an editable copy; a record that is not version 1 is replaced. */
const editableMetrics = (record: unknown): Record<string, unknown> =>
  isPlainObject(record) && record["version"] === 1 && isPlainObject(record["metrics"])
    ? { ...record["metrics"] }
    : {};

/** One metric's change: the fields given replace the stored ones, the others stay. */
export interface OverrideChange {
  readonly scope: PolicyScope;
  readonly target: OverrideTarget;
  readonly metric: string;
  readonly dailyUnits?: number | undefined;
  readonly warningThreshold?: number | undefined;
}

/** Sets one metric of one record; returns the key and the record as stored. */
export const setPolicyOverride = (change: OverrideChange) =>
  Effect.gen(function* () {
    const key = yield* Effect.fromResult(overrideKey(change.scope, change.target));
    const metric = canonicalMetric(change.metric);
    if (metric === undefined)
      return yield* Effect.fail(new OverrideRefused(overrideMessages.unknownMetric(change.metric)));
    if (change.dailyUnits === undefined && change.warningThreshold === undefined)
      return yield* Effect.fail(new OverrideRefused(overrideMessages.nothingToSet));
    if (change.dailyUnits !== undefined && !(Number.isFinite(change.dailyUnits) && change.dailyUnits >= 1))
      return yield* Effect.fail(new OverrideRefused(overrideMessages.dailyUnits));
    if (
      change.warningThreshold !== undefined &&
      !(change.warningThreshold > 0 && change.warningThreshold <= 1)
    )
      return yield* Effect.fail(new OverrideRefused(overrideMessages.warningThreshold));
    const store = yield* UsagePolicyStore;
    const stored = yield* store.get(key);
    const metrics = editableMetrics(Option.getOrUndefined(stored));
    const held = metrics[metric];
    const fields = isPlainObject(held) ? { ...held } : typeof held === "number" ? { dailyUnits: held } : {};
    metrics[metric] = {
      ...fields,
      ...(change.dailyUnits === undefined ? {} : { dailyUnits: Math.floor(change.dailyUnits) }),
      ...(change.warningThreshold === undefined ? {} : { warningThreshold: change.warningThreshold }),
    };
    const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
    const record = { version: 1, metrics, updatedAt: new Date(now).toISOString() };
    yield* store.put(key, record);
    return { key, record };
  });

/** Deletes one metric of a record (or the whole record without `metric`); a record left empty goes. */
export const deletePolicyOverride = (input: {
  readonly scope: PolicyScope;
  readonly target: OverrideTarget;
  readonly metric?: string | undefined;
}) =>
  Effect.gen(function* () {
    const key = yield* Effect.fromResult(overrideKey(input.scope, input.target));
    const store = yield* UsagePolicyStore;
    if (input.metric === undefined) return { key, deleted: yield* store.delete(key), record: undefined };
    const metric = canonicalMetric(input.metric);
    if (metric === undefined)
      return yield* Effect.fail(new OverrideRefused(overrideMessages.unknownMetric(input.metric)));
    const stored = yield* store.get(key);
    if (Option.isNone(stored)) return { key, deleted: false, record: undefined };
    const metrics = editableMetrics(stored.value);
    const names = Object.keys(metrics).filter((name) => canonicalMetric(name) === metric);
    if (names.length === 0) return { key, deleted: false, record: stored.value };
    for (const name of names) delete metrics[name];
    if (Object.keys(metrics).length === 0) {
      yield* store.delete(key);
      return { key, deleted: true, record: undefined };
    }
    const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
    const record = { version: 1, metrics, updatedAt: new Date(now).toISOString() };
    yield* store.put(key, record);
    return { key, deleted: true, record };
  });

/**
 * What applies to an app: its F.3 policy document (as the limits API shows it), its owner-total and global
 * policies, and every record consulted, by scope.
 */
export const policyOverview = (app: AppRef) =>
  Effect.gen(function* () {
    const repo = yield* familyRecords("repo", app);
    const owner = yield* familyRecords("owner", app);
    const global = yield* familyRecords("global", app);
    const records = POLICY_SCOPES.map((scope) => ({
      scope,
      key: policyKey(scope, app),
      record: ({ ...repo, ...owner, ...global } as Record<string, unknown>)[scope] ?? null,
    }));
    return {
      limits: {
        ...effectivePolicyDocument({ ...app, records: repo }),
        repository: `${app.orgSlug}/${app.repoSlug}`,
      },
      ownerPolicy: mergePolicy("owner", owner),
      globalPolicy: mergePolicy("global", global),
      records,
    };
  });
