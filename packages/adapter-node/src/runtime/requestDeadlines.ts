/**
 * The time limit of requests to backends. Every request gets the same limit, so their deadlines come due
 * in the order the requests started: one timer, set for the oldest request still waiting, serves them all,
 * where a timer and an `AbortController` per request cost more than a small backend's answer.
 */
import type { Http1Signal } from "./http1Client.js";

/** One request's deadline: aborted (with the reason given) when it passes before the request ends. */
export class RequestDeadline implements Http1Signal {
  aborted = false;
  reason: unknown = undefined;
  private listener: (() => void) | undefined = undefined;

  /** When it passes, on the `performance.now()` clock. */
  readonly at: number;

  constructor(at: number) {
    this.at = at;
  }

  addEventListener(_type: "abort", listener: () => void): void {
    this.listener = listener;
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    if (this.listener === listener) this.listener = undefined;
  }

  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }

  /** An `AbortSignal` that aborts with this deadline, for clients that take only those. */
  toAbortSignal(): AbortSignal {
    const controller = new AbortController();
    if (this.aborted) controller.abort(this.reason);
    else this.addEventListener("abort", () => controller.abort(this.reason));
    return controller.signal;
  }
}

export interface RequestDeadlines {
  /** A deadline `timeoutMs` from now. */
  readonly start: () => RequestDeadline;
  /** The request ended (answered or failed): its deadline no longer counts. */
  readonly end: (deadline: RequestDeadline) => void;
}

export const makeRequestDeadlines = (timeoutMs: number, reason: () => Error): RequestDeadlines => {
  // A Set keeps insertion order, which is deadline order here: the first entry is the next one due.
  const waiting = new Set<RequestDeadline>();
  let timer: NodeJS.Timeout | undefined;
  const arm = (at: number) => {
    timer = setTimeout(sweep, Math.max(1, Math.ceil(at - performance.now())));
    // A request in flight holds its socket, which keeps the process alive; the timer need not.
    timer.unref();
  };
  const sweep = () => {
    timer = undefined;
    const now = performance.now();
    for (const deadline of waiting) {
      if (deadline.at > now) return arm(deadline.at);
      waiting.delete(deadline);
      deadline.abort(reason());
    }
  };
  return {
    start: () => {
      const deadline = new RequestDeadline(performance.now() + timeoutMs);
      waiting.add(deadline);
      if (timer === undefined) arm(deadline.at);
      return deadline;
    },
    end: (deadline) => {
      waiting.delete(deadline);
    },
  };
};
