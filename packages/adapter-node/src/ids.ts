/** Ids from node:crypto. */
import { randomBytes, randomUUID } from "node:crypto";
import { Ids } from "@w7s/core";
import { Effect, Layer } from "effect";

/** Cryptographically strong ids and token bytes. */
export const idsLayer: Layer.Layer<Ids> = Layer.succeed(Ids, {
  randomBytes: (length) => Effect.sync(() => new Uint8Array(randomBytes(length))),
  randomUuid: () => Effect.sync(() => randomUUID()),
});
