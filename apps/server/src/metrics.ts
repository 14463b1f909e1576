/**
 * Operator metrics in the Prometheus text format (version 0.0.4): counters and latency histograms the
 * request path, deploys, log capture, accounting and platform events feed, plus gauges read when scraped.
 * Label values are low-cardinality by construction (sources, outcomes, event names, status classes),
 * never hosts, paths or app names, so a scrape stays small however many apps a server runs.
 */

type Labels = Readonly<Record<string, string>>;

const escapeLabel = (value: string) =>
  value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length === 0
    ? ""
    : `{${entries.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(",")}}`;
};
/** Label sets are small objects built in a fixed order by the callers below, so their values make the key. */
const keyOf = (labels: Labels) => {
  let key = "";
  for (const name in labels) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
};

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  readonly render: () => string[];
}

/** A counter per label set. */
export interface Counter {
  readonly inc: (labels?: Labels, by?: number) => void;
  /** The series of one label set, for a caller that counts it on every request (no key built per call). */
  readonly series: (labels?: Labels) => { readonly inc: (by?: number) => void };
}

/** A histogram per label set, buckets in seconds. */
export interface Histogram {
  readonly observe: (labels: Labels, seconds: number) => void;
  /** The series of one label set, as `Counter.series`. */
  readonly series: (labels: Labels) => { readonly observe: (seconds: number) => void };
}

/** Queue depth and age, when this server runs queues (the queue broker reports them; none yet). */
export interface QueueStats {
  readonly queue: string;
  readonly depth: number;
  readonly oldestAgeSeconds: number;
}

export interface MetricsRegistry {
  readonly counter: (name: string, help: string) => Counter;
  readonly histogram: (name: string, help: string, buckets: readonly number[]) => Histogram;
  /** A gauge whose samples are read at scrape time. */
  readonly gauge: (name: string, help: string, read: () => ReadonlyArray<readonly [Labels, number]>) => void;
  /** The whole exposition. */
  readonly render: () => string;
}

const number = (value: number) => (Number.isFinite(value) ? String(value) : value > 0 ? "+Inf" : "NaN");

