import { describe, expect, it } from "vitest";
import {
  flattenLogMessage,
  makeRedactor,
  normalizeLogValue,
  type TailContext,
  tailRecords,
} from "./tailRecords.js";

let ids = 0;
const context: TailContext = {
  environment: "production",
  orgSlug: "acme",
  repoSlug: "logs",
  scriptName: "acme--logs--production--0123456",
  secrets: ["s3cr3t-value"],
  observedAtMs: Date.parse("2026-05-26T13:42:11.001Z"),
  newId: () => `id${++ids}`,
};

const fetchEvent = (path: string, status?: number) => ({
  request: { url: `https://acme.w7s.test${path}`, method: "GET", headers: {}, cf: { colo: "IAD" } },
  ...(status === undefined ? {} : { response: { status } }),
});

describe("G.2 records from tail events", () => {
  it("a console.warn becomes a console record with level, structured message, flattened text and the request", () => {
    const [record, ...rest] = tailRecords(
      {
        outcome: "ok",
        eventTimestamp: 1779802918100,
        event: fetchEvent("/warn", 200),
        logs: [
          { level: "warn", message: ["example-logs warning", { path: "/warn" }], timestamp: 1779802918112 },
        ],
        exceptions: [],
      },
      context,
    );
    expect(rest).toEqual([]);
    expect(record).toEqual({
      version: 1,
      id: expect.any(String),
      kind: "console",
      timestamp: "2026-05-26T13:41:58.112Z",
      observedAt: "2026-05-26T13:42:11.001Z",
      environment: "production",
      orgSlug: "acme",
      repoSlug: "logs",
      repository: "acme/logs",
      scriptName: "acme--logs--production--0123456",
      outcome: "ok",
      level: "warn",
      message: ["example-logs warning", { path: "/warn" }],
      text: 'example-logs warning {"path":"/warn"}',
      request: { method: "GET", path: "/warn", status: 200, colo: "IAD" },
    });
  });

  it("an uncaught exception becomes an exception record (the client got a 500)", () => {
    const [record] = tailRecords(
      {
        outcome: "exception",
        event: fetchEvent("/throw"),
        logs: [],
        exceptions: [
          {
            name: "Error",
            message: "example-logs intentional exception",
            stack: "    at fetch (app.js:5:42)",
            timestamp: 1779802930534,
          },
        ],
      },
      context,
    );
    expect(record).toMatchObject({
      kind: "exception",
      level: "error",
      outcome: "exception",
      timestamp: "2026-05-26T13:42:10.534Z",
      text: "Error: example-logs intentional exception",
      exception: {
        name: "Error",
        message: "example-logs intentional exception",
        stack: "    at fetch (app.js:5:42)",
      },
      request: { method: "GET", path: "/throw", status: 500 },
    });
  });

  it.each([
    ["exceededCpu", 1],
    ["canceled", 1],
    ["ok", 0],
    ["unknown", 0],
    [undefined, 0],
  ])("outcome %s with nothing logged gives %i outcome record(s)", (outcome, count) => {
    const records = tailRecords({ outcome, event: fetchEvent("/"), logs: [], exceptions: [] }, context);
    expect(records).toHaveLength(count);
    if (count > 0)
      expect(records[0]).toMatchObject({
        kind: "outcome",
        level: "error",
        text: `Worker invocation finished with outcome ${outcome}.`,
      });
  });

  it("defaults: level log, exception name Error and message from the outcome, timestamps in seconds or ms", () => {
    const records = tailRecords(
      {
        eventTimestamp: 1779802918,
        logs: [
          { level: "trace", message: ["x"] },
          { message: "y", timestamp: 1779802919 },
        ],
        exceptions: [{}],
      },
      context,
    );
    expect(records.map((record) => [record.kind, record.level, record.timestamp, record.text])).toEqual([
      ["console", "log", "2026-05-26T13:41:58.000Z", "x"],
      ["console", "log", "2026-05-26T13:41:59.000Z", "y"],
      ["exception", "error", "2026-05-26T13:41:58.000Z", "Error: Unhandled Worker exception."],
    ]);
    expect(records[0]?.outcome).toBe("unknown");
    expect(records[0]?.request).toBeUndefined();
  });

  it("keeps at most 100 records of one trace", () => {
    const logs = Array.from({ length: 150 }, (_, index) => ({ level: "log", message: [index] }));
    expect(tailRecords({ logs, exceptions: [{ message: "late" }] }, context)).toHaveLength(100);
  });

  it("truncates strings, arrays, objects and depth, and describes values JSON cannot hold", () => {
    const deep = { a: { b: { c: { d: { e: 1 } } } } };
    const circular: Record<string, unknown> = { name: "loop" };
    circular["self"] = circular;
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`k${index}`, index]));
    const normalized = [
      "x".repeat(5000),
      Array.from({ length: 30 }, (_, index) => index),
      many,
      deep,
      circular,
      undefined,
      function handler() {},
      10n,
      Symbol("s"),
      new TypeError("bad"),
    ].map((value) => normalizeLogValue(value, undefined, 1));
    expect(normalized[0]).toBe(`${"x".repeat(4096)}...[truncated]`);
    expect(normalized[1]).toHaveLength(25);
    expect(Object.keys(normalized[2] as object)).toHaveLength(25);
    expect(normalized[3]).toEqual({ a: { b: { c: "[max-depth]" } } });
    expect(normalized[4]).toEqual({ name: "loop", self: "[circular]" });
    expect(normalized.slice(5, 9)).toEqual(["[undefined]", "[function handler]", "10", "Symbol(s)"]);
    expect(normalized[9]).toMatchObject({ name: "TypeError", message: "bad" });
    expect(flattenLogMessage(["a".repeat(4000), "b".repeat(200)])).toHaveLength(
      4096 + "...[truncated]".length,
    );
  });

  it("replaces every secret, raw or URL-encoded, before anything is truncated or kept", () => {
    const secret = "p@ss w0rd/with-long-tail";
    const redacted = tailRecords(
      {
        outcome: "exception",
        event: {
          request: { method: "GET", url: `https://acme.w7s.test/echo/${encodeURIComponent(secret)}` },
        },
        logs: [{ level: "log", message: [`token=${secret}`, { [secret]: secret, nested: [secret] }] }],
        exceptions: [{ name: "Error", message: `leaked ${secret}`, stack: `Error: leaked ${secret}\n at x` }],
      },
      { ...context, secrets: [secret] },
    );
    const serialized = JSON.stringify(redacted);
    expect(serialized).not.toContain(secret);
    expect(serialized).not.toContain(encodeURIComponent(secret));
    expect(redacted[0]?.text).toBe('token=[secret] {"[secret]":"[secret]","nested":["[secret]"]}');
    expect(redacted[1]?.request?.path).toBe("/echo/[secret]");
    // A secret cut in half by truncation cannot leak: redaction comes first.
    const long = `${"y".repeat(4090)}s3cr3t-value`;
    expect(makeRedactor(["s3cr3t-value"])(long)).not.toContain("s3cr3t");
    const [cut] = tailRecords({ logs: [{ message: [long] }] }, context);
    expect(JSON.stringify(cut)).not.toContain("s3cr");
  });
});
