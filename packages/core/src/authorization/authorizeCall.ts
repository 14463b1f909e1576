/** Whether one app may call another through RPC, a queue or a workflow (E.3, E.4, E.6), or reach its event subscriptions. */
import { Forbidden } from "../errors/httpErrors.js";

/** The internal call families that share this rule. */
export type InternalCallKind = "rpc" | "queue" | "workflow" | "event";

/** One side of an internal call: an app (app-scoped repo slug) in one environment. */
export interface CallParty {
  readonly owner: string;
  readonly repo: string;
  readonly environment: string;
}

/** What is being decided: the caller as resolved from its token, the target, and the target's allow list. */
export interface CallAuthorizationRequest {
  readonly kind: InternalCallKind;
  readonly caller: CallParty;
  readonly target: CallParty;
  /** The target deployment's `<kind>.allow`: owners or `owner/repo` entries. */
  readonly allow: readonly string[];
}

/** Why a call was allowed. */
export type CallGrant = "same-owner" | "allow-list-owner" | "allow-list-repository";

/** Why a call was denied. */
export type CallDenial = "other-environment" | "not-in-allow-list";

/** The decision: allowed with its grant, or denied with the reason and the exact 403 to answer. */
export type CallAuthorization =
  | { readonly allowed: true; readonly grant: CallGrant }
  | { readonly allowed: false; readonly reason: CallDenial; readonly error: Forbidden };

/** The exact 403 text of each call family. */
export const callForbiddenMessages: { readonly [Kind in InternalCallKind]: string } = {
  rpc: "RPC caller is not authorized for this target.",
  queue: "Queue caller is not authorized for this target.",
  workflow: "Workflow caller is not authorized for this target.",
  // Never answered: a publish skips the subscriptions it may not reach, since their owners chose that.
  event: "Event publisher is not authorized for this subscription.",
};

const identity = (value: string): string => value.trim().toLowerCase();

const deny = (kind: InternalCallKind, reason: CallDenial): CallAuthorization => ({
  allowed: false,
  reason,
  error: new Forbidden({ message: callForbiddenMessages[kind] }),
});

/**
 * Same owner is allowed; another owner only when the target's allow list names the caller's owner or
 * `owner/repo` (GitHub names compare case-insensitively). A call never crosses environments, whatever the
 * allow list says; environments are compared exactly because they are already normalized slugs.
 */
export const authorizeCall = (request: CallAuthorizationRequest): CallAuthorization => {
  const { kind, caller, target, allow } = request;
  if (caller.environment !== target.environment) return deny(kind, "other-environment");
  const callerOwner = identity(caller.owner);
  if (callerOwner === identity(target.owner)) return { allowed: true, grant: "same-owner" };
  const callerRepository = `${callerOwner}/${identity(caller.repo)}`;
  let grant: CallGrant | undefined;
  for (const entry of allow) {
    const allowed = identity(entry);
    if (allowed === callerRepository) return { allowed: true, grant: "allow-list-repository" };
    if (allowed === callerOwner) grant = "allow-list-owner";
  }
  return grant === undefined ? deny(kind, "not-in-allow-list") : { allowed: true, grant };
};