export const makeMetricsRegistry = (): MetricsRegistry => {
  const families: Family[] = [];
  return {
    counter: (name, help) => {
      const values = new Map<string, { labels: Labels; value: number }>();
      families.push({
        name,
        help,
        type: "counter",
        render: () =>
          [...values.values()].map(({ labels, value }) => `${name}${labelText(labels)} ${number(value)}`),
      });
      const held = (labels: Labels) => {
        const key = keyOf(labels);
        let entry = values.get(key);
        if (entry === undefined) {
          entry = { labels, value: 0 };
          values.set(key, entry);
        }
        return entry;
      };
      return {
        inc: (labels = {}, by = 1) => {
          held(labels).value += by;
        },
        series: (labels = {}) => {
          const entry = held(labels);
          return {
            inc: (by = 1) => {
              entry.value += by;
            },
          };
        },
      };
    },
    histogram: (name, help, buckets) => {
      // Each observation lands in its one bucket (or past the last); the cumulative counts are summed on render.
      const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
      families.push({
        name,
        help,
        type: "histogram",
        render: () =>
          [...series.values()].flatMap(({ labels, counts, sum, count }) => {
            let below = 0;
            return [
              ...buckets.map((bound, index) => {
                below += counts[index]!;
                return `${name}_bucket${labelText({ ...labels, le: String(bound) })} ${below}`;
              }),
              `${name}_bucket${labelText({ ...labels, le: "+Inf" })} ${count}`,
              `${name}_sum${labelText(labels)} ${number(sum)}`,
              `${name}_count${labelText(labels)} ${count}`,
            ];
          }),
      });
      const held = (labels: Labels) => {
        const key = keyOf(labels);
        let entry = series.get(key);
        if (entry === undefined) {
          entry = { labels, counts: buckets.map(() => 0), sum: 0, count: 0 };
          series.set(key, entry);
        }
        return entry;
      };
      const add = (entry: ReturnType<typeof held>, seconds: number) => {
        let index = 0;
        while (index < buckets.length && seconds > buckets[index]!) index += 1;
        if (index < buckets.length) entry.counts[index]! += 1;
        entry.sum += seconds;
        entry.count += 1;
      };
      return {
        observe: (labels, seconds) => add(held(labels), seconds),
        series: (labels) => {
          const entry = held(labels);
          return { observe: (seconds) => add(entry, seconds) };
        },
      };
    },
    gauge: (name, help, read) => {
      families.push({
        name,
        help,
        type: "gauge",
        render: () => {
          try {
            return read().map(([labels, value]) => `${name}${labelText(labels)} ${number(value)}`);
          } catch {
            return [];
          }
        },
      });
    },
    render: () =>
      `${families
        .flatMap((family) => [
          `# HELP ${family.name} ${family.help}`,
          `# TYPE ${family.name} ${family.type}`,
          ...family.render(),
        ])
        .join("\n")}\n`,
  };
};

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Status 200-399 is a success (as usage and analytics count it). */
const outcomeOf = (status: number) => (status >= 200 && status <= 399 ? "success" : "error");
const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

/** The server's metrics and the hooks that feed them. */
export const makeServerMetrics = (sources: {
  readonly runningBackends?: () => number;
  readonly pendingAccounting?: () => number;
  /** Queue depth and age; returns nothing until queues run on this server. */
  readonly queueStats?: () => ReadonlyArray<QueueStats>;
}) => {
  const registry = makeMetricsRegistry();
  const appRequests = registry.counter(
    "w7s_app_requests_total",
    "Accounted app responses (D.8) by source and outcome.",
  );
  const appLatency = registry.histogram(
    "w7s_app_request_duration_seconds",
    "Time to produce an app response (headers), by outcome.",
    LATENCY_BUCKETS,
  );
  const platformRequests = registry.counter(
    "w7s_platform_requests_total",
    "Platform API responses (deploy, usage, limits, logs, analytics, health) by route and status class.",
  );
  const platformLatency = registry.histogram(
    "w7s_platform_request_duration_seconds",
    "Time to answer a platform API request, by route.",
    LATENCY_BUCKETS,
  );
  const deploys = registry.counter("w7s_deploys_total", "Deploy requests by outcome.");
  const events = registry.counter(
    "w7s_platform_events_total",
    "Platform events (G.3: deploy, runtime_request, rpc, queue_*, schedule_delivery, workflow_*, ai_run) by outcome.",
  );
  const errors = registry.counter(
    "w7s_errors_total",
    "Errors by kind: app_5xx, platform_5xx, backend_exception, log_batch_dropped, accounting_flush, cleanup, notification_delivery.",
  );
  const notificationMessages = registry.counter(
    "w7s_notifications_total",
    "Telegram notification delivery attempts by outcome (sent, retried, dropped).",
  );
  const logRecords = registry.counter(
    "w7s_log_records_total",
    "Captured log records by outcome (stored, dropped).",
  );
  const suspensions = registry.counter("w7s_suspensions_total", "Apps suspended by runtime accounting.");
  const cleanups = registry.counter("w7s_cleanup_removed_total", "What the hourly cleanup removed, by kind.");
  registry.gauge("w7s_backends_running", "workerd processes running on this server.", () =>
    sources.runningBackends === undefined ? [] : [[{}, sources.runningBackends()]],
  );
  registry.gauge("w7s_accounting_pending", "Responses noted and not yet counted.", () =>
    sources.pendingAccounting === undefined ? [] : [[{}, sources.pendingAccounting()]],
  );
  registry.gauge("w7s_queue_depth", "Messages waiting per queue.", () =>
    (sources.queueStats?.() ?? []).map((stats) => [{ queue: stats.queue }, stats.depth] as const),
  );
  registry.gauge("w7s_queue_oldest_message_age_seconds", "Age of the oldest waiting message per queue.", () =>
    (sources.queueStats?.() ?? []).map((stats) => [{ queue: stats.queue }, stats.oldestAgeSeconds] as const),
  );
  // Every accounted response feeds these: a series is looked up by its label values once, on first use.
  type Outcome = "success" | "error";
  const appRequestSeries: Record<Outcome, Map<string, ReturnType<Counter["series"]>>> = {
    success: new Map(),
    error: new Map(),
  };
  const appRequestsOf = (source: string, outcome: Outcome) => {
    let series = appRequestSeries[outcome].get(source);
    if (series === undefined) {
      series = appRequests.series({ source, outcome });
      appRequestSeries[outcome].set(source, series);
    }
    return series;
  };
  const appLatencySeries: Partial<Record<Outcome, ReturnType<Histogram["series"]>>> = {};
  const appLatencyOf = (outcome: Outcome) => (appLatencySeries[outcome] ??= appLatency.series({ outcome }));

  return {
    render: registry.render,
    /** An accounted app response. */
    appResponse: (source: string, status: number, durationMs: number) => {
      const outcome = outcomeOf(status);
      appRequestsOf(source, outcome).inc();
      appLatencyOf(outcome).observe(durationMs / 1000);
      if (status >= 500) errors.inc({ kind: "app_5xx" });
    },
    /** A response of the platform's own routes; `route` is the API's name, never the raw path. */
    platformResponse: (route: string, method: string, status: number, durationMs: number) => {
      platformRequests.inc({ route, status: statusClass(status) });
      platformLatency.observe({ route }, durationMs / 1000);
      if (route === "deploy" && method === "POST") deploys.inc({ outcome: outcomeOf(status) });
      if (status >= 500) errors.inc({ kind: "platform_5xx" });
    },
    event: (event: string, outcome: string | undefined) => events.inc({ event, outcome: outcome ?? "" }),
    logs: (stored: number, dropped: number, exceptions: number) => {
      if (stored > 0) logRecords.inc({ outcome: "stored" }, stored);
      if (dropped > 0) {
        logRecords.inc({ outcome: "dropped" }, dropped);
        errors.inc({ kind: "log_batch_dropped" });
      }
      if (exceptions > 0) errors.inc({ kind: "backend_exception" }, exceptions);
    },
    suspended: () => suspensions.inc(),
    notifications: (sent: number, retried: number, dropped: number) => {
      if (sent > 0) notificationMessages.inc({ outcome: "sent" }, sent);
      if (retried > 0) notificationMessages.inc({ outcome: "retried" }, retried);
      if (dropped > 0) notificationMessages.inc({ outcome: "dropped" }, dropped);
    },
    error: (kind: string) => errors.inc({ kind }),
    cleaned: (report: Readonly<Record<string, unknown>>) => {
      for (const [kind, value] of Object.entries(report))
        if (typeof value === "number" && value > 0) cleanups.inc({ kind }, value);
    },
  };
};

export type ServerMetrics = ReturnType<typeof makeServerMetrics>;

/** Which platform route a path is, for the `route` label. */
export const platformRoute = (pathname: string): string => {
  if (pathname === "/health" || pathname === "/api/v1/health") return "health";
  const match =
    /^\/api\/v1\/(deploy|usage|limits|logs|analytics|status|rpc|queues|workflows|ai|agent|telegram)(?:\/|$)/.exec(
      pathname,
    );
  return match?.[1] ?? (pathname.startsWith("/api/v1") ? "api_other" : "other");
};
