/**
 * The server's synchronous request path. A GET or HEAD on a runtime host whose deployment, manifest and
 * file are in the stores' memory is answered right here: `answerAppRequestSync` decides (the core's
 * rules, the same as the HTTP app's), and the answer, or the backend's streamed response, is written
 * straight to the client. Everything else is left to the HTTP app, untouched.
 */
import type { BackendStreams, CachedAssets, CachedDeployments, NodeBackendRequest } from "@w7s/adapter-node";
import {
  type AppRef,
  applyResponseRules,
  appRequestMessages,
  type BackendDispatch,
  backendRequestHeaders,
  finalizeAnswer,
  type ManifestCache,
  NotCached,
  oversizedCookieAnswer,
  type PlatformConfig,
  type RequestAccounting,
  type RuntimeSource,
  runtimeFailureAnswer,
  type ServedApp,
  type SuspensionView,
  type SyncAppLookups,
  type SyncBackendCall,
  textAnswer,
} from "@w7s/core";
import { makeAnswerMemo } from "./answerMemo.js";
import { type AnswerWriter, prepareAnswer } from "./answerWriter.js";
import { headerPairs, type PlainRequest, rawHeaderValue, routeRequestOf } from "./plainRequest.js";
import { WebHeaderList } from "./webHeaderList.js";

export interface FastPathOptions {
  readonly config: PlatformConfig;
  /** The HTTP app's manifest cache: what it loaded, this path reads. */
  readonly manifests: ManifestCache;
  readonly deployments: CachedDeployments["Service"];
  readonly assets: CachedAssets["Service"];
  readonly backends: BackendStreams["Service"];
  /**
   * The HTTP app's accounting, with the accountant's `peekSuspension` (an app whose suspension is not in
   * memory yet goes to the HTTP app, which reads it); without it nothing is suspended or counted here.
   */
  readonly accounting?: RequestAccounting & {
    readonly peekSuspension: (app: AppRef) => SuspensionView | null | undefined;
  };
}

/** Answers `request` and returns true, or returns false having written nothing (the HTTP app answers). */
export type FastPath = (request: PlainRequest, writer: AnswerWriter) => boolean;

