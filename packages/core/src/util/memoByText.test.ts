import { describe, expect, it } from "vitest";
import { memoByText } from "./memoByText.js";

describe("memoByText", () => {
  it("computes each distinct text once and gives the same result object again", () => {
    const seen: string[] = [];
    const parse = memoByText((text) => {
      seen.push(text);
      return { length: text.length };
    });
    const first = parse("GET / HTTP/1.1");
    expect(parse("GET / HTTP/1.1")).toBe(first);
    expect(parse("HEAD / HTTP/1.1")).toEqual({ length: 15 });
    expect(seen).toEqual(["GET / HTTP/1.1", "HEAD / HTTP/1.1"]);
  });

  it("remembers an undefined result too, and never a thrown one", () => {
    let calls = 0;
    const parse = memoByText((text) => {
      calls += 1;
      if (text === "bad") throw new Error("bad input");
      return undefined;
    });
    expect(parse("odd")).toBeUndefined();
    expect(parse("odd")).toBeUndefined();
    expect(calls).toBe(1);
    expect(() => parse("bad")).toThrow("bad input");
    expect(() => parse("bad")).toThrow("bad input");
    expect(calls).toBe(3);
  });

  it("keeps at most `capacity` texts, forgetting the oldest, and computes long texts every time", () => {
    let calls = 0;
    const parse = memoByText(
      (text) => {
        calls += 1;
        return [text];
      },
      { capacity: 2, maxLength: 8 },
    );
    const a = parse("a");
    parse("b");
    parse("c");
    expect(parse("c")).toEqual(["c"]);
    expect(calls).toBe(3);
    expect(parse("a")).not.toBe(a);
    expect(calls).toBe(4);
    const long = "x".repeat(9);
    expect(parse(long)).not.toBe(parse(long));
    expect(calls).toBe(6);
  });
});
