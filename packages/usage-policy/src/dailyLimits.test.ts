import { describe, expect, it } from "vitest";
import {
  DEFAULT_DAILY_LIMITS,
  DEFAULT_WARNING_THRESHOLD,
  GLOBAL_DEFAULT_DAILY_LIMITS,
  METRICS,
  OWNER_DEFAULT_DAILY_LIMITS,
} from "./index.js";

describe("F.1 default daily limits (repo scope)", () => {
  it.each([
    ["deploy", 50],
    ["runtime.request", 10000],
    ["worker.request", 10000],
    ["runtime.cpu_ms", 300000],
    ["worker.script", 5],
    ["static.r2_class_a", 1000],
    ["static.r2_class_b", 20000],
    ["r2.class_a", 1000],
    ["r2.class_b", 20000],
    ["r2.storage_bytes", 104857600],
    ["kv.read", 10000],
    ["kv.write", 1000],
    ["kv.delete", 1000],
    ["kv.list", 1000],
    ["kv.storage_bytes", 52428800],
    ["d1.rows_read", 100000],
    ["d1.rows_written", 10000],
    ["d1.read_queries", 10000],
    ["d1.write_queries", 1000],
    ["d1.storage_bytes", 52428800],
    ["durable_object.request", 5000],
    ["durable_object.duration_ms", 300000],
    ["durable_object.rows_read", 100000],
    ["durable_object.rows_written", 10000],
    ["durable_object.storage_read_units", 100000],
    ["durable_object.storage_write_units", 10000],
    ["durable_object.storage_deletes", 10000],
    ["rpc.dispatch", 10000],
    ["queue.send", 10000],
    ["queue.delivery", 10000],
    ["schedule.delivery", 2000],
    ["workflow.create", 1000],
    ["workflow.delivery", 1000],
    ["ai.run", 100],
    ["log.write", 5000],
    ["event.publish", 10000],
    ["event.delivery", 10000],
  ] as const)("%s allows %i units a day", (metric, units) => {
    expect(DEFAULT_DAILY_LIMITS[metric]).toBe(units);
  });

  it("has exactly one default per catalog metric and warns at 80%", () => {
    expect(Object.keys(DEFAULT_DAILY_LIMITS).sort()).toStrictEqual([...METRICS].sort());
    expect(DEFAULT_WARNING_THRESHOLD).toBe(0.8);
  });
});

describe("F.1 owner and global aggregate defaults", () => {
  it.each([
    ["deploy", 500, 5000],
    ["worker.script", 50, 1000],
    ["runtime.request", 100000, 1000000],
    ["ai.run", 1000, 10000],
    ["r2.storage_bytes", 1048576000, 10485760000],
  ] as const)("%s: owner %i, global %i", (metric, owner, global) => {
    expect(OWNER_DEFAULT_DAILY_LIMITS[metric]).toBe(owner);
    expect(GLOBAL_DEFAULT_DAILY_LIMITS[metric]).toBe(global);
  });

  it("scales every metric by 10 (owner) and 100 (global), never below the minimums", () => {
    for (const metric of METRICS) {
      expect(OWNER_DEFAULT_DAILY_LIMITS[metric]).toBeGreaterThanOrEqual(DEFAULT_DAILY_LIMITS[metric] * 10);
      expect(GLOBAL_DEFAULT_DAILY_LIMITS[metric]).toBeGreaterThanOrEqual(DEFAULT_DAILY_LIMITS[metric] * 100);
    }
    expect(OWNER_DEFAULT_DAILY_LIMITS.deploy).toBeGreaterThanOrEqual(200);
    expect(GLOBAL_DEFAULT_DAILY_LIMITS.deploy).toBeGreaterThanOrEqual(2000);
  });
});
