/**
 * The tail worker every app's workerd process runs next to the app (workerd's `tails`): it receives the
 * trace of each invocation and forwards the ones with something to keep (console output, uncaught
 * exceptions, a non-OK outcome, and every stateful-object invocation, which is counted as
 * `durable_object.request`) to the control plane's log ingest socket. It sends only what capture
 * reads: no request headers (they carry cookies and tokens) and no body. The app cannot reach it, and
 * the ingest learns which deployment sent a batch from the grant workerd adds, never from the batch.
 */

/** The module's name in the workerd config. */
export const TAIL_WORKER_MODULE = "w7s-tail.js";

/** The tail worker's source (plain JavaScript, no imports). */
export const TAIL_WORKER_SOURCE = `const worth = (trace) =>
  trace.executionModel === "durableObject" ||
  (Array.isArray(trace.logs) && trace.logs.length > 0) ||
  (Array.isArray(trace.exceptions) && trace.exceptions.length > 0) ||
  (trace.outcome !== "ok" && trace.outcome !== "unknown");
const slim = (trace) => {
  const event = trace.event ?? {};
  const request = event.request;
  return {
    outcome: trace.outcome,
    ...(trace.executionModel === "durableObject" ? { executionModel: trace.executionModel } : {}),
    eventTimestamp: trace.eventTimestamp,
    event: {
      ...(request ? { request: { method: request.method, url: request.url, cf: { colo: request.cf?.colo } } } : {}),
      ...(event.response ? { response: { status: event.response.status } } : {}),
    },
    logs: Array.isArray(trace.logs) ? trace.logs.slice(0, 100) : [],
    exceptions: Array.isArray(trace.exceptions) ? trace.exceptions.slice(0, 100) : [],
  };
};
export default {
  async tail(traces, env) {
    const kept = traces.filter(worth).map(slim);
    if (kept.length === 0) return;
    await env.SINK.fetch("http://w7s-log-sink/traces", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(kept, (_key, value) => (typeof value === "bigint" ? value.toString() : value)),
    });
  },
};
`;
