import { describe, expect, it } from "vitest";
import {
  errorBody,
  errorResponse,
  errorResponseFromUnknown,
  httpStatusOf,
  isHttpError,
  jsonContentType,
  successBody,
  successResponse,
} from "./errorResponse.js";
import {
  BadGateway,
  BadRequest,
  Forbidden,
  type HttpError,
  Internal,
  NotFound,
  PayloadTooLarge,
  PaymentRequired,
  RequestHeaderFieldsTooLarge,
  ServiceUnavailable,
  TooManyRequests,
  Unauthorized,
  UnsupportedMediaType,
} from "./httpErrors.js";

describe("0 JSON envelopes: error families -> status and body", () => {
  it.each<[HttpError, number]>([
    [new BadRequest({ message: "Invalid repository owner." }), 400],
    [new Unauthorized({ message: "Missing bearer token." }), 401],
    [new PaymentRequired({ message: "Payment required." }), 402],
    [new Forbidden({ message: "RPC caller is not authorized for this target." }), 403],
    [new NotFound({ message: "RPC target deployment was not found." }), 404],
    [new PayloadTooLarge({ message: "Workflow payload exceeds 65536 bytes." }), 413],
    [new UnsupportedMediaType({ message: "Deploy body must be an application/zip archive." }), 415],
    [new TooManyRequests({ message: "Slow down.", retryAfterSeconds: 60 }), 429],
    [new RequestHeaderFieldsTooLarge({ message: "x-w7s-vars is too large." }), 431],
    [new Internal({ message: "D1 query failed." }), 500],
    [new BadGateway({ message: "Workers AI request failed." }), 502],
    [new ServiceUnavailable({ message: "W7S AI is not configured for this core deployment." }), 503],
  ])("%s answers %i with the exact message", (error, status) => {
    const response = errorResponse(error);
    expect(httpStatusOf(error)).toBe(status);
    expect(response.status).toBe(status);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(response.body)).toEqual({ status: "error", error: error.message });
    expect(isHttpError(error)).toBe(true);
  });

  it("keeps key order status, error, details and includes details only when given", () => {
    const error = new BadRequest({
      message: "Deploy exceeds W7S free-tier shape limits.",
      details: { limits: ["w7s.json declares more than 5 schedules."] },
    });
    expect(errorResponse(error).body).toBe(
      '{"status":"error","error":"Deploy exceeds W7S free-tier shape limits.","details":{"limits":["w7s.json declares more than 5 schedules."]}}',
    );
    expect(errorBody(new NotFound({ message: "x" }))).toEqual({ status: "error", error: "x" });
    expect("details" in errorBody(new NotFound({ message: "x" }))).toBe(false);
  });

  it.each([
    [60, "60"],
    [0.2, "1"],
    [0, "1"],
    [-5, "1"],
    [12.01, "13"],
    [Number.NaN, "1"],
  ])("429 with retryAfterSeconds %d sends retry-after %s", (seconds, header) => {
    const response = errorResponse(new TooManyRequests({ message: "Limited.", retryAfterSeconds: seconds }));
    expect(response.headers["retry-after"]).toBe(header);
  });

  it("sends retry-after only on 429", () => {
    expect(errorResponse(new ServiceUnavailable({ message: "x" })).headers).toEqual({
      "content-type": jsonContentType,
    });
  });

  it("drops details JSON cannot encode instead of throwing", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    const response = errorResponse(new BadRequest({ message: "Bad.", details: { cyclic, big: 1n } }));
    expect(JSON.parse(response.body)).toEqual({ status: "error", error: "Bad." });
  });
});

describe("DECISIONS 2: unknown failures are a bare 500", () => {
  it.each<[string, unknown]>([
    ["a plain Error", new Error("database password is hunter2")],
    ["a string", "boom"],
    ["undefined", undefined],
    ["null", null],
    ["a look-alike object", { _tag: "BadRequest", message: "not really ours" }],
    ["an object with an unknown tag", { _tag: "StoreError", message: "Corrupt" }],
  ])("%s becomes 500 Internal error. without leaking anything", (_label, value) => {
    const response = errorResponseFromUnknown(value);
    expect(response.status).toBe(500);
    expect(response.body).toBe('{"status":"error","error":"Internal error."}');
    expect(isHttpError(value)).toBe(false);
  });

  it("keeps the status and text of a known platform error", () => {
    const response = errorResponseFromUnknown(new Unauthorized({ message: "Invalid RPC bearer token." }));
    expect(response).toEqual({
      status: 401,
      headers: { "content-type": jsonContentType },
      body: '{"status":"error","error":"Invalid RPC bearer token."}',
    });
  });
});

describe("0 JSON envelopes: success", () => {
  it("wraps data in the success envelope", () => {
    expect(successBody({ queue: { owner: "acme", repo: "api", name: "jobs" } })).toEqual({
      status: "success",
      data: { queue: { owner: "acme", repo: "api", name: "jobs" } },
    });
    expect(successResponse({ ok: 1 })).toEqual({
      status: 200,
      headers: { "content-type": jsonContentType },
      body: '{"status":"success","data":{"ok":1}}',
    });
  });

  it("turns data JSON cannot encode into the internal 500", () => {
    expect(successResponse({ big: 1n }).status).toBe(500);
  });
});
