/** Reading a platform-owned override record leniently: invalid fields and unknown metrics are skipped, never rejected (F.3). */
import { canonicalMetric, isMetric, type Metric, metricPosition } from "./metrics.js";

/** The fields one override sets for one metric; an absent field keeps the earlier value. */
export interface MetricOverride {
  readonly dailyUnits?: number;
  readonly warningThreshold?: number;
}

/** What a stored record changes: the patch per metric, and which known metrics it names. */
export interface PolicyOverride {
  readonly metrics: Readonly<Partial<Record<Metric, MetricOverride>>>;
  /** Catalog metrics the record names (aliases resolved), in `metricOrder`; empty when it applies nothing. */
  readonly namedMetrics: readonly Metric[];
}

const isPlainObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A daily limit is kept when, floored, it is a whole number of at least 1 unit. */
const validDailyUnits = (value: unknown): number | undefined => {
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  const whole = Math.floor(value);
  return whole >= 1 ? whole : undefined;
};

const validThreshold = (value: unknown): number | undefined =>
  typeof value === "number" && value > 0 && value <= 1 ? value : undefined;

const fieldsOf = (value: unknown): MetricOverride => {
  const dailyUnits = validDailyUnits(isPlainObject(value) ? value["dailyUnits"] : value);
  const warningThreshold = isPlainObject(value) ? validThreshold(value["warningThreshold"]) : undefined;
  return {
    ...(dailyUnits === undefined ? {} : { dailyUnits }),
    ...(warningThreshold === undefined ? {} : { warningThreshold }),
  };
};

const NOTHING: PolicyOverride = { metrics: {}, namedMetrics: [] };

/**
 * The override a stored record applies. A record that is not `{version: 1, metrics: {...}}` applies nothing.
 * When a record names a metric both by its code name and a docs alias, the code name's fields win.
 */
export const parseOverrideRecord = (record: unknown): PolicyOverride => {
  if (!isPlainObject(record) || record["version"] !== 1 || !isPlainObject(record["metrics"])) return NOTHING;
  const entries = Object.entries(record["metrics"]).flatMap(([name, value]) => {
    const metric = canonicalMetric(name);
    return metric === undefined ? [] : [{ metric, value, alias: !isMetric(name.trim().toLowerCase()) }];
  });
  // Aliases first, so that the code's own name is applied last and wins.
  entries.sort((a, b) => Number(b.alias) - Number(a.alias));
  const metrics: Partial<Record<Metric, MetricOverride>> = {};
  for (const { metric, value } of entries) {
    metrics[metric] = { ...metrics[metric], ...fieldsOf(value) };
  }
  const namedMetrics = [...new Set(entries.map((entry) => entry.metric))].sort(
    (a, b) => metricPosition(a) - metricPosition(b),
  );
  return { metrics, namedMetrics };
};
