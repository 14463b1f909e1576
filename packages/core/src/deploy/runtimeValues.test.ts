import { Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { httpStatusOf } from "../errors/errorResponse.js";
import { decodeRuntimeValues, type RuntimeValuesHeader } from "./runtimeValues.js";

/** What the official action sends: UTF-8 JSON, base64url, no padding. */
const encode = (json: string): string => Buffer.from(json, "utf8").toString("base64url");

const rejectionOf = (header: RuntimeValuesHeader, value: string) => {
  const decoded = decodeRuntimeValues(header, value);
  if (Result.isSuccess(decoded)) throw new Error(`expected ${value} to be rejected`);
  return { status: httpStatusOf(decoded.failure), message: decoded.failure.message };
};

const parserMessage = (text: string): string => {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected invalid JSON");
};

describe("B.9 / DECISIONS 4 decoding x-w7s-vars and x-w7s-secrets", () => {
  it.each<[string, string | null | undefined, Record<string, string>]>([
    ["absent", null, {}],
    ["undefined", undefined, {}],
    ["empty", "", {}],
    ["blank", "   ", {}],
    ["an empty object", encode("{}"), {}],
    ["no padding", encode('{"A":"1"}'), { A: "1" }],
    ["two padding characters", "eyJBQiI6IjEifQ==", { AB: "1" }],
    ["one padding character", "eyJBQkMiOiIxIn0=", { ABC: "1" }],
    ["the same without padding", "eyJBQkMiOiIxIn0", { ABC: "1" }],
    ["surrounding spaces", `  ${encode('{"API_URL":"https://x.test"}')}  `, { API_URL: "https://x.test" }],
    ["non-ASCII values", encode('{"GREETING":"héllo 日本 🚀"}'), { GREETING: "héllo 日本 🚀" }],
    ["url-safe characters", encode('{"K":"??>>"}'), { K: "??>>" }],
    ["classic base64 characters", Buffer.from('{"K":"??>>"}').toString("base64"), { K: "??>>" }],
    ["empty string values", encode('{"EMPTY":""}'), { EMPTY: "" }],
    ["names with underscores and digits", encode('{"_a1":"x","B_2":"y"}'), { _a1: "x", B_2: "y" }],
  ])("decodes %s", (_, value, expected) => {
    expect(decodeRuntimeValues("x-w7s-vars", value)).toStrictEqual(Result.succeed(expected));
  });

  it("uses the url-safe alphabet where classic base64 has + and /", () => {
    expect(encode('{"K":"??>>"}')).toMatch(/[-_]/);
  });

  it.each<[string, RuntimeValuesHeader, string, string]>([
    ["foreign characters", "x-w7s-vars", "!!!", "x-w7s-vars must be base64url-encoded JSON."],
    [
      "a lone trailing character",
      "x-w7s-vars",
      "eyJBIjoiMSJ9a",
      "x-w7s-vars must be base64url-encoded JSON.",
    ],
    ["padding in the middle", "x-w7s-secrets", "ey=J", "x-w7s-secrets must be base64url-encoded JSON."],
    ["too much padding", "x-w7s-vars", "eyJ9===", "x-w7s-vars must be base64url-encoded JSON."],
    ["padding of a wrong length", "x-w7s-vars", "e30==", "x-w7s-vars must be base64url-encoded JSON."],
    ["inner spaces", "x-w7s-vars", "e3 0", "x-w7s-vars must be base64url-encoded JSON."],
    [
      "bytes that are not UTF-8",
      "x-w7s-secrets",
      Buffer.from([0x7b, 0xff, 0x7d]).toString("base64url"),
      "x-w7s-secrets must be base64url-encoded JSON.",
    ],
    ["not JSON", "x-w7s-vars", encode("nope"), `x-w7s-vars must contain JSON: ${parserMessage("nope")}`],
    [
      "truncated JSON",
      "x-w7s-secrets",
      encode('{"A":'),
      `x-w7s-secrets must contain JSON: ${parserMessage('{"A":')}`,
    ],
    ["an array", "x-w7s-vars", encode('["A"]'), "x-w7s-vars must decode to an object."],
    ["null", "x-w7s-vars", encode("null"), "x-w7s-vars must decode to an object."],
    ["a string", "x-w7s-secrets", encode('"A=1"'), "x-w7s-secrets must decode to an object."],
    ["a number", "x-w7s-vars", encode("1"), "x-w7s-vars must decode to an object."],
    [
      "a name starting with a digit",
      "x-w7s-vars",
      encode('{"1A":"x"}'),
      "x-w7s-vars contains invalid environment variable name 1A.",
    ],
    [
      "a name with a dash",
      "x-w7s-secrets",
      encode('{"API-KEY":"x"}'),
      "x-w7s-secrets contains invalid environment variable name API-KEY.",
    ],
    [
      "an empty name",
      "x-w7s-vars",
      encode('{"":"x"}'),
      "x-w7s-vars contains invalid environment variable name .",
    ],
    ["a number value", "x-w7s-vars", encode('{"PORT":8080}'), "x-w7s-vars.PORT must be a string."],
    ["a null value", "x-w7s-secrets", encode('{"TOKEN":null}'), "x-w7s-secrets.TOKEN must be a string."],
    ["an object value", "x-w7s-vars", encode('{"CFG":{}}'), "x-w7s-vars.CFG must be a string."],
    ["the first bad entry wins", "x-w7s-vars", encode('{"A":1,"1B":"x"}'), "x-w7s-vars.A must be a string."],
  ])("rejects %s (%s) with 400", (_, header, value, message) => {
    expect(rejectionOf(header, value)).toStrictEqual({ status: 400, message });
  });

  it("keeps a `__proto__` name as an ordinary value", () => {
    const values = Result.getOrThrow(decodeRuntimeValues("x-w7s-vars", encode('{"__proto__":"x"}')));
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(Object.entries(values)).toStrictEqual([["__proto__", "x"]]);
  });

  it("round-trips any map of valid names to any strings, padded or not", () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/).filter((key) => key !== "__proto__");
    fc.assert(
      fc.property(fc.dictionary(name, fc.string({ unit: "binary" })), fc.boolean(), (values, padded) => {
        const json = Buffer.from(JSON.stringify(values), "utf8");
        const header = padded ? json.toString("base64") : json.toString("base64url");
        expect(decodeRuntimeValues("x-w7s-secrets", header)).toStrictEqual(Result.succeed({ ...values }));
      }),
    );
  });
});
