import { Ids } from "@w7s/core";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { idsLayer } from "../src/ids.js";

describe("idsLayer", () => {
  it("gives random bytes of the asked length and lowercase v4 UUIDs, different every time", async () => {
    const [bytes, again, uuid, otherUuid] = await Effect.runPromise(
      Effect.gen(function* () {
        const ids = yield* Ids;
        return [
          yield* ids.randomBytes(32),
          yield* ids.randomBytes(32),
          yield* ids.randomUuid(),
          yield* ids.randomUuid(),
        ] as const;
      }).pipe(Effect.provide(idsLayer)),
    );
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.byteLength).toBe(32);
    expect(Buffer.from(bytes).equals(Buffer.from(again))).toBe(false);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuid).not.toBe(otherUuid);
  });
});
