import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { MAX_EVENT_SUBJECT_LENGTH, normalizeEventSubject } from "./eventsSchema.js";
import { manifestJsonSchema } from "./jsonSchema.js";
import { decodeManifest } from "./parseManifest.js";

const decoded = (value: unknown) => {
  const result = decodeManifest(value);
  if (Result.isFailure(result)) throw new Error(result.failure.message);
  return result.success;
};

const issuesOf = (value: unknown) => {
  const result = decodeManifest(value);
  if (Result.isSuccess(result)) throw new Error(`accepted: ${JSON.stringify(value)}`);
  return result.failure.issues;
};

const SUBJECT_RULE =
  "must be a subject: dot-separated letters, digits, '_' or '-' (orders.created), at most 128 characters, no wildcards.";

describe("events: accepted forms", () => {
  it("normalizes subjects, queues and allow entries (trimmed, lowercased)", () => {
    const { manifest, warnings } = decoded({
      queues: ["order-events"],
      events: {
        publish: [" Orders.Created ", "orders.cancelled"],
        subscribe: [{ subject: "ORDERS.created", queue: " Order-Events " }],
        allow: [" Partner ", "other/Shop"],
      },
    });
    expect(manifest.events).toStrictEqual({
      publish: ["orders.created", "orders.cancelled"],
      subscribe: [{ subject: "orders.created", queue: "order-events" }],
      allow: ["partner", "other/shop"],
    });
    expect(warnings).toStrictEqual([]);
  });

  it("gives every list its empty default, and leaves events absent when it is not declared", () => {
    expect(decoded({ events: {} }).manifest.events).toStrictEqual({ publish: [], subscribe: [], allow: [] });
    expect("events" in decoded({}).manifest).toBe(false);
  });

  it("lets one subject reach several queues and several subjects reach one queue", () => {
    const { manifest } = decoded({
      queues: ["a", "b"],
      events: {
        subscribe: [
          { subject: "x", queue: "a" },
          { subject: "x", queue: "b" },
          { subject: "y", queue: "a" },
        ],
      },
    });
    expect(manifest.events?.subscribe).toHaveLength(3);
  });
});

