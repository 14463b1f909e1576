/**
 * Who is calling the internal API (E.2): the app whose per-deployment token the bearer is, found only from
 * the token's hash, and only while that app's current deployment still carries that hash, so the tokens of
 * a replaced deployment stop working. Headers the caller sends never name it.
 */
import { requireSlug, type SlugField } from "@w7s/env-naming";
import { Effect, Option, Result } from "effect";
import { hashBindingToken } from "../deploy/bindingTokens.js";
import { parseBearerToken } from "../deploy/preflight.js";
import { BadGateway, BadRequest, Internal, Unauthorized } from "../errors/httpErrors.js";
import { DeploymentStore, type StoredDeployment } from "../ports/DeploymentStore.js";
import type { RuntimeError, StoreError } from "../ports/PortErrors.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type { BindingTokenKind } from "../ports/records/DeploymentIndexes.js";
import type { DeploymentRecord } from "../ports/records/DeploymentRecord.js";

/** The exact 401 texts of each token family. */
export const callerMessages: {
  readonly [Kind in BindingTokenKind]: { missing: string; notEnabled: string; invalid: string };
} = {
  rpc: {
    missing: "Missing RPC bearer token.",
    notEnabled: "RPC is not enabled for the caller deployment. Redeploy the caller app.",
    invalid: "Invalid RPC bearer token.",
  },
  queue: {
    missing: "Missing queue bearer token.",
    notEnabled: "Queues are not enabled for the caller deployment. Redeploy the caller app.",
    invalid: "Invalid queue bearer token.",
  },
  workflow: {
    missing: "Missing workflow bearer token.",
    notEnabled: "Workflows are not enabled for the caller deployment. Redeploy the caller app.",
    invalid: "Invalid workflow bearer token.",
  },
  events: {
    missing: "Missing events bearer token.",
    notEnabled: "Events are not enabled for the caller deployment. Redeploy the caller app.",
    invalid: "Invalid events bearer token.",
  },
  ai: {
    missing: "Missing AI bearer token.",
    notEnabled: "AI is not enabled for this deployment. Declare bindings.ai in w7s.json and redeploy.",
    invalid: "Invalid AI bearer token.",
  },
};

/** The calling app and its live deployment. */
export interface Caller {
  readonly app: AppRef;
  /** `<owner>/<repo>` in slug form, as the identity headers and envelopes carry it. */
  readonly repository: string;
  readonly deployment: StoredDeployment;
}

/** A store that cannot answer is the platform's failure, never the caller's. */
export const storeUnavailable = (error: StoreError): Internal => new Internal({ message: error.message });

/** The bearer of `request`, or the family's 401 when there is none. */
export const requireBearer = (kind: BindingTokenKind, request: Request) => {
  const token = parseBearerToken(request.headers.get("authorization"));
  return token === null
    ? Effect.fail(new Unauthorized({ message: callerMessages[kind].missing }))
    : Effect.succeed(token);
};

const tokenHashOf = (record: DeploymentRecord, kind: BindingTokenKind): string | undefined =>
  record[kind]?.tokenHash;

/**
 * Resolves a presented token: hash -> token entry -> that app's current deployment -> its `<kind>.tokenHash`
 * must be the same hash. An unknown hash or a replaced deployment's token is `Invalid`; an app whose live
 * deployment has no token of this kind (static-only, or deployed before the kind existed) is `not enabled`.
 */
