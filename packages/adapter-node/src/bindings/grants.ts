/**
 * Binding grants: the capability a backend's workerd process presents to the bindings host with every
 * storage operation. A grant names one resource of one app and is signed with a key kept in the data
 * directory, so it is checked without any lookup and stays valid across restarts and for every server
 * sharing that directory. The app's code never sees a grant: workerd adds it to the requests its own
 * KV/R2/D1 bindings make.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { AppRef } from "@w7s/core";
import { grantKeyFile, isSafeResourceId } from "./layout.js";

/** The storage kinds served by the bindings host. */
export type GrantedKind = "kv" | "fs" | "db";

export interface BindingGrant {
  readonly kind: GrantedKind;
  readonly resourceId: string;
  /** The binding name, for usage and error messages. */
  readonly binding: string;
  readonly app: AppRef;
}

/** The request header workerd injects; its value is the signed grant. */
export const GRANT_HEADER = "x-w7s-binding";

export interface GrantSigner {
  readonly issue: (grant: BindingGrant) => string;
  /** The grant a header value carries, or `undefined` when it is missing, malformed or not signed by us. */
  readonly verify: (value: string | undefined) => BindingGrant | undefined;
}

const KINDS: ReadonlySet<string> = new Set(["kv", "fs", "db"]);

/**
 * Reads the data directory's signing key, creating it (readable by the server's user only) on first use.
 * Other capabilities the server hands to workerd (log capture) sign with it too, each with its own prefix.
 */
export const loadGrantKey = (dataDir: string): Buffer => {
  const file = grantKeyFile(dataDir);
  try {
    const key = readFileSync(file);
    if (key.length >= 32) return key;
  } catch {
    // Created below.
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    // `wx`: when another server on this data directory wrote it first, use theirs.
    writeFileSync(file, key, { flag: "wx", mode: 0o600 });
    chmodSync(file, 0o600);
    return key;
  } catch {
    return readFileSync(file);
  }
};

const isGrant = (value: unknown): value is BindingGrant => {
  if (typeof value !== "object" || value === null) return false;
  const grant = value as Record<string, unknown>;
  const app = grant["app"] as Record<string, unknown> | null | undefined;
  return (
    typeof grant["kind"] === "string" &&
    KINDS.has(grant["kind"]) &&
    typeof grant["resourceId"] === "string" &&
    isSafeResourceId(grant["resourceId"]) &&
    typeof grant["binding"] === "string" &&
    typeof app === "object" &&
    app !== null &&
    typeof app["environment"] === "string" &&
    typeof app["orgSlug"] === "string" &&
    typeof app["repoSlug"] === "string"
  );
};

export const makeGrantSigner = (dataDir: string): GrantSigner => {
  const key = loadGrantKey(dataDir);
  const mac = (payload: string) => createHmac("sha256", key).update(payload).digest();
  return {
    issue: (grant) => {
      const payload = Buffer.from(
        JSON.stringify({
          kind: grant.kind,
          resourceId: grant.resourceId,
          binding: grant.binding,
          app: {
            environment: grant.app.environment,
            orgSlug: grant.app.orgSlug,
            repoSlug: grant.app.repoSlug,
          },
        }),
      ).toString("base64url");
      return `${payload}.${mac(payload).toString("base64url")}`;
    },
    verify: (value) => {
      if (value === undefined) return undefined;
      const [payload, signature, extra] = value.split(".");
      if (payload === undefined || signature === undefined || extra !== undefined) return undefined;
      const expected = mac(payload);
      const given = Buffer.from(signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      try {
        const grant: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
        return isGrant(grant) ? grant : undefined;
      } catch {
        return undefined;
      }
    },
  };
};