describe("events: errors carry their path", () => {
  it.each([
    ["events: array", { events: [] }, "events", "events must be an object."],
    [
      "publish: not array",
      { events: { publish: "a" } },
      "events.publish",
      "events.publish must be an array.",
    ],
    [
      "publish: number",
      { events: { publish: [1] } },
      "events.publish[0]",
      "events.publish[0] must be a string.",
    ],
    [
      "publish: wildcard",
      { events: { publish: ["orders.*"] } },
      "events.publish[0]",
      `events.publish[0] ${SUBJECT_RULE}`,
    ],
    [
      "publish: tail wildcard",
      { events: { publish: ["orders.>"] } },
      "events.publish[0]",
      `events.publish[0] ${SUBJECT_RULE}`,
    ],
    [
      "publish: empty token",
      { events: { publish: ["a..b"] } },
      "events.publish[0]",
      `events.publish[0] ${SUBJECT_RULE}`,
    ],
    [
      "publish: blank",
      { events: { publish: ["  "] } },
      "events.publish[0]",
      `events.publish[0] ${SUBJECT_RULE}`,
    ],
    [
      "publish: space inside",
      { events: { publish: ["a b"] } },
      "events.publish[0]",
      `events.publish[0] ${SUBJECT_RULE}`,
    ],
    [
      "publish: too long",
      { events: { publish: ["x".repeat(MAX_EVENT_SUBJECT_LENGTH + 1)] } },
      "events.publish[0]",
      `events.publish[0] ${SUBJECT_RULE}`,
    ],
    [
      "publish: duplicate after normalizing",
      { events: { publish: ["orders.created", " Orders.Created"] } },
      "events.publish[1]",
      "events.publish[1] duplicates orders.created.",
    ],
    [
      "subscribe: not object",
      { queues: ["q"], events: { subscribe: ["orders.created"] } },
      "events.subscribe[0]",
      "events.subscribe[0] must be an object.",
    ],
    [
      "subscribe: no queue",
      { queues: ["q"], events: { subscribe: [{ subject: "a" }] } },
      "events.subscribe[0].queue",
      "events.subscribe[0].queue must be a string.",
    ],
    [
      "subscribe: bad subject",
      { queues: ["q"], events: { subscribe: [{ subject: "a.*", queue: "q" }] } },
      "events.subscribe[0].subject",
      `events.subscribe[0].subject ${SUBJECT_RULE}`,
    ],
    [
      "subscribe: bad queue name",
      { queues: ["q"], events: { subscribe: [{ subject: "a", queue: "my queue" }] } },
      "events.subscribe[0].queue",
      "events.subscribe[0].queue must be a valid queue name.",
    ],
    [
      "subscribe: unknown queue",
      { queues: ["jobs"], events: { subscribe: [{ subject: "a", queue: "orders" }] } },
      "events.subscribe[0].queue",
      "events.subscribe[0].queue must name a queue declared in queues; orders is not declared.",
    ],
    [
      "subscribe: no queues at all",
      { events: { subscribe: [{ subject: "a", queue: "orders" }] } },
      "events.subscribe[0].queue",
      "events.subscribe[0].queue must name a queue declared in queues; orders is not declared.",
    ],
    [
      "subscribe: duplicate",
      {
        queues: ["q"],
        events: {
          subscribe: [
            { subject: "a", queue: "q" },
            { subject: " A", queue: "Q" },
          ],
        },
      },
      "events.subscribe[1]",
      "events.subscribe[1] duplicates a -> q.",
    ],
    [
      "allow: three parts",
      { events: { allow: ["a/b/c"] } },
      "events.allow[0]",
      "events.allow[0] must be a GitHub owner or owner/repo.",
    ],
  ])("%s", (_title, value, path, message) => {
    expect(issuesOf(value)).toStrictEqual([{ path, message }]);
  });

  it("reports every subscription naming an undeclared queue", () => {
    const issues = issuesOf({
      queues: [{ name: "jobs" }],
      events: {
        subscribe: [
          { subject: "a", queue: "x" },
          { subject: "a", queue: "jobs" },
          { subject: "b", queue: "y" },
        ],
      },
    });
    expect(issues.map((issue) => issue.path)).toStrictEqual([
      "events.subscribe[0].queue",
      "events.subscribe[2].queue",
    ]);
  });
});

describe("normalizeEventSubject: the rule publish requests are checked with", () => {
  it.each([
    ["orders.created", "orders.created"],
    [" Orders.Created ", "orders.created"],
    ["a_b-c.9", "a_b-c.9"],
    ["x".repeat(MAX_EVENT_SUBJECT_LENGTH), "x".repeat(MAX_EVENT_SUBJECT_LENGTH)],
  ])("%j -> %j", (subject, normalized) => {
    expect(normalizeEventSubject(subject)).toBe(normalized);
  });

  it.each([
    "",
    " ",
    "orders.*",
    "orders.>",
    ".a",
    "a.",
    "a..b",
    "a/b",
    "x".repeat(MAX_EVENT_SUBJECT_LENGTH + 1),
  ])("%j is not a subject", (subject) => {
    expect(normalizeEventSubject(subject)).toBeUndefined();
  });
});

describe("events in the JSON Schema", () => {
  it("documents publish, subscribe and allow, and the subject pattern editors check", () => {
    const schema = manifestJsonSchema() as {
      properties: { events: { properties: Record<string, { items: { pattern?: string } }> } };
    };
    const events = schema.properties.events;
    expect(Object.keys(events.properties)).toStrictEqual(["publish", "subscribe", "allow"]);
    const pattern = new RegExp(events.properties["publish"]?.items.pattern ?? "", "u");
    expect(pattern.test("orders.created")).toBe(true);
    expect(pattern.test("orders.*")).toBe(false);
  });
});
