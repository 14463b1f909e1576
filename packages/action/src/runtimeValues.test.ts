import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeRuntimeValues } from "@w7s/core";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { collectValues, RuntimeValuesError, runtimeValueHeaders } from "./runtimeValues.js";

const appWith = (manifest?: string) => {
  const dir = mkdtempSync(join(tmpdir(), "w7s-values-"));
  mkdirSync(dir, { recursive: true });
  if (manifest !== undefined) writeFileSync(join(dir, "w7s.json"), manifest);
  return dir;
};

describe("J.3 step 5: vars and secrets from w7s.json and the inputs", () => {
  it("sends declared names that exist in the environment (empty allowed) as base64url JSON the server decodes", () => {
    const headers = runtimeValueHeaders({
      directory: appWith(JSON.stringify({ vars: ["PUBLIC", "MISSING"], secrets: ["PRIVATE"] })),
      vars: "EXTRA, EMPTY",
      secrets: "",
      environment: { PUBLIC: "p", PRIVATE: "s€cret", EXTRA: "x", EMPTY: "" },
    });
    expect(headers["x-w7s-vars"]).not.toMatch(/[=+/]/);
    expect(Result.getOrThrow(decodeRuntimeValues("x-w7s-vars", headers["x-w7s-vars"]))).toEqual({
      PUBLIC: "p",
      EXTRA: "x",
      EMPTY: "",
    });
    expect(Result.getOrThrow(decodeRuntimeValues("x-w7s-secrets", headers["x-w7s-secrets"]))).toEqual({
      PRIVATE: "s€cret",
    });
  });

  it("leaves a header out when it has no values, and treats a non-object w7s.json as declaring nothing", () => {
    expect(runtimeValueHeaders({ directory: appWith("[1,2]"), environment: { A: "1" } })).toEqual({
      names: { vars: [], secrets: [] },
    });
  });

  it("fails with the spec's texts for invalid JSON and invalid names", () => {
    expect(() => runtimeValueHeaders({ directory: appWith("{nope"), environment: {} })).toThrow(
      /^Invalid w7s\.json: /,
    );
    expect(() => collectValues(["1BAD"], {})).toThrow(
      new RuntimeValuesError("Invalid environment variable name: 1BAD"),
    );
  });
});