export const makeFastPath = (options: FastPathOptions): FastPath => {
  const { config, backends } = options;
  const { accounting } = options;
  const lookups: SyncAppLookups = {
    current: options.deployments.current,
    manifest: (key) => options.manifests.get(key) ?? NotCached,
    object: options.assets.object,
    readAhead: options.assets.readAhead,
    domainRoutes: options.deployments.domainRoutes,
    ...(accounting === undefined
      ? {}
      : {
          suspension: (app: AppRef) => {
            const state = accounting.peekSuspension(app);
            return state === undefined ? NotCached : (state ?? undefined);
          },
        }),
  };
  /** Hands a written answer to accounting, as the HTTP app does (D.8). */
  const account = (
    request: PlainRequest,
    served: ServedApp,
    source: RuntimeSource,
    status: number,
    staticCache: string | undefined,
    started: number,
  ) => {
    if (accounting === undefined) return;
    const { target } = request;
    const query = target.indexOf("?");
    accounting.account({
      served,
      source,
      status,
      staticCache: staticCache ?? null,
      method: request.method,
      host: request.host,
      path: query < 0 ? target : target.slice(0, query),
      userAgent: request.headers.get("user-agent") ?? "",
      durationMs: performance.now() - started,
    });
  };
  const memo = makeAnswerMemo({
    config,
    prepare: (answer) => (answer._tag === "Answer" ? prepareAnswer(answer.answer) : undefined),
    weigh: (prepared) => prepared?.weight ?? 0,
  });

  // Decisions are remembered with their answers (`answerMemo.ts`) and the socket front's request heads
  // with their text, so a request repeated on a kept connection is the same two objects again: what goes
  // to the backend for them is worked out once.
  const backendRequests = new WeakMap<
    PlainRequest,
    { readonly dispatch: BackendDispatch; readonly request: NodeBackendRequest }
  >();
  const backendRequestOf = (request: PlainRequest, dispatch: BackendDispatch): NodeBackendRequest => {
    const known = backendRequests.get(request);
    if (known?.dispatch === dispatch) return known.request;
    const url = new URL(dispatch.url);
    const headers: Record<string, string> = {};
    for (const [name, value] of backendRequestHeaders(headerPairs(request.rawHeaders), dispatch))
      headers[name] = value;
    headers["host"] = url.host;
    const sent = { method: request.method, path: `${url.pathname}${url.search}`, headers };
    backendRequests.set(request, { dispatch, request: sent });
    return sent;
  };

  // Equal answer heads of a backend are one parsed object (`http1Client.ts`), so the headers a client gets
  // for them are worked out once for each app served.
  const answered = new WeakMap<
    readonly string[],
    { readonly served: ServedApp; readonly pairs: ReadonlyArray<readonly [string, string]> }
  >();
  const answeredHeaders = (rawHeaders: readonly string[], served: ServedApp) => {
    const known = answered.get(rawHeaders);
    if (known?.served === served) return known.pairs;
    // As the HTTP app's runtime reads a backend's response: every raw header appended, cookies kept apart.
    const headers = new WebHeaderList(rawHeaders);
    applyResponseRules(headers, config.baseDomain, served);
    const pairs = headers.pairs();
    answered.set(rawHeaders, { served, pairs });
    return pairs;
  };

  const callBackend = (
    request: PlainRequest,
    writer: AnswerWriter,
    call: SyncBackendCall,
    started: number,
  ) => {
    const { dispatch, served } = call.decision;
    const { method } = request;
    void backends
      .dispatch(call.deploymentId, backendRequestOf(request, dispatch))
      .then((result) => {
        if (result._tag === "Failure") {
          const failed = finalizeAnswer(runtimeFailureAnswer(result.failure), method, served);
          writer.prepared(prepareAnswer(failed));
          account(request, served, "worker", failed.status, undefined, started);
          return;
        }
        const answer = result.success;
        const status = answer.status;
        const location = rawHeaderValue(answer.rawHeaders, "location");
        const instead = call.after(status, location);
        const source = call.sourceOf(status, location);
        if (instead !== undefined) {
          answer.stream?.destroy();
          writer.prepared(prepareAnswer(instead));
          account(request, served, source, instead.status, instead.headers["x-w7s-static-cache"], started);
          return;
        }
        account(request, served, source, status, undefined, started);
        const bodyless = method === "HEAD" || status === 204 || status === 304;
        writer.backend(answer, answeredHeaders(answer.rawHeaders, served), bodyless);
      })
      .catch(() => {
        if (writer.headersSent) writer.destroy();
        else {
          writer.prepared(
            prepareAnswer(finalizeAnswer(textAnswer(502, appRequestMessages.dispatchFailed), method, served)),
          );
          account(request, served, "worker", 502, undefined, started);
        }
      });
  };

  const serve: FastPath = (request, writer) => {
    const routeRequest = routeRequestOf(request);
    if (routeRequest === undefined) return false;
    const started = performance.now();
    // The HTTP app's guards answer these (431) before any app code runs.
    if (oversizedCookieAnswer(routeRequest.headers.get("cookie"), config.security.maxCookieHeaderBytes)) {
      return false;
    }
    const known = memo.answer(routeRequest, lookups);
    if (known === undefined) return false;
    if (known.extra !== undefined) {
      writer.prepared(known.extra);
      const { answer } = known;
      if (answer._tag === "Answer" && answer.accounted !== undefined)
        account(
          request,
          answer.accounted.served,
          answer.accounted.source,
          answer.answer.status,
          answer.answer.headers["x-w7s-static-cache"],
          started,
        );
      else if (answer._tag === "Answer" && answer.showcase === true)
        accounting?.showcase?.({
          host: request.host,
          path: request.target.split("?")[0] ?? "/",
          method: request.method,
          userAgent: request.headers.get("user-agent") ?? "",
          status: answer.answer.status,
        });
    } else if (known.answer._tag === "Backend") callBackend(request, writer, known.answer, started);
    return true;
  };
  // A failure before anything was written leaves the request to the HTTP app, which reports it properly.
  return (request, writer) => {
    try {
      return serve(request, writer);
    } catch (error) {
      if (!writer.headersSent) return false;
      writer.destroy(error instanceof Error ? error : undefined);
      return true;
    }
  };
};
