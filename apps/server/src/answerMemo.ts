/**
 * Remembers the fast path's answers. `answerAppRequestSync` is a pure function of what it reads (request
 * headers, deployments, manifests, files), so an answer is kept with a record of those reads and reused for
 * a later request to the same method, host and target as long as every recorded read gives the same value
 * again: a redeploy, a new manifest or another `If-None-Match` simply misses.
 */
import {
  answerAppRequestSync,
  type Cached,
  type PlatformConfig,
  type RouteRequest,
  type SyncAppAnswer,
  type SyncAppLookups,
} from "@w7s/core";

type Read = (request: RouteRequest, lookups: SyncAppLookups) => boolean;

interface Entry<Extra> {
  readonly reads: readonly Read[];
  readonly answer: SyncAppAnswer;
  /** What the caller derived from the answer once (a written form of it). */
  readonly extra: Extra;
}

const sameBytes = (a: Cached<Uint8Array | undefined>, b: Cached<Uint8Array | undefined>): boolean =>
  a === b ||
  (a instanceof Uint8Array &&
    b instanceof Uint8Array &&
    a.buffer === b.buffer &&
    a.byteOffset === b.byteOffset &&
    a.byteLength === b.byteLength);

/** `answerAppRequestSync` with the reads it makes recorded as checks that must hold again. */
const answerRecorded = (request: RouteRequest, config: PlatformConfig, lookups: SyncAppLookups) => {
  const reads: Read[] = [];
  const headers = {
    get: (name: string) => {
      const value = request.headers.get(name);
      reads.push((again) => again.headers.get(name) === value);
      return value;
    },
  };
  const recording: SyncAppLookups = {
    current: (app) => {
      const value = lookups.current(app);
      reads.push((_, again) => again.current(app) === value);
      return value;
    },
    manifest: (key) => {
      const value = lookups.manifest(key);
      reads.push((_, again) => again.manifest(key) === value);
      return value;
    },
    object: (key, range) => {
      const value = lookups.object(key, range);
      reads.push((_, again) => sameBytes(again.object(key, range), value));
      return value;
    },
    domainRoutes: (hostname) => {
      const value = lookups.domainRoutes(hostname);
      reads.push((_, again) => again.domainRoutes(hostname) === value);
      return value;
    },
    // A suspension that starts or ends (or a cached one refreshed) makes the remembered answer miss.
    ...(lookups.suspension === undefined
      ? {}
      : {
          suspension: (app) => {
            const value = lookups.suspension!(app);
            reads.push((_, again) => again.suspension?.(app) === value);
            return value;
          },
        }),
  };
  return { answer: answerAppRequestSync({ ...request, headers }, config, recording), reads };
};

/**
 * A bounded memo (oldest entry out first, at most `capacity` entries and `maxWeight` in total) of answers
 * with their reads. `prepare` derives the caller's form of an answer once, when it is first computed;
 * `weigh` says how many bytes that form holds.
 */
export const makeAnswerMemo = <Extra>(options: {
  readonly config: PlatformConfig;
  readonly prepare: (answer: SyncAppAnswer) => Extra;
  readonly weigh: (extra: Extra) => number;
  readonly capacity?: number;
  readonly maxWeight?: number;
}) => {
  const { config, prepare, weigh, capacity = 10_000, maxWeight = 32 * 1024 * 1024 } = options;
  const entries = new Map<string, Entry<Extra>>();
  let weight = 0;
  const remove = (key: string) => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    weight -= weigh(entry.extra);
  };
  return {
    /** The answer and its prepared form, or `undefined` when the HTTP app must answer. */
    answer: (
      request: RouteRequest,
      lookups: SyncAppLookups,
    ): { readonly answer: SyncAppAnswer; readonly extra: Extra } | undefined => {
      const key = `${request.method} ${request.host ?? ""} ${request.url}`;
      const known = entries.get(key);
      if (known?.reads.every((read) => read(request, lookups)) === true) return known;
      const { answer, reads } = answerRecorded(request, config, lookups);
      remove(key);
      if (answer === undefined) return undefined;
      const entry: Entry<Extra> = { reads, answer, extra: prepare(answer) };
      entries.set(key, entry);
      weight += weigh(entry.extra);
      while (entries.size > capacity || weight > maxWeight) remove(entries.keys().next().value!);
      return entry;
    },
  };
};
