import { describe, expect, it } from "vitest";
import { canonicalMetric, isMetric, isValidMetricName, METRIC_ALIASES, METRICS } from "./index.js";

describe("F.1 metric catalog", () => {
  it("lists the 35 metrics of F.1 in the canonical metricOrder, then the event metrics", () => {
    expect(METRICS).toStrictEqual([
      "deploy",
      "runtime.request",
      "worker.request",
      "runtime.cpu_ms",
      "worker.script",
      "static.r2_class_a",
      "static.r2_class_b",
      "r2.class_a",
      "r2.class_b",
      "r2.storage_bytes",
      "kv.read",
      "kv.write",
      "kv.delete",
      "kv.list",
      "kv.storage_bytes",
      "d1.rows_read",
      "d1.rows_written",
      "d1.read_queries",
      "d1.write_queries",
      "d1.storage_bytes",
      "durable_object.request",
      "durable_object.duration_ms",
      "durable_object.rows_read",
      "durable_object.rows_written",
      "durable_object.storage_read_units",
      "durable_object.storage_write_units",
      "durable_object.storage_deletes",
      "rpc.dispatch",
      "queue.send",
      "queue.delivery",
      "schedule.delivery",
      "workflow.create",
      "workflow.delivery",
      "ai.run",
      "log.write",
      "event.publish",
      "event.delivery",
    ]);
  });

  it.each([
    ["deploy", true],
    ["log.write", true],
    ["Deploy", false],
    [" deploy", false],
    ["db.rows_read", false],
    ["constructor", false],
    ["custom.metric", false],
  ])("isMetric(%j) is %s", (name, expected) => {
    expect(isMetric(name)).toBe(expected);
  });
});

describe("F.1 / L.31 docs metric names are aliases of the code's", () => {
  it.each([
    ["static.fs_class_a", "static.r2_class_a"],
    ["static.fs_class_b", "static.r2_class_b"],
    ["fs.class_a", "r2.class_a"],
    ["fs.class_b", "r2.class_b"],
    ["fs.storage_bytes", "r2.storage_bytes"],
    ["db.rows_read", "d1.rows_read"],
    ["db.rows_written", "d1.rows_written"],
    ["db.read_queries", "d1.read_queries"],
    ["db.write_queries", "d1.write_queries"],
    ["db.storage_bytes", "d1.storage_bytes"],
  ])("%s -> %s", (alias, metric) => {
    expect(canonicalMetric(alias)).toBe(metric);
    expect(METRIC_ALIASES.get(alias)).toBe(metric);
  });

  it.each([
    ["  Runtime.Request ", "runtime.request"],
    ["DB.ROWS_READ", "d1.rows_read"],
    ["d1.rows_read", "d1.rows_read"],
    ["kv.read", "kv.read"],
    ["unknown.metric", undefined],
    ["", undefined],
    ["constructor", undefined],
    ["__proto__", undefined],
  ])("canonicalMetric(%j) is %j", (name, expected) => {
    expect(canonicalMetric(name)).toBe(expected);
  });

  it("maps every alias onto a catalog metric", () => {
    for (const metric of METRIC_ALIASES.values()) expect(isMetric(metric)).toBe(true);
  });
});

describe("F.2 metric name pattern", () => {
  it.each([
    ["deploy", true],
    ["queue.delivery", true],
    ["custom:metric-1_x", true],
    [" Runtime.Request ", true],
    [`a${"b".repeat(63)}`, true],
    [`a${"b".repeat(64)}`, false],
    ["1deploy", false],
    [".deploy", false],
    ["de ploy", false],
    ["deploy/x", false],
    ["", false],
  ])("isValidMetricName(%j) is %s", (name, expected) => {
    expect(isValidMetricName(name)).toBe(expected);
  });
});
