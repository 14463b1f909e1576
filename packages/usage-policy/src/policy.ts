/** Effective daily policies: family defaults patched by override records in scope order, and the F.3 policy document. */
import {
  DEFAULT_DAILY_LIMITS,
  DEFAULT_WARNING_THRESHOLD,
  GLOBAL_DEFAULT_DAILY_LIMITS,
  OWNER_DEFAULT_DAILY_LIMITS,
} from "./dailyLimits.js";
import { METRICS, type Metric } from "./metrics.js";
import { parseOverrideRecord } from "./overrides.js";
import { POLICY_FAMILY_SCOPES, type PolicyFamily, type PolicyScope, policyKey } from "./policyScopes.js";
import type { UsageTarget } from "./target.js";

/** Where a metric's effective values last came from: the family default or an override scope. */
export type PolicySource = "default" | PolicyScope;

/** The effective daily limit of one metric. */
export interface MetricPolicy {
  readonly metric: Metric;
  readonly dailyUnits: number;
  readonly warningThreshold: number;
  readonly source: PolicySource;
}

/** The effective daily limit of every metric for one family. */
export type UsagePolicy = Readonly<Record<Metric, MetricPolicy>>;

/**
 * Stored override records by scope, as read from KV (`undefined` or `null` = no record). Scopes that do not
 * belong to the family being merged are not consulted.
 */
export type PolicyRecords = Readonly<Partial<Record<PolicyScope, unknown>>>;

const FAMILY_DEFAULTS: Readonly<Record<PolicyFamily, Readonly<Record<Metric, number>>>> = {
  repo: DEFAULT_DAILY_LIMITS,
  owner: OWNER_DEFAULT_DAILY_LIMITS,
  global: GLOBAL_DEFAULT_DAILY_LIMITS,
};

/** A family's policy before any override. */
export const defaultPolicy = (family: PolicyFamily): UsagePolicy => {
  const policy = {} as Record<Metric, MetricPolicy>;
  for (const metric of METRICS) {
    policy[metric] = {
      metric,
      dailyUnits: FAMILY_DEFAULTS[family][metric],
      warningThreshold: DEFAULT_WARNING_THRESHOLD,
      source: "default",
    };
  }
  return policy;
};

const isFound = (record: unknown): boolean => record !== undefined && record !== null;

/** The family's defaults patched by each found record in scope order; each patch sets `source` to its scope. */
export const mergePolicy = (family: PolicyFamily, records: PolicyRecords): UsagePolicy => {
  const policy: Record<Metric, MetricPolicy> = { ...defaultPolicy(family) };
  for (const scope of POLICY_FAMILY_SCOPES[family]) {
    const record = records[scope];
    if (!isFound(record)) continue;
    const override = parseOverrideRecord(record);
    for (const metric of METRICS) {
      const patch = override.metrics[metric];
      if (patch === undefined || (patch.dailyUnits === undefined && patch.warningThreshold === undefined))
        continue;
      policy[metric] = { ...policy[metric], ...patch, source: scope };
    }
  }
  return policy;
};

/** One row of the document's `lookups`: which record was consulted and which metrics it names. */
export interface PolicyLookupReport {
  readonly scope: "default" | PolicyScope;
  readonly key: string | null;
  readonly found: boolean;
  readonly metrics: readonly Metric[];
}

/** The effective repo policy as the limits and usage APIs show it (F.3, F.10). */
export interface EffectivePolicyDocument extends UsageTarget {
  readonly version: 1;
  readonly period: "daily";
  readonly mode: "enforce";
  readonly policies: readonly MetricPolicy[];
  readonly policy: UsagePolicy;
  readonly lookups: readonly PolicyLookupReport[];
}

/** The F.3 document of a repository's own (repo family) policy, given the records found for its scopes. */
export const effectivePolicyDocument = (
  target: UsageTarget & { readonly records: PolicyRecords },
): EffectivePolicyDocument => {
  const policy = mergePolicy("repo", target.records);
  const lookups: PolicyLookupReport[] = [{ scope: "default", key: null, found: true, metrics: [...METRICS] }];
  for (const scope of POLICY_FAMILY_SCOPES.repo) {
    const record = target.records[scope];
    const found = isFound(record);
    lookups.push({
      scope,
      key: policyKey(scope, target),
      found,
      metrics: found ? parseOverrideRecord(record).namedMetrics : [],
    });
  }
  return {
    version: 1,
    period: "daily",
    mode: "enforce",
    environment: target.environment,
    orgSlug: target.orgSlug,
    repoSlug: target.repoSlug,
    policies: METRICS.map((metric) => policy[metric]),
    policy,
    lookups,
  };
};