export const resolveCaller = (kind: BindingTokenKind, token: string) =>
  Effect.gen(function* () {
    const store = yield* DeploymentStore;
    const messages = callerMessages[kind];
    const hash = yield* hashBindingToken(token);
    const entry = yield* store.findToken(kind, hash).pipe(Effect.mapError(storeUnavailable));
    if (Option.isNone(entry)) return yield* Effect.fail(new Unauthorized({ message: messages.invalid }));
    const app: AppRef = {
      environment: entry.value.environment,
      orgSlug: entry.value.orgSlug,
      repoSlug: entry.value.repoSlug,
    };
    const current = yield* store.current(app).pipe(Effect.mapError(storeUnavailable));
    if (Option.isNone(current)) return yield* Effect.fail(new Unauthorized({ message: messages.notEnabled }));
    const liveHash = tokenHashOf(current.value.record, kind);
    if (liveHash === undefined) return yield* Effect.fail(new Unauthorized({ message: messages.notEnabled }));
    if (liveHash !== hash) return yield* Effect.fail(new Unauthorized({ message: messages.invalid }));
    return {
      app,
      repository: `${app.orgSlug}/${app.repoSlug}`,
      deployment: current.value,
    } satisfies Caller;
  });

/** The live deployment of `app`, or `undefined`. */
export const currentDeployment = (app: AppRef) =>
  Effect.gen(function* () {
    const store = yield* DeploymentStore;
    const current = yield* store.current(app).pipe(Effect.mapError(storeUnavailable));
    return Option.getOrUndefined(current);
  });

/** Raw path segments after `prefix` (`/api/v1/rpc/`), split on `/`, empty ones kept (a trailing slash). */
export const segmentsAfter = (pathname: string, prefix: string): string[] | undefined =>
  pathname.startsWith(prefix) ? pathname.slice(prefix.length).split("/") : undefined;

/** `decodeURIComponent` that leaves a malformed escape as it was instead of throwing. */
export const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/** A path segment, percent-decoded, as a slug; `Invalid <field>.` (400) when it is not one. */
export const slugSegment = (segment: string, field: SlugField): Effect.Effect<string, BadRequest> => {
  const slug = requireSlug(decodeSegment(segment), field);
  return Result.isSuccess(slug)
    ? Effect.succeed(slug.success)
    : Effect.fail(new BadRequest({ message: slug.failure.message }));
};

/** A Result as an Effect, for the pure checks of env-naming. */
export const fromResult = <A, E>(result: Result.Result<A, E>): Effect.Effect<A, E> =>
  Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure);

/** Reads a body as text up to `maxBytes` (UTF-8); `undefined` once it is longer, so nothing larger is buffered. */
export const readTextWithin = (request: Request, maxBytes: number) =>
  Effect.promise(async (): Promise<{ text: string; bytes: number } | undefined> => {
    if (request.body === null) return { text: "", bytes: 0 };
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return undefined;
      }
      chunks.push(value);
    }
    const joined = new Uint8Array(bytes);
    let offset = 0;
    for (const chunk of chunks) {
      joined.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return { text: new TextDecoder().decode(joined), bytes };
  });

/** The request a platform delivery sends to an app's backend: `https://<owner>.w7s.internal<path>`. */
export const internalUrl = (owner: string, path: string, search = ""): string => {
  const url = new URL(`https://${owner}.w7s.internal`);
  url.pathname = path;
  url.search = search;
  return url.href;
};

/** The D.4 identity headers every dispatch to an app carries. */
export const identityHeaders = (app: AppRef, originalPath: string): Record<string, string> => ({
  "x-w7s-org-slug": app.orgSlug,
  "x-w7s-repo-slug": app.repoSlug,
  "x-w7s-original-path": originalPath,
});

/** A runtime failure while dispatching to an app's backend, as the internal API answers it. */
export const dispatchFailure = (error: RuntimeError): BadGateway =>
  new BadGateway({ message: error.description ?? "Worker dispatch failed." });

/** `success` for 200-399, else `error` (G.3), the outcome usage and analytics record. */
export const outcomeOf = (status: number): "success" | "error" =>
  status >= 200 && status < 400 ? "success" : "error";

/** A deployment that can receive dispatches, or `undefined` (static-only). */
export const withBackend = (deployment: StoredDeployment | undefined) =>
  deployment?.record.targets.worker === undefined ? undefined : deployment;
