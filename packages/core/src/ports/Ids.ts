/** Port: randomness for ids and tokens, injectable in tests (time comes from effect's `Clock`). */
import { Context, type Effect } from "effect";

/** Cryptographically strong randomness. */
export class Ids extends Context.Service<
  Ids,
  {
    /** `length` random bytes (binding tokens use 32, base64url-encoded). */
    readonly randomBytes: (length: number) => Effect.Effect<Uint8Array>;
    /** A random RFC 4122 version 4 UUID, lowercase with dashes. */
    readonly randomUuid: () => Effect.Effect<string>;
  }
>()("@w7s/core/Ids") {}
