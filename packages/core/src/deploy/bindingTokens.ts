/** Per-deployment binding tokens (E.2): 32 random bytes, base64url; only their SHA-256 is stored. */
import { Effect } from "effect";
import { Ids } from "../ports/Ids.js";
import type { BindingTokenKind } from "../ports/records/DeploymentIndexes.js";

/** The kinds a native deploy gets a token for, in record order. */
export const BINDING_TOKEN_KINDS: readonly BindingTokenKind[] = ["ai", "rpc", "queue", "workflow", "events"];

/** A token as the app receives it (`token`) and as the platform stores it (`hash`). */
export interface BindingToken {
  readonly token: string;
  readonly hash: string;
}

/** base64url without padding. */
export const base64Url = (bytes: Uint8Array): string => {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};

/** The stored form of a presented token: base64url(SHA-256(UTF-8 token)). */
export const hashBindingToken = (token: string): Effect.Effect<string> =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))).pipe(
    Effect.map((digest) => base64Url(new Uint8Array(digest))),
  );

/** One fresh token per kind. */
export const issueBindingTokens = (): Effect.Effect<
  ReadonlyMap<BindingTokenKind, BindingToken>,
  never,
  Ids
> =>
  Effect.gen(function* () {
    const ids = yield* Ids;
    const tokens = new Map<BindingTokenKind, BindingToken>();
    for (const kind of BINDING_TOKEN_KINDS) {
      const token = base64Url(yield* ids.randomBytes(32));
      tokens.set(kind, { token, hash: yield* hashBindingToken(token) });
    }
    return tokens;
  });
