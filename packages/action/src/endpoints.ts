/**
 * Where the action sends its requests: the deploy URL with the `environment` override, and the usage and
 * logs endpoints derived from it by replacing a trailing `/api/v1/deploy` (J.1, J.3, J.4, J.5).
 */

/** The official action's default deploy endpoint. */
export const DEFAULT_DEPLOY_URL = "https://w7s.cloud/api/v1/deploy";

/**
 * The deploy URL with `environment=<value>` appended (`?` or `&`). Unlike the official action, the value is
 * URL-encoded, so `feature/a&b` reaches the server as one value (L.9 item 36).
 */
export const deployUrlWithEnvironment = (deployUrl: string, environment: string | undefined): string => {
  const value = (environment ?? "").trim();
  if (value === "") return deployUrl;
  return `${deployUrl}${deployUrl.includes("?") ? "&" : "?"}environment=${encodeURIComponent(value)}`;
};

/** The API root (`<origin><prefix>/api/v1`) of a deploy URL. */
export const apiRootOf = (deployUrl: string): URL => {
  const url = new URL(deployUrl || DEFAULT_DEPLOY_URL);
  url.pathname = url.pathname.replace(/\/api\/v1\/deploy\/?$/, "/api/v1").replace(/\/+$/, "");
  if (!url.pathname.endsWith("/api/v1")) url.pathname = `${url.pathname}/api/v1`.replace(/\/{2,}/g, "/");
  url.search = "";
  url.hash = "";
  return url;
};

/** `owner/repo` split, or `undefined` when it is not in that form. */
export const splitRepository = (repository: string): { owner: string; repo: string } | undefined => {
  const [owner, repo, ...rest] = repository.trim().split("/");
  return owner && repo && rest.length === 0 ? { owner, repo } : undefined;
};

const apiUrl = (
  deployUrl: string,
  section: "usage" | "logs",
  repository: { owner: string; repo: string },
  query: ReadonlyArray<readonly [string, string | undefined]>,
): URL => {
  const url = apiRootOf(deployUrl);
  url.pathname = `${url.pathname}/${section}/${encodeURIComponent(repository.owner)}/${encodeURIComponent(repository.repo)}`;
  for (const [name, value] of query)
    if (value !== undefined && value !== "") url.searchParams.set(name, value);
  return url;
};

/** `GET <api>/usage/<owner>/<repo>?date=&environment=` (F.10). */
export const usageUrl = (
  deployUrl: string,
  repository: { owner: string; repo: string },
  query: { readonly date?: string; readonly environment?: string; readonly application?: string },
): URL =>
  apiUrl(deployUrl, "usage", repository, [
    ["date", query.date],
    ["environment", query.environment],
    ["application", query.application],
  ]);

/** The G.1 filters of the logs API. */
export interface LogsQuery {
  readonly environment?: string;
  readonly hours?: string;
  readonly limit?: string;
  readonly from?: string;
  readonly to?: string;
  readonly kind?: string;
  readonly level?: string;
  readonly cursor?: string;
  readonly application?: string;
}

/** `GET <api>/logs/<owner>/<repo>?environment=&hours=&limit=[&kind=][&level=]...` (G.1). */
export const logsUrl = (
  deployUrl: string,
  repository: { owner: string; repo: string },
  query: LogsQuery,
): URL =>
  apiUrl(deployUrl, "logs", repository, [
    ["environment", query.environment],
    ["hours", query.hours],
    ["limit", query.limit],
    ["from", query.from],
    ["to", query.to],
    ["kind", query.kind],
    ["level", query.level],
    ["cursor", query.cursor],
    ["application", query.application],
  ]);

/**
 * An integer input clamped to `min`..`max` (J.5: `logs-hours` 1-168, `logs-limit` 1-500); empty gives the
 * default, and a value that is not a number is passed through so the server names the problem.
 */
export const clampedInteger = (
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): string => {
  const value = (raw ?? "").trim();
  if (value === "") return String(fallback);
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) return value;
  return String(Math.max(min, Math.min(max, Math.floor(parsed))));
};
