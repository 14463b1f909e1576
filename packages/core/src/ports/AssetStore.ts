/** Port: static files as stored objects with content type and etag, and the manifests that list them. */
import { Context, type Effect, type Option } from "effect";
import type { StoreError } from "./PortErrors.js";
import type { Page, PageRequest } from "./records/Page.js";
import type { StaticManifest } from "./records/StaticManifest.js";

/** What is stored beside an object's bytes. */
export interface AssetMetadata {
  readonly contentType: string;
  /** SHA-256 hex of the whole object. */
  readonly etag: string;
}

/** Bytes `offset` to `offset + length - 1` of an object. */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/** An object read back: `body` is the requested range or the whole object; `size` is always the full size. */
export interface StoredAsset extends AssetMetadata {
  readonly body: Uint8Array;
  readonly size: number;
  /**
   * `memory` when the adapter answered from bytes it already held in memory; absent when it read its
   * storage (D.3's `x-w7s-static-cache: miss`, which usage counts as a class B read).
   */
  readonly cache?: "memory";
}

/** Objects are written once under keys the core chooses (content-addressed), so writes are idempotent. */
export class AssetStore extends Context.Service<
  AssetStore,
  {
    /** Stores an object; writing the same key again with the same bytes is a no-op. */
    readonly putObject: (
      key: string,
      body: Uint8Array,
      metadata: AssetMetadata,
    ) => Effect.Effect<void, StoreError>;
    /** Reads an object, or a byte range of it. */
    readonly getObject: (
      key: string,
      range?: ByteRange,
    ) => Effect.Effect<Option.Option<StoredAsset>, StoreError>;
    /** Deletes objects; missing keys are ignored. */
    readonly deleteObjects: (keys: ReadonlyArray<string>) => Effect.Effect<void, StoreError>;
    /** Stores the manifest of one published site. */
    readonly putManifest: (manifestKey: string, manifest: StaticManifest) => Effect.Effect<void, StoreError>;
    /** Reads one manifest. */
    readonly getManifest: (manifestKey: string) => Effect.Effect<Option.Option<StaticManifest>, StoreError>;
    /** Lists manifest keys, for retention cleanup. */
    readonly listManifests: (page: PageRequest) => Effect.Effect<Page<string>, StoreError>;
    /** Deletes one manifest (its objects are deleted separately). */
    readonly deleteManifest: (manifestKey: string) => Effect.Effect<void, StoreError>;
  }
>()("@w7s/core/AssetStore") {}
