/**
 * `ANY /api/v1/rpc/<owner>/<repo>/<path…>` (E.3): one backend calls another in its own environment. The
 * caller comes from its token; the target's `rpc.allow` decides calls across owners; the target gets the
 * request with the caller's identity headers (never the caller's own `x-w7s-*` or its token) and its answer
 * goes back verbatim.
 */
import { Duration, Effect } from "effect";
import { authorizeCall } from "../authorization/authorizeCall.js";
import { BadRequest, NotFound } from "../errors/httpErrors.js";
import type { PlatformConfig } from "../platformConfig.js";
import { BackendRuntime } from "../ports/BackendRuntime.js";
import { PLATFORM_HEADER_PREFIX } from "../routing/backendDispatch.js";
import { enforceNotSuspended, enforceUsageLimit } from "../usage/usageLimits.js";
import {
  currentDeployment,
  decodeSegment,
  dispatchFailure,
  identityHeaders,
  internalUrl,
  outcomeOf,
  requireBearer,
  resolveCaller,
  segmentsAfter,
  slugSegment,
} from "./caller.js";
import { recordServiceEvent } from "./serviceEvents.js";

export const RPC_PREFIX = "/api/v1/rpc/";

/** The exact texts of RPC failures after the token checks. */
export const rpcMessages = {
  target: "RPC target must be /api/v1/rpc/<owner>/<repo>/<path>.",
  notFound: "RPC target deployment was not found.",
  noBackend: "RPC target deployment has no backend.",
} as const;

/** Headers the caller may not pass on: its token and the legacy caller claims (everything `x-w7s-*` goes too). */
const STRIPPED = new Set(["authorization", "host", "content-length"]);

/** Owner, repo and the target path (segments decoded, re-joined, trailing slash kept; `/` when none). */
export const parseRpcTarget = (pathname: string) =>
  Effect.gen(function* () {
    const segments = segmentsAfter(pathname, RPC_PREFIX) ?? [];
    const [owner, repo, ...rest] = segments;
    if (owner === undefined || repo === undefined || owner === "" || repo === "")
      return yield* Effect.fail(new BadRequest({ message: rpcMessages.target }));
    return {
      owner: yield* slugSegment(owner, "RPC target owner"),
      repo: yield* slugSegment(repo, "RPC target repo"),
      path: `/${rest.map(decodeSegment).join("/")}`,
    };
  });

/** Runs one RPC call and answers the target's response, or the E.3 error. */
export const rpcCall = (request: Request, config: PlatformConfig) =>
  Effect.gen(function* () {
    const token = yield* requireBearer("rpc", request);
    const url = new URL(request.url);
    const target = yield* parseRpcTarget(url.pathname);
    const caller = yield* resolveCaller("rpc", token);
    const targetApp = { environment: caller.app.environment, orgSlug: target.owner, repoSlug: target.repo };
    const deployment = yield* currentDeployment(targetApp);
    if (deployment === undefined) return yield* Effect.fail(new NotFound({ message: rpcMessages.notFound }));
    if (deployment.record.targets.worker === undefined)
      return yield* Effect.fail(new NotFound({ message: rpcMessages.noBackend }));
    const decision = authorizeCall({
      kind: "rpc",
      caller: { owner: caller.app.orgSlug, repo: caller.app.repoSlug, environment: caller.app.environment },
      target: { owner: target.owner, repo: target.repo, environment: targetApp.environment },
      allow: deployment.record.rpc?.allow ?? [],
    });
    if (!decision.allowed) return yield* Effect.fail(decision.error);
    yield* enforceNotSuspended(caller.app);
    yield* enforceNotSuspended(targetApp);
    yield* enforceUsageLimit({ metric: "rpc.dispatch", app: caller.app }, config);

    const headers = new Headers();
    request.headers.forEach((value, name) => {
      if (!STRIPPED.has(name) && !name.startsWith(PLATFORM_HEADER_PREFIX)) headers.append(name, value);
    });
    headers.set("x-w7s-rpc", "1");
    headers.set("x-w7s-rpc-caller-owner", caller.app.orgSlug);
    headers.set("x-w7s-rpc-caller-repo", caller.app.repoSlug);
    headers.set("x-w7s-rpc-caller-repository", caller.repository);
    headers.set("x-w7s-rpc-caller-environment", caller.app.environment);
    for (const [name, value] of Object.entries(identityHeaders(targetApp, url.pathname)))
      headers.set(name, value);
    const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
    const outgoing = new Request(internalUrl(target.owner, target.path, url.search), {
      method: request.method,
      headers,
      redirect: "manual",
      ...(hasBody ? { body: request.body, duplex: "half" } : {}),
    } as RequestInit);
    const runtime = yield* BackendRuntime;
    const event = {
      metric: "rpc.dispatch",
      app: caller.app,
      source: caller.repository,
      target: `${target.owner}/${target.repo}${target.path}`,
      method: request.method,
    } as const;
    const [took, response] = yield* runtime.dispatch(deployment.deploymentId, outgoing).pipe(
      Effect.timed,
      Effect.tapError(() => recordServiceEvent({ ...event, outcome: "error" })),
      Effect.mapError(dispatchFailure),
    );
    yield* recordServiceEvent({
      ...event,
      outcome: outcomeOf(response.status),
      status: response.status,
      durationMs: Duration.toMillis(took),
    });
    return response;
  });
