/** The catalog of metrics W7S limits, in canonical order, and the docs' alternative names for them (F.1, L.31). */

/** Every limited metric, in the canonical `metricOrder` used to sort policy output (F.1), then our additions. */
export const METRICS = [
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
  // Not in the reference (its Events layer was only proposed): W7S-native events, after its metrics.
  "event.publish",
  "event.delivery",
] as const;

export type Metric = (typeof METRICS)[number];

/** The names the public docs use, each mapped to the name the code (and every stored record) uses. */
export const METRIC_ALIASES: ReadonlyMap<string, Metric> = new Map<string, Metric>([
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
]);

/** A name a usage event may carry (F.2); events with other names are not recorded. */
export const METRIC_NAME_PATTERN: RegExp = /^[a-z][a-z0-9_.:-]{0,63}$/;

const metricSet: ReadonlySet<string> = new Set(METRICS);
const positionOf: ReadonlyMap<string, number> = new Map(METRICS.map((metric, index) => [metric, index]));

/** True when `name` is exactly one of the catalog's metric names (no trimming, no aliases). */
export const isMetric = (name: string): name is Metric => metricSet.has(name);

/** The catalog metric a name refers to, after trimming and lowercasing and resolving the docs' aliases. */
export const canonicalMetric = (name: string): Metric | undefined => {
  const cleaned = name.trim().toLowerCase();
  return isMetric(cleaned) ? cleaned : METRIC_ALIASES.get(cleaned);
};

/** True when the trimmed, lowercased name may be recorded as a usage metric (F.2). */
export const isValidMetricName = (name: string): boolean =>
  METRIC_NAME_PATTERN.test(name.trim().toLowerCase());

/** Position of a metric in `metricOrder`, for sorting. */
export const metricPosition = (metric: Metric): number => positionOf.get(metric) ?? METRICS.length;
