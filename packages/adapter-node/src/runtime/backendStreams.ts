/**
 * The backend runtime for servers that write Node responses themselves: a bodyless request goes to a
 * deployment's workerd process over a kept connection (`http1Client.ts`) and the answer comes back as it
 * arrives, with the same process start-up, idle, timeout and crash handling as `BackendRuntime.dispatch`,
 * and no Web objects in between.
 */
import type { RuntimeError } from "@w7s/core";
import { Context, type Result } from "effect";
import type { Http1Answer } from "./http1Client.js";

export type { Http1Answer as BackendAnswer } from "./http1Client.js";

/** A GET or HEAD for a backend, in Node's terms. */
export interface NodeBackendRequest {
  readonly method: string;
  /** Path and query, as the backend sees them (D.4). */
  readonly path: string;
  /** Lowercase names, each once; `host` is the public host the client addressed. */
  readonly headers: Readonly<Record<string, string>>;
}

export class BackendStreams extends Context.Service<
  BackendStreams,
  {
    /**
     * Sends `request` to the backend published as `deploymentId`; succeeds once its answer's head arrived
     * (with the whole body when it is small and of known length, else a stream of it), fails with the
     * `RuntimeError` `dispatch` would fail with.
     */
    readonly dispatch: (
      deploymentId: string,
      request: NodeBackendRequest,
    ) => Promise<Result.Result<Http1Answer, RuntimeError>>;
  }
>()("@w7s/adapter-node/BackendStreams") {}
