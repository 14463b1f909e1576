/**
 * What the asset store can answer without waiting: the bytes of a small object already in its memory
 * cache. A server's synchronous request path reads it; everything else uses the port.
 */
import type { ByteRange, Cached } from "@w7s/core";
import { Context } from "effect";

export class CachedAssets extends Context.Service<
  CachedAssets,
  {
    /**
     * The bytes `AssetStore.getObject(key, range)` would return, `undefined` when there is no such object,
     * or `NotCached` when reading them needs I/O (large objects, or not read yet).
     */
    readonly object: (key: string, range: ByteRange | undefined) => Cached<Uint8Array | undefined>;
    /** Starts reading a small object into that cache, without waiting; nothing for large or unknown ones. */
    readonly readAhead: (key: string) => void;
  }
>()("@w7s/adapter-node/CachedAssets") {}
