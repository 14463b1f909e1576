/** Default daily limits of the three policy families (repo, owner aggregate, global aggregate) before overrides (F.1). */
import { METRICS, type Metric } from "./metrics.js";

/** Share of a limit at which a metric turns from `ok` to `warning`, for every metric by default. */
export const DEFAULT_WARNING_THRESHOLD = 0.8;

/** Daily units one repository may use per metric and environment. */
export const DEFAULT_DAILY_LIMITS: Readonly<Record<Metric, number>> = {
  deploy: 50,
  "runtime.request": 10000,
  "worker.request": 10000,
  "runtime.cpu_ms": 300000,
  "worker.script": 5,
  "static.r2_class_a": 1000,
  "static.r2_class_b": 20000,
  "r2.class_a": 1000,
  "r2.class_b": 20000,
  "r2.storage_bytes": 104857600,
  "kv.read": 10000,
  "kv.write": 1000,
  "kv.delete": 1000,
  "kv.list": 1000,
  "kv.storage_bytes": 52428800,
  "d1.rows_read": 100000,
  "d1.rows_written": 10000,
  "d1.read_queries": 10000,
  "d1.write_queries": 1000,
  "d1.storage_bytes": 52428800,
  "durable_object.request": 5000,
  "durable_object.duration_ms": 300000,
  "durable_object.rows_read": 100000,
  "durable_object.rows_written": 10000,
  "durable_object.storage_read_units": 100000,
  "durable_object.storage_write_units": 10000,
  "durable_object.storage_deletes": 10000,
  "rpc.dispatch": 10000,
  "queue.send": 10000,
  "queue.delivery": 10000,
  "schedule.delivery": 2000,
  "workflow.create": 1000,
  "workflow.delivery": 1000,
  "ai.run": 100,
  "log.write": 5000,
  // As queue.send and queue.delivery: a publish is one send, each subscriber queue reached one delivery.
  "event.publish": 10000,
  "event.delivery": 10000,
};

const scaledLimits = (
  factor: number,
  minimums: Partial<Record<Metric, number>>,
): Readonly<Record<Metric, number>> => {
  const limits = {} as Record<Metric, number>;
  for (const metric of METRICS) {
    limits[metric] = Math.max(DEFAULT_DAILY_LIMITS[metric] * factor, minimums[metric] ?? 0);
  }
  return limits;
};

/** Daily units all repositories of one owner may use together: ten times the repo defaults, with floors. */
export const OWNER_DEFAULT_DAILY_LIMITS: Readonly<Record<Metric, number>> = scaledLimits(10, {
  deploy: 200,
  "worker.script": 50,
});

/** Daily units the whole platform may use per environment: a hundred times the repo defaults, with floors. */
export const GLOBAL_DEFAULT_DAILY_LIMITS: Readonly<Record<Metric, number>> = scaledLimits(100, {
  deploy: 2000,
  "worker.script": 1000,
});
