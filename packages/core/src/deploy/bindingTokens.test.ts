import { createHash } from "node:crypto";
import { Effect, Layer } from "effect";
import { describe, expect, it } from "vitest";
import { Ids } from "../ports/Ids.js";
import { base64Url, hashBindingToken, issueBindingTokens } from "./bindingTokens.js";

const sequentialIds = () => {
  let calls = 0;
  return Layer.succeed(Ids, {
    randomBytes: (length) =>
      Effect.sync(() => {
        calls += 1;
        return new Uint8Array(length).fill(250 + calls);
      }),
    randomUuid: () => Effect.succeed("00000000-0000-4000-8000-000000000000"),
  });
};

describe("E.2 binding tokens", () => {
  it("encodes base64url without padding", () => {
    expect(base64Url(new Uint8Array([0xfb, 0xff, 0xfe]))).toBe("-__-");
    expect(base64Url(new Uint8Array([1]))).toBe("AQ");
  });

  it("stores base64url(SHA-256(UTF-8 token))", async () => {
    const hash = await Effect.runPromise(hashBindingToken("tökén"));
    expect(hash).toBe(createHash("sha256").update("tökén", "utf8").digest("base64url"));
    expect(hash).toHaveLength(43);
  });

  it("issues one fresh 32-byte token per kind, in record order", async () => {
    const tokens = await Effect.runPromise(issueBindingTokens().pipe(Effect.provide(sequentialIds())));
    expect([...tokens.keys()]).toEqual(["ai", "rpc", "queue", "workflow", "events"]);
    const values = [...tokens.values()];
    expect(new Set(values.map(({ token }) => token)).size).toBe(5);
    for (const { token, hash } of values) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, "base64url")).toHaveLength(32);
      expect(hash).toBe(createHash("sha256").update(token).digest("base64url"));
    }
  });
});
