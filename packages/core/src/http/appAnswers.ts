/**
 * The pieces of an app answer that every way of serving a request shares: a deployment as routing sees
 * it, the bytes a static decision reads and the answer it gives, the text of a backend failure, and the
 * rules every answer obeys (`x-w7s-environment`, the base-domain cookie policy of D.1, no body for HEAD).
 */
import type { ByteRange } from "../ports/AssetStore.js";
import type { RuntimeError } from "../ports/PortErrors.js";
import type { DeploymentRecord } from "../ports/records/DeploymentRecord.js";
import type { StaticManifest } from "../ports/records/StaticManifest.js";
import { stripBaseDomainCookies } from "../routing/cookiePolicy.js";
import {
  type RoutableDeployment,
  SERVED_ENVIRONMENT_HEADER,
  type ServedApp,
  type StaticFileDecision,
} from "../routing/routeModel.js";

/** An answer before a runtime writes it; `body` is `null` when none is sent. */
export interface AppAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array | null;
}

/** Texts of backend failures (D.4). */
export const appRequestMessages = {
  dispatchFailed: "Worker dispatch failed.",
  timedOut: "The backend did not answer in time.",
} as const;

/** The header saying where static bytes came from (D.3); this platform reads them from its asset store. */
export const STATIC_CACHE_HEADER = "x-w7s-static-cache";

const TEXT_CONTENT_TYPE = "text/plain; charset=utf-8";

/** A plain-text answer. */
export const textAnswer = (status: number, text: string): AppAnswer => ({
  status,
  headers: { "content-type": TEXT_CONTENT_TYPE },
  body: text,
});

/** A stored deployment and its site manifest (when it has one and it was found) as routing sees them. */
export const routableDeployment = (
  record: DeploymentRecord,
  manifest: StaticManifest | undefined,
): RoutableDeployment => ({
  environment: record.environment,
  orgSlug: record.orgSlug,
  repoSlug: record.repoSlug,
  hasBackend: record.targets.worker !== undefined,
  routing: { defaultDomain: record.routing?.defaultDomain ?? true },
  static:
    manifest === undefined
      ? undefined
      : {
          hasIndex: manifest.hasIndex,
          file: (routePath) => {
            const entry = manifest.files[routePath];
            return entry === undefined
              ? undefined
              : { routePath, contentType: entry.contentType, size: entry.size, etag: entry.etag };
          },
        },
});

/** The stored object and byte range a static decision sends. */
export interface StaticObjectRead {
  readonly key: string;
  readonly range: ByteRange | undefined;
}

/** What a static decision must read, or `undefined` when it sends no bytes (HEAD, 304, 416). */
export const staticObjectRead = (
  decision: StaticFileDecision,
  manifest: StaticManifest | undefined,
): StaticObjectRead | undefined => {
  const entry = manifest?.files[decision.file.routePath];
  if (decision.body.kind === "none" || entry === undefined) return undefined;
  return {
    key: entry.r2Key,
    range:
      decision.body.kind === "range"
        ? { offset: decision.body.offset, length: decision.body.length }
        : undefined,
  };
};

/**
 * The answer to a static decision given what was read: `"none"` when nothing had to be read, the bytes,
 * or `"missing"` when the stored object is gone (then the file is not found). `cache` is D.3's
 * `x-w7s-static-cache`: `miss` when the object store was read (usage counts it, D.8), `memory` when the
 * answer needed no read of it.
 */
export const staticFileAnswer = (
  decision: StaticFileDecision,
  read: Uint8Array | "none" | "missing",
  cache: "memory" | "miss" = "miss",
): AppAnswer => {
  if (read === "missing") return textAnswer(404, "Not found.");
  return {
    status: decision.status,
    headers: { ...decision.headers, [STATIC_CACHE_HEADER]: cache },
    body: read === "none" ? null : read,
  };
};

/** A backend that could not answer: 504 with the runtime's text on a timeout, else 502 (D.4). */
export const runtimeFailureAnswer = (error: RuntimeError): AppAnswer =>
  error.reason === "Timeout"
    ? // The runtime's description names its limit ("The backend did not answer within <n> ms.").
      textAnswer(504, error.description ?? appRequestMessages.timedOut)
    : textAnswer(502, error.description ?? appRequestMessages.dispatchFailed);

/** The part of a Web `Headers` object the response rules change; `Headers` fits. */
export interface ResponseHeaderBag {
  set(name: string, value: string): void;
  delete(name: string): void;
  append(name: string, value: string): void;
  getSetCookie(): string[];
}

/** `x-w7s-environment` names the environment that served; `Set-Cookie` for the base domain is dropped. */
export const applyResponseRules = (
  headers: ResponseHeaderBag,
  baseDomain: string,
  served: ServedApp | undefined,
): void => {
  if (served !== undefined) headers.set(SERVED_ENVIRONMENT_HEADER, served.environment);
  const cookies = headers.getSetCookie();
  if (cookies.length === 0) return;
  const kept = stripBaseDomainCookies(cookies, baseDomain);
  if (kept.length === cookies.length) return;
  headers.delete("set-cookie");
  for (const cookie of kept) headers.append("set-cookie", cookie);
};

/**
 * `applyResponseRules` and "HEAD has no body" for an answer the core made. Core answers never set cookies,
 * so only the environment header can change.
 */
export const finalizeAnswer = (
  answer: AppAnswer,
  method: string,
  served: ServedApp | undefined,
): AppAnswer => {
  const body = method.toUpperCase() === "HEAD" ? null : answer.body;
  if (served === undefined || answer.headers[SERVED_ENVIRONMENT_HEADER] === served.environment) {
    return body === answer.body ? answer : { ...answer, body };
  }
  return {
    status: answer.status,
    headers: { ...answer.headers, [SERVED_ENVIRONMENT_HEADER]: served.environment },
    body,
  };
};
