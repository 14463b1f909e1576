/** The public URL of a deployment, as returned by deploy (`url`) and the agent API (`primaryUrl`) (A.4). */
import { runtimeHostname } from "./host.js";

/**
 * `https://<first custom domain display>/` when a custom domain is attached; otherwise the runtime host with
 * `/` for the owner-root repo (`repo === owner`) or `/<repo>/`.
 */
export const publicUrl = (input: {
  readonly environment: string;
  readonly owner: string;
  readonly repo: string;
  readonly baseDomain: string;
  /** Attached route displays (`host` or `host/prefix`), in attachment order. */
  readonly customDomains?: readonly string[] | undefined;
}): string => {
  const firstCustomDomain = input.customDomains?.[0];
  if (firstCustomDomain !== undefined && firstCustomDomain !== "") {
    return `https://${firstCustomDomain.replace(/\/+$/, "")}/`;
  }
  const path = input.repo === input.owner ? "/" : `/${input.repo}/`;
  return `https://${runtimeHostname(input)}${path}`;
};
