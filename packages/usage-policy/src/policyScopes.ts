/** The override scopes of each policy family, in the order they apply, and the KV key of each (F.3). */
import { sanitizeScriptPart } from "@w7s/env-naming";
import type { UsageTarget } from "./target.js";

/** Which aggregate a policy limits: one repository, all repositories of an owner, or the whole platform. */
export type PolicyFamily = "repo" | "owner" | "global";

/** Override scopes per family, earliest first: a later scope wins field by field. */
export const POLICY_FAMILY_SCOPES = {
  repo: ["owner", "owner_environment", "repo", "repo_environment"],
  owner: ["owner_total", "owner_total_environment"],
  global: ["global", "global_environment"],
} as const;

export type PolicyScope = (typeof POLICY_FAMILY_SCOPES)[PolicyFamily][number];

/** One place an override record may be stored, named by its scope. */
export interface PolicyLookup {
  readonly scope: PolicyScope;
  readonly key: string;
}

const PREFIX = "usage_limit_policy:v1";

/** The KV key of the override record for `scope`; names go through `sanitizeScriptPart`. */
export const policyKey = (scope: PolicyScope, target: UsageTarget): string => {
  const env = sanitizeScriptPart(target.environment);
  const org = sanitizeScriptPart(target.orgSlug);
  const repo = sanitizeScriptPart(target.repoSlug);
  switch (scope) {
    case "owner":
      return `${PREFIX}:owner:${org}`;
    case "owner_environment":
      return `${PREFIX}:owner_environment:${env}:${org}`;
    case "repo":
      return `${PREFIX}:repo:${org}:${repo}`;
    case "repo_environment":
      return `${PREFIX}:repo_environment:${env}:${org}:${repo}`;
    case "owner_total":
      return `${PREFIX}:owner_total:${org}`;
    case "owner_total_environment":
      return `${PREFIX}:owner_total_environment:${env}:${org}`;
    case "global":
      return `${PREFIX}:global`;
    case "global_environment":
      return `${PREFIX}:global_environment:${env}`;
  }
};

/** The records to read for one family, in the order they apply. */
export const policyLookups = (family: PolicyFamily, target: UsageTarget): readonly PolicyLookup[] =>
  POLICY_FAMILY_SCOPES[family].map((scope) => ({ scope, key: policyKey(scope, target) }));
