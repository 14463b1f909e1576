/**
 * The deployment history and rollback client: `GET <api>/deployments/<owner>/<repo>` lists what the server
 * keeps for an app and environment, and `POST .../rollback` makes an earlier deployment live again.
 */
import { apiRootOf, splitRepository } from "./endpoints.js";
import { requestJson } from "./http.js";
import type { ApiAnswer } from "./responses.js";

/** One listed deployment (the server's sanitized record). */
export interface HistoryEntry {
  readonly deploymentId: string;
  readonly current: boolean;
  readonly deployment: {
    readonly branch?: string;
    readonly commitSha?: string;
    readonly deployedAt?: string;
    readonly url?: string;
    readonly [key: string]: unknown;
  };
}

export interface DeploymentHistoryData {
  readonly repository?: string;
  readonly environment?: string;
  readonly retained?: number;
  readonly deployments?: readonly HistoryEntry[];
}

export interface RollbackData {
  readonly deploymentId?: string;
  readonly rolledBackFrom?: string;
  readonly url?: string;
  readonly customDomains?: readonly string[];
  readonly blockedCustomDomains?: ReadonlyArray<{ readonly hostname?: string; readonly message?: string }>;
}

/** Which app, and for a rollback where to go: a deployment id, or a number of steps back (default 1). */
export interface DeploymentsTarget {
  readonly repository: string;
  readonly environment?: string;
  readonly application?: string;
}

const deploymentsUrl = (deployUrl: string, target: DeploymentsTarget, suffix = ""): URL => {
  const parts = splitRepository(target.repository);
  if (parts === undefined) throw new Error(`${target.repository} is not in owner/repo form.`);
  const url = apiRootOf(deployUrl);
  url.pathname = `${url.pathname}/deployments/${encodeURIComponent(parts.owner)}/${encodeURIComponent(parts.repo)}${suffix}`;
  if (target.environment !== undefined && target.environment !== "")
    url.searchParams.set("environment", target.environment);
  if (target.application !== undefined && target.application !== "")
    url.searchParams.set("application", target.application);
  return url;
};

type Envelope<Data> = { readonly status?: string; readonly error?: string; readonly data?: Data };

/** `GET <api>/deployments/<owner>/<repo>`: the retained deployments, newest first. */
export const fetchDeploymentHistory = (
  deployUrl: string,
  target: DeploymentsTarget,
  token: string,
): Promise<ApiAnswer<Envelope<DeploymentHistoryData>>> =>
  requestJson(deploymentsUrl(deployUrl, target), { headers: { authorization: `Bearer ${token}` } });

/** `POST <api>/deployments/<owner>/<repo>/rollback` with `{deploymentId}` or `{steps}`. */
export const rollbackDeployment = (
  deployUrl: string,
  target: DeploymentsTarget & { readonly deploymentId?: string; readonly steps?: number },
  token: string,
): Promise<ApiAnswer<Envelope<RollbackData>>> =>
  requestJson(deploymentsUrl(deployUrl, target, "/rollback"), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(
      target.deploymentId === undefined
        ? { steps: target.steps ?? 1 }
        : { deploymentId: target.deploymentId },
    ),
  });
