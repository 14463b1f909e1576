/**
 * The backend runtime for servers that write Node responses themselves: a bodyless request goes to a
 * deployment's workerd process and Node's response comes back as it arrives, with the same process
 * start-up, idle, timeout and crash handling as `BackendRuntime.dispatch`, and no Web objects in between.
 */
import type { IncomingMessage } from "node:http";
import type { RuntimeError } from "@w7s/core";
import { Context, type Result } from "effect";

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
     * Sends `request` to the backend published as `deploymentId`; succeeds once its response headers
     * arrived (the body is still to be read), fails with the `RuntimeError` `dispatch` would fail with.
     */
    readonly dispatch: (
      deploymentId: string,
      request: NodeBackendRequest,
    ) => Promise<Result.Result<IncomingMessage, RuntimeError>>;
  }
>()("@w7s/adapter-node/BackendStreams") {}
