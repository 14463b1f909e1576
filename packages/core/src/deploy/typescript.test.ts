import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { isTypeScriptModule, stripTypes } from "./typescript.js";

const strip = (source: string, path = "backend/index.ts") => stripTypes(path, source);
const message = (result: ReturnType<typeof strip>) =>
  Result.isFailure(result) ? result.failure.message : "succeeded";

describe("B.8 TypeScript stripping", () => {
  it("recognizes .ts and .mts modules only", () => {
    expect(["a.ts", "a.mts", "A.TS", "a.js", "a.mjs", "a.d.cts"].map(isTypeScriptModule)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it("removes types and keeps ESM, top-level await, import attributes and line numbers", () => {
    const source = [
      'import config from "./config.json" with { type: "json" };',
      "interface Greeting { readonly text: string }",
      "const greeting: Greeting = await Promise.resolve({ text: `hi` });",
      "export default { fetch: (_request: Request): Response => new Response(greeting.text + config) };",
    ].join("\n");
    const code = Result.getOrThrow(strip(source));
    expect(code).toContain('with { type: "json" }');
    expect(code).toContain("await Promise.resolve");
    expect(code).toContain("export default");
    expect(code).not.toMatch(/: Greeting|: Request|: Response|interface/);
    const lines = code.split("\n");
    expect(lines[2]).toContain("const greeting");
    expect(lines[3]).toContain("export default");
  });

  it("compiles enums and keeps modern syntax as written", () => {
    const code = Result.getOrThrow(strip("export enum Color { Red, Green }\nexport const x = a?.b ?? 1;"));
    expect(code).toContain('Color[Color["Red"] = Red] = "Red"');
    expect(code).toContain("a?.b ?? 1");
  });

  it("gives the same output for the same input (adapter independent)", () => {
    const source = "export const add = (a: number, b: number): number => a + b;";
    expect(strip(source)).toEqual(strip(source));
    expect(Result.getOrThrow(strip(source))).toBe("export const add = (a, b) => a + b;");
  });

  it("names the module that cannot be parsed", () => {
    expect(message(strip("export const = ;", "worker/lib/broken.mts"))).toMatch(
      /^TypeScript transpilation failed for worker\/lib\/broken\.mts: /,
    );
  });

  it("refuses empty output with the B.8 text", () => {
    expect(message(strip("type Only = string;\n"))).toBe(
      "TypeScript transpilation produced empty output for backend/index.ts.",
    );
  });
});
