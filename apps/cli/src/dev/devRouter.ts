/**
 * The local router of `w7s dev`: W7S-shaped hosts (`<owner>.local.w7s.cloud`, `<env>--<owner>...`, or plain
 * 127.0.0.1), the repo prefix stripped, exact static files first, then the backend (a proxied dev server or
 * the app's own backend in workerd) with the `x-w7s-*` identity headers, then the SPA fallback after a
 * backend 404/405 (D.2). It also answers `/_w7s/local/status` and the platform calls the backend makes
 * through its W7S_RPC, W7S_QUEUE and W7S_EVENTS bindings.
 */
import { readFile, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import {
  authorizeCall,
  callerMessages,
  callForbiddenMessages,
  contentTypeFor,
  eventMessages,
  isPrivatePath,
  PLATFORM_HEADER_PREFIX,
  parseEventBody,
  shouldServeSpaFallback,
  staticLookupCandidates,
} from "@w7s/core";
import { normalizeSlug, PRODUCTION, resolveRuntimeHost } from "@w7s/env-naming";
import type { DevBackend, PlatformTokens } from "./devBackend.js";
import type { Registry } from "./registry.js";

/** The exact texts the router answers with. */
export const devRouterMessages = {
  notFound: "Not found.",
  noApp: (owner: string, repo: string, environment: string) =>
    `No local app here. This w7s dev serves ${owner}/${repo} (${environment}) at /${repo}/.`,
  backendUnavailable: (detail: string) => `The local backend could not answer: ${detail}`,
  rpcMissingToken: "Missing RPC bearer token.",
  rpcInvalidToken: "Invalid RPC bearer token.",
  rpcTarget: "RPC target must be /api/v1/rpc/<owner>/<repo>/<path>.",
  rpcNotFound: "RPC target deployment was not found.",
  rpcNoBackend: "RPC target deployment has no backend.",
  queueMissingToken: "Missing queue bearer token.",
  queueInvalidToken: "Invalid queue bearer token.",
  queueTarget: "Queue target must be /api/v1/queues/<owner>/<repo>/<queue>.",
  queueBody: "Queue message body must be valid JSON.",
  queueNotDeclared: "Queue target was not declared by the deployment.",
  queueNotFound: "Queue target deployment was not found.",
  notProvided: (service: string) => `${service} is not provided by w7s dev yet.`,
} as const;

export interface DevRouterOptions {
  readonly owner: string;
  readonly repo: string;
  readonly environment: string;
  readonly baseDomain: string;
  readonly root: string;
  /** The static folder (absolute), from `--frontend` or the detected static root. */
  readonly frontend: () => string | undefined;
  /** `--backend <url>`: a dev server to proxy to. */
  readonly backendUrl: string | undefined;
  readonly backend: DevBackend | undefined;
  readonly tokens: PlatformTokens;
  /** The token other `w7s dev` instances present when they forward an RPC call here. */
  readonly ingressToken: string;
  readonly registry: Registry;
  readonly status: () => Record<string, unknown>;
  readonly log: (line: string) => void;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

const errorJson = (status: number, message: string) => json(status, { status: "error", error: message });

const text = (status: number, body: string) =>
  new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

const bearerOf = (request: Request): string | undefined =>
  /^bearer[ \t]+(.+)$/i.exec(request.headers.get("authorization")?.trim() ?? "")?.[1]?.trim() || undefined;

const isLoopback = (hostname: string) =>
  hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]" || hostname === "::1";

/** The caller identity headers of E.3 (and of the docs' local fallback). */
export interface RpcCaller {
  readonly owner: string;
  readonly repo: string;
  readonly environment: string;
}

export const makeDevRouter = (options: DevRouterOptions) => {
  const served = { orgSlug: options.owner, repoSlug: options.repo };

  /** The request the backend gets: path replaced, client `x-w7s-*` headers dropped, identity headers added. */
  const backendRequest = (
    request: Request,
    url: URL,
    repoPath: string,
    extra: Record<string, string> = {},
    strip: readonly string[] = [],
  ): Request => {
    const target = new URL(url.href);
    target.pathname = repoPath;
    const headers = new Headers();
    request.headers.forEach((value, name) => {
      if (!name.startsWith(PLATFORM_HEADER_PREFIX) && !strip.includes(name)) headers.set(name, value);
    });
    headers.set("x-w7s-org-slug", served.orgSlug);
    headers.set("x-w7s-repo-slug", served.repoSlug);
    headers.set("x-w7s-original-path", url.pathname);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    return new Request(target, {
      method: request.method,
      headers,
      redirect: "manual",
      ...(hasBody ? { body: request.body, duplex: "half" } : {}),
    } as RequestInit);
  };

  /** The backend's answer, or `undefined` when this app has no backend. */
  const callBackend = async (request: Request): Promise<Response | undefined> => {
    if (options.backendUrl !== undefined) {
      const url = new URL(request.url);
      const target = new URL(`${url.pathname}${url.search}`, options.backendUrl);
      const headers = new Headers(request.headers);
      headers.delete("host");
      const hasBody = request.method !== "GET" && request.method !== "HEAD";
      try {
        return await fetch(target, {
          method: request.method,
          headers,
          redirect: "manual",
          ...(hasBody ? { body: request.body, duplex: "half" } : {}),
        } as RequestInit);
      } catch (error) {
        return text(
          502,
          devRouterMessages.backendUnavailable(`${options.backendUrl}: ${(error as Error).message}`),
        );
      }
    }
    if (options.backend === undefined) return undefined;
    try {
      return await options.backend.dispatch(request);
    } catch (error) {
      const detail =
        error instanceof Error
          ? error.message
          : String((error as { description?: string }).description ?? error);
      return text(502, devRouterMessages.backendUnavailable(detail));
    }
  };

  const hasBackend = () =>
    options.backendUrl !== undefined || options.backend?.current().backend !== undefined;

  /** An exact static file of the frontend folder, or `undefined` (never a path outside it). */
  const staticFile = async (repoPath: string): Promise<{ path: string; routePath: string } | undefined> => {
    const folder = options.frontend();
    if (folder === undefined) return undefined;
    const base = resolve(folder);
    for (const routePath of staticLookupCandidates(repoPath)) {
      const path = resolve(base, routePath);
      if (path !== base && !path.startsWith(`${base}${sep}`)) continue;
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) return { path, routePath };
    }
    return undefined;
  };

  const serveFile = async (file: { path: string; routePath: string }, method: string, status = 200) => {
    const body = await readFile(file.path);
    return new Response(method === "HEAD" ? null : body, {
      status,
      headers: {
        "content-type": contentTypeFor(file.routePath),
        "content-length": String(body.byteLength),
        "cache-control": "no-cache",
      },
    });
  };

  /** Where a request's app path starts (A.6): under `/<repo>`, or at the root for the owner-root repo. */
  const repoPathOf = (pathname: string): string | undefined => {
    const segments = pathname.split("/").filter((segment) => segment.trim() !== "");
    if (segments.length > 0 && normalizeSlug(segments[0]!) === options.repo) {
      const rest = segments.slice(1).join("/");
      return rest === "" ? "/" : `/${rest}${pathname.endsWith("/") ? "/" : ""}`;
    }
    if (options.repo === options.owner) return pathname === "" ? "/" : pathname;
    return undefined;
  };

  /** D.2 for the one app of this router. */
  const serveApp = async (request: Request, url: URL, owner: string): Promise<Response> => {
    if (owner !== options.owner)
      return errorJson(404, devRouterMessages.noApp(options.owner, options.repo, options.environment));
    const repoPath = repoPathOf(url.pathname);
    if (repoPath === undefined)
      return errorJson(404, devRouterMessages.noApp(options.owner, options.repo, options.environment));
    // Queue, schedule and workflow deliveries arrive under /_w7s; no outside request may reach them.
    if (isPrivatePath(repoPath)) return text(404, devRouterMessages.notFound);
    const readsBody = request.method === "GET" || request.method === "HEAD";
    const folder = options.frontend();
    if (
      folder !== undefined &&
      readsBody &&
      repoPath === "/" &&
      !url.pathname.endsWith("/") &&
      url.pathname !== ""
    ) {
      const location = new URL(url.href);
      location.pathname = `${url.pathname}/`;
      return new Response(null, {
        status: 302,
        headers: { location: `${location.pathname}${location.search}`, "cache-control": "no-store" },
      });
    }
    if (readsBody) {
      const file = await staticFile(repoPath);
      if (file !== undefined) return serveFile(file, request.method);
    }
    const answer = await callBackend(backendRequest(request, url, repoPath));
    if (answer !== undefined && !(readsBody && (answer.status === 404 || answer.status === 405)))
      return answer;
    if (readsBody && shouldServeSpaFallback(repoPath)) {
      const index = await staticFile("/");
      if (index !== undefined) {
        await answer?.body?.cancel();
        return serveFile(index, request.method);
      }
    }
    if (answer !== undefined) return answer;
    return text(404, devRouterMessages.notFound);
  };

  /** `ANY /api/v1/rpc/<owner>/<repo>/<path>` from this app's backend (E.3), here or in another `w7s dev`. */
  const rpc = async (request: Request, url: URL): Promise<Response> => {
    const token = bearerOf(request);
    if (token === undefined) return errorJson(401, devRouterMessages.rpcMissingToken);
    if (token !== options.tokens.rpc) return errorJson(401, devRouterMessages.rpcInvalidToken);
    const segments = url.pathname.slice("/api/v1/rpc/".length).split("/");
    const [targetOwner = "", targetRepo = "", ...rest] = segments;
    if (targetOwner === "" || targetRepo === "") return errorJson(400, devRouterMessages.rpcTarget);
    const owner = normalizeSlug(decodeURIComponent(targetOwner));
    const repo = normalizeSlug(decodeURIComponent(targetRepo));
    const path = `/${rest.map((segment) => decodeURIComponent(segment)).join("/")}`;
    const caller: RpcCaller = { owner: options.owner, repo: options.repo, environment: options.environment };
    if (owner === options.owner && repo === options.repo) return rpcIngress(request, url, path, caller);
    const entry = options.registry.find(owner, repo, options.environment);
    if (entry === undefined) return errorJson(404, devRouterMessages.rpcNotFound);
    const forwarded = new URL(`/_w7s/local/rpc${path}`, entry.url);
    forwarded.search = url.search;
    const headers = new Headers(request.headers);
    headers.delete("host");
    headers.delete("authorization");
    headers.set("x-w7s-local-ingress", entry.ingressToken);
    headers.set("x-w7s-local-caller", JSON.stringify(caller));
    headers.set("x-w7s-local-original-path", url.pathname);
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    try {
      return await fetch(forwarded, {
        method: request.method,
        headers,
        redirect: "manual",
        ...(hasBody ? { body: request.body, duplex: "half" } : {}),
      } as RequestInit);
    } catch (error) {
      return errorJson(
        502,
        devRouterMessages.backendUnavailable(`${entry.url}: ${(error as Error).message}`),
      );
    }
  };

  /** An RPC call for this app: authorized by its `rpc.allow`, dispatched with the E.3 caller headers. */
  const rpcIngress = async (
    request: Request,
    url: URL,
    path: string,
    caller: RpcCaller,
  ): Promise<Response> => {
    if (!hasBackend()) return errorJson(404, devRouterMessages.rpcNoBackend);
    const allow = options.backend?.current().manifest?.rpc?.allow ?? [];
    const decision = authorizeCall({
      kind: "rpc",
      caller: { owner: caller.owner, repo: caller.repo, environment: options.environment },
      target: { owner: options.owner, repo: options.repo, environment: options.environment },
      allow,
    });
    if (!decision.allowed) return errorJson(403, callForbiddenMessages.rpc);
    const original = request.headers.get("x-w7s-local-original-path") ?? url.pathname;
    const dispatched = backendRequest(
      request,
      url,
      path,
      {
        "x-w7s-rpc": "1",
        "x-w7s-rpc-caller-owner": caller.owner,
        "x-w7s-rpc-caller-repo": caller.repo,
        "x-w7s-rpc-caller-repository": `${caller.owner}/${caller.repo}`,
        "x-w7s-rpc-caller-environment": caller.environment,
      },
      ["authorization"],
    );
    dispatched.headers.set("x-w7s-original-path", original);
    return (await callBackend(dispatched)) ?? errorJson(404, devRouterMessages.rpcNoBackend);
  };

  /** `POST /api/v1/queues/<owner>/<repo>/<queue>` (E.4) for this app's own queues, delivered at once. */
  const queueSend = async (request: Request, url: URL): Promise<Response> => {
    const token = bearerOf(request);
    if (token === undefined) return errorJson(401, devRouterMessages.queueMissingToken);
    if (token !== options.tokens.queue) return errorJson(401, devRouterMessages.queueInvalidToken);
    const segments = url.pathname.slice("/api/v1/queues/".length).split("/");
    if (segments.length !== 3 || segments.some((segment) => segment === ""))
      return errorJson(400, devRouterMessages.queueTarget);
    const [owner = "", repo = "", name = ""] = segments.map((segment) => decodeURIComponent(segment));
    const raw = await request.text();
    let body: unknown = null;
    if (raw.trim() !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        return errorJson(400, devRouterMessages.queueBody);
      }
    }
    if (normalizeSlug(owner) !== options.owner || normalizeSlug(repo) !== options.repo)
      return errorJson(404, devRouterMessages.queueNotFound);
    const queue = options.backend?.current().manifest?.queues.find((candidate) => candidate.name === name);
    if (queue === undefined) return errorJson(404, devRouterMessages.queueNotDeclared);
    const enqueuedAt = new Date().toISOString();
    const caller = {
      orgSlug: options.owner,
      repoSlug: options.repo,
      repository: `${options.owner}/${options.repo}`,
      environment: options.environment,
    };
    const message = { id: crypto.randomUUID(), attempts: 1, timestamp: enqueuedAt, enqueuedAt, caller, body };
    void deliverQueue(queue.name, queue.consumer, message);
    return json(200, {
      status: "success",
      data: {
        queue: { owner: options.owner, repo: options.repo, name },
        enqueuedAt,
        result: { local: true },
      },
    });
  };

  /**
   * `POST /api/v1/events/<owner>/<repo>` with the checks of the platform's `publishEvent`; the event goes to
   * this app's own subscriptions only (other local repos do not subscribe through w7s dev yet).
   */
  const eventPublish = async (request: Request, url: URL): Promise<Response> => {
    const token = bearerOf(request);
    if (token === undefined) return errorJson(401, callerMessages.events.missing);
    if (token !== options.tokens.events) return errorJson(401, callerMessages.events.invalid);
    const segments = url.pathname.slice("/api/v1/events/".length).split("/");
    if (segments.length !== 2 || segments.some((segment) => segment === ""))
      return errorJson(400, eventMessages.target);
    const parsed = parseEventBody(await request.text());
    if (parsed._tag === "Failure") return errorJson(400, parsed.failure.message);
    const { subject, data } = parsed.success;
    const repository = `${options.owner}/${options.repo}`;
    const [owner = "", repo = ""] = segments.map((segment) => normalizeSlug(decodeURIComponent(segment)));
    if (owner !== options.owner || repo !== options.repo)
      return errorJson(403, eventMessages.notSelf(repository));
    const manifest = options.backend?.current().manifest;
    const publish = manifest?.events?.publish ?? [];
    if (!publish.includes(subject))
      return json(403, {
        status: "error",
        error: eventMessages.notDeclared(subject, repository),
        details: { subject, publish },
      });
    const time = new Date().toISOString();
    const publisher = {
      orgSlug: options.owner,
      repoSlug: options.repo,
      repository,
      environment: options.environment,
    };
    const event = { version: 1, type: "w7s.event", id: crypto.randomUUID(), subject, publisher, time, data };
    const subscribed = (manifest?.events?.subscribe ?? []).filter((entry) => entry.subject === subject);
    const deliveries = subscribed.flatMap(({ queue: name }) => {
      const queue = manifest?.queues.find((candidate) => candidate.name === name);
      return queue === undefined ? [] : [queue];
    });
    for (const queue of deliveries) {
      const message = {
        id: crypto.randomUUID(),
        attempts: 1,
        timestamp: time,
        enqueuedAt: time,
        caller: publisher,
        body: event,
      };
      void deliverQueue(queue.name, queue.consumer, message);
    }
    return json(200, {
      status: "success",
      data: {
        event: { id: event.id, subject, time },
        deliveries: deliveries.map((queue) => ({ repository, queue: queue.name })),
      },
    });
  };

  /** One delivery per message, retried up to 3 times, 1 s apart, on a non-2xx answer (E.4, shortened). */
  const deliverQueue = async (name: string, consumer: string, message: Record<string, unknown>) => {
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const request = new Request(`http://${options.owner}.w7s.internal${consumer}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-w7s-queue": name,
          "x-w7s-queue-name": `local-${options.repo}-${name}`,
          "x-w7s-org-slug": options.owner,
          "x-w7s-repo-slug": options.repo,
          "x-w7s-original-path": consumer,
        },
        body: JSON.stringify({
          queue: name,
          queueName: `local-${options.repo}-${name}`,
          messages: [{ ...message, attempts: attempt }],
        }),
      });
      const answer = await callBackend(request).catch(() => undefined);
      await answer?.body?.cancel();
      if (answer !== undefined && answer.status >= 200 && answer.status < 300) return;
      options.log(
        `queue ${name}: consumer ${consumer} answered ${answer?.status ?? "nothing"} (attempt ${attempt})`,
      );
      await new Promise((done) => setTimeout(done, 1000));
    }
  };

  /** Runs the schedules whose cron matches now (or all of them), as E.5 posts them. */
  const runSchedules = async (due: ReadonlyArray<{ cron: string; path: string }>, minute: string) => {
    const results: Array<{ cron: string; path: string; status: number | null }> = [];
    for (const schedule of due) {
      const request = new Request(`http://${options.owner}.w7s.internal${schedule.path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-w7s-schedule": "1",
          "x-w7s-schedule-cron": schedule.cron,
          "x-w7s-schedule-time": minute,
          "x-w7s-org-slug": options.owner,
          "x-w7s-repo-slug": options.repo,
          "x-w7s-original-path": schedule.path,
        },
        body: JSON.stringify({
          schedule: schedule.cron,
          scheduledTime: minute,
          repository: `${options.owner}/${options.repo}`,
          environment: options.environment,
        }),
      });
      const answer = await callBackend(request).catch(() => undefined);
      await answer?.body?.cancel();
      results.push({ ...schedule, status: answer?.status ?? null });
    }
    return results;
  };

  const fetchHandler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const pathname = url.pathname;
    if (pathname === "/_w7s/local/status") return json(200, options.status());
    if (pathname.startsWith("/_w7s/local/rpc/") || pathname === "/_w7s/local/rpc") {
      if (request.headers.get("x-w7s-local-ingress") !== options.ingressToken)
        return errorJson(401, devRouterMessages.rpcInvalidToken);
      let caller: RpcCaller;
      try {
        caller = JSON.parse(request.headers.get("x-w7s-local-caller") ?? "") as RpcCaller;
      } catch {
        return errorJson(400, devRouterMessages.rpcTarget);
      }
      return rpcIngress(request, url, pathname.slice("/_w7s/local/rpc".length) || "/", caller);
    }
    if (pathname === "/_w7s/local/schedules" && request.method === "POST") {
      const schedules = options.backend?.current().manifest?.schedules ?? [];
      const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
      return json(200, { ran: await runSchedules(schedules, minute) });
    }
    if (pathname.startsWith("/api/v1/rpc/")) return rpc(request, url);
    if (pathname.startsWith("/api/v1/queues/") && request.method === "POST") return queueSend(request, url);
    if (pathname.startsWith("/api/v1/events/") && request.method === "POST")
      return eventPublish(request, url);
    if (pathname.startsWith("/api/v1/workflows/"))
      return errorJson(501, devRouterMessages.notProvided("Workflows"));
    if (pathname.startsWith("/api/v1/ai/")) return errorJson(501, devRouterMessages.notProvided("W7S AI"));
    if (pathname === "/api/v1" || pathname.startsWith("/api/v1/"))
      return errorJson(404, devRouterMessages.notFound);
    if (isPrivatePath(pathname)) return text(404, devRouterMessages.notFound);
    const host = request.headers.get("host") ?? url.host;
    const hostname = host.replace(/:\d+$/, "").toLowerCase();
    const runtimeHost = resolveRuntimeHost(host, options.baseDomain);
    let owner: string;
    if (runtimeHost !== null) {
      owner = runtimeHost.owner;
      const wanted = runtimeHost.environments[0] ?? PRODUCTION;
      if (wanted !== options.environment && !runtimeHost.environments.includes(options.environment))
        return errorJson(404, devRouterMessages.noApp(options.owner, options.repo, options.environment));
    } else if (isLoopback(hostname)) {
      owner = options.owner;
    } else {
      return errorJson(404, devRouterMessages.noApp(options.owner, options.repo, options.environment));
    }
    const response = await serveApp(request, url, owner);
    const headers = new Headers(response.headers);
    headers.set("x-w7s-environment", options.environment);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };

  return { fetch: fetchHandler, runSchedules };
};

export type DevRouter = ReturnType<typeof makeDevRouter>;

/** The static folder of a layout label under `root`. */
export const frontendFolder = (root: string, label: string | undefined): string | undefined =>
  label === undefined ? undefined : join(root, label);
