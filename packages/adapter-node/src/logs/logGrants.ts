/**
 * Log grants: the capability workerd presents to the log ingest with every batch of tail events. It names
 * one deployment and is signed with the data directory's grant key (under its own prefix, so a log grant is
 * never a storage grant), so the ingest knows which app a batch belongs to without trusting its contents.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { loadGrantKey } from "../bindings/grants.js";

/** The request header workerd injects on the tail worker's requests. */
export const LOG_GRANT_HEADER = "x-w7s-log-grant";

export interface LogGrants {
  readonly issue: (deploymentId: string) => string;
  /** The deployment a header value names, or `undefined` when it is missing or not signed by us. */
  readonly verify: (value: string | undefined) => string | undefined;
}

export const makeLogGrants = (dataDir: string): LogGrants => {
  const key = loadGrantKey(dataDir);
  const mac = (payload: string) => createHmac("sha256", key).update(`logs:${payload}`).digest();
  return {
    issue: (deploymentId) => {
      const payload = Buffer.from(deploymentId).toString("base64url");
      return `${payload}.${mac(payload).toString("base64url")}`;
    },
    verify: (value) => {
      const [payload, signature, extra] = (value ?? "").split(".");
      if (payload === undefined || signature === undefined || extra !== undefined || payload === "")
        return undefined;
      const expected = mac(payload);
      const given = Buffer.from(signature, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      return Buffer.from(payload, "base64url").toString("utf8");
    },
  };
};
