/** A storage resource created once per app and binding and reused by later deploys (E.1). */
import { Schema } from "effect";

/** What a provisioned resource is. */
export const ManagedResourceKind = Schema.Literals(["kv", "r2", "d1", "queue", "durable_object"]);
export type ManagedResourceKind = typeof ManagedResourceKind.Type;

/** `resource:v1:<env>:<org>:<repo>:<kind>:<binding>`. */
export const ManagedResource = Schema.Struct({
  version: Schema.Literal(1),
  kind: ManagedResourceKind,
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  environment: Schema.String,
  binding: Schema.String,
  name: Schema.String,
  id: Schema.String,
  createdAt: Schema.String,
  updatedAt: Schema.String,
});
export type ManagedResource = typeof ManagedResource.Type;
