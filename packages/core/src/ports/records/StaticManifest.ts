/** The manifest of one published static site (B.11): route path -> stored object. */
import { Schema } from "effect";

/** One published file; `etag` is the SHA-256 hex of its bytes. */
export const StaticManifestEntry = Schema.Struct({
  path: Schema.String,
  r2Key: Schema.String,
  contentType: Schema.String,
  size: Schema.Number,
  etag: Schema.String,
});
export type StaticManifestEntry = typeof StaticManifestEntry.Type;

/** `static_manifest:v1:<env>:<org>:<repo>:<assetPrefix part>`. */
export const StaticManifest = Schema.Struct({
  version: Schema.Literal(1),
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  environment: Schema.String,
  assetPrefix: Schema.String,
  deployedAt: Schema.String,
  files: Schema.Record(Schema.String, StaticManifestEntry),
  hasIndex: Schema.Boolean,
});
export type StaticManifest = typeof StaticManifest.Type;
