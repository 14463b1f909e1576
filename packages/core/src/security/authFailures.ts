/**
 * The slow-down for repeated bearer-token failures: each client address may fail authorization
 * (answers 401 to a request that carried an `Authorization` header) a limited number of times per window;
 * past that, its authorized API requests answer 429 until the oldest failure leaves the window. Counted
 * exactly, in memory, per server process.
 */
import { errorResponse, type JsonResponse } from "../errors/errorResponse.js";
import { TooManyRequests } from "../errors/httpErrors.js";

/** The text of the 429. */
export const authFailureMessage = (retryAfterSeconds: number): string =>
  `Too many failed authorization attempts from this address. Retry after ${retryAfterSeconds} seconds.`;

const stripMapped = (address: string): string => {
  const trimmed = address.trim().toLowerCase();
  return trimmed.startsWith("::ffff:") && trimmed.includes(".") ? trimmed.slice(7) : trimmed;
};

/**
 * The client a request is counted against. A peer that is not a trusted proxy is the client. Behind a
 * trusted proxy the client is the last `X-Forwarded-For` entry that is not itself a trusted proxy; a
 * trusted peer that names no other client (a tool on this machine) is not counted (`undefined`), and
 * neither is a request whose peer is unknown (a Unix socket).
 */
export const clientAddressOf = (
  peer: string | undefined,
  forwardedFor: string | null | undefined,
  trustedProxies: ReadonlyArray<string>,
): string | undefined => {
  if (peer === undefined || peer === "") return undefined;
  const trusted = new Set(trustedProxies.map(stripMapped));
  const direct = stripMapped(peer);
  if (!trusted.has(direct)) return direct;
  const hops = (forwardedFor ?? "")
    .split(",")
    .map((hop) => stripMapped(hop))
    .filter((hop) => hop !== "");
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    const hop = hops[index]!;
    if (!trusted.has(hop)) return hop;
  }
  return undefined;
};

export interface AuthFailureLimiter {
  /** The 429 for a client over its limit, else `undefined`. */
  readonly refusal: (client: string | undefined, nowMs: number) => JsonResponse | undefined;
  /** Counts one failure of `client`. */
  readonly recordFailure: (client: string | undefined, nowMs: number) => void;
}

/** A limiter allowing `limit` failures per `windowSeconds` per client; `limit` 0 never refuses. */
export const makeAuthFailureLimiter = (options: {
  readonly limit: number;
  readonly windowSeconds: number;
  /** Clients remembered at most; the oldest are forgotten first (default 100,000). */
  readonly maxClients?: number;
}): AuthFailureLimiter => {
  const windowMs = Math.max(1, options.windowSeconds) * 1000;
  const maxClients = options.maxClients ?? 100_000;
  // Failure times per client, oldest first; at most `limit` are kept, which is all the rule needs.
  const failures = new Map<string, number[]>();
  const recent = (client: string, nowMs: number): number[] => {
    const times = failures.get(client);
    if (times === undefined) return [];
    while (times.length > 0 && times[0]! <= nowMs - windowMs) times.shift();
    if (times.length === 0) failures.delete(client);
    return times;
  };
  return {
    refusal: (client, nowMs) => {
      if (client === undefined || options.limit <= 0) return undefined;
      const times = recent(client, nowMs);
      if (times.length < options.limit) return undefined;
      const retryAfterSeconds = Math.max(1, Math.ceil((times[0]! + windowMs - nowMs) / 1000));
      return errorResponse(
        new TooManyRequests({ message: authFailureMessage(retryAfterSeconds), retryAfterSeconds }),
      );
    },
    recordFailure: (client, nowMs) => {
      if (client === undefined || options.limit <= 0) return;
      const times = recent(client, nowMs);
      times.push(nowMs);
      if (times.length > options.limit) times.shift();
      // Re-inserted, so the map's order is least recently failed first.
      failures.delete(client);
      failures.set(client, times);
      if (failures.size > maxClients) failures.delete(failures.keys().next().value!);
    },
  };
};
