/**
 * Log records from tail events (G.2): what a backend's invocation produced (console calls, uncaught
 * exceptions, a non-OK outcome) turned into the records the logs API lists, with values normalized and
 * truncated, and every secret of the deployment replaced before anything is kept. Tail events are read
 * leniently: they come from the runtime, but their contents come from app code.
 */
import type { LogLevel, LogRecord } from "../ports/records/LogRecord.js";

/** The parts of a tail event (a Workers `TraceItem`) capture reads; anything may be missing. */
export interface TailTrace {
  readonly scriptName?: unknown;
  readonly outcome?: unknown;
  readonly eventTimestamp?: unknown;
  readonly event?: unknown;
  readonly logs?: unknown;
  readonly exceptions?: unknown;
  /** `durableObject` for an invocation of a stateful object (a fetch or an RPC method call). */
  readonly executionModel?: unknown;
  /**
   * With `executionModel: "durableObject"`: what several object invocations used, counted where they ran
   * (see `ObjectUsage`); such a trace stands for all of them instead of one invocation.
   */
  readonly objectUsage?: unknown;
}

/** The stateful-object usage a runtime counted itself (F.1), as a trace's `objectUsage` carries it. */
export interface ObjectUsage {
  /** Invocations that ended normally, and with an exception. */
  readonly requests: number;
  readonly errors: number;
  /** Wall time of those invocations, ms. */
  readonly durationMs: number;
  /** Rows `sql.exec` cursors read and wrote. */
  readonly rowsRead: number;
  readonly rowsWritten: number;
  /** 4 KB units of the key-value storage calls, and keys deleted. */
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly deletes: number;
}

/** Who produced the trace, as the platform knows it (never as the trace claims). */
export interface TailContext {
  readonly environment: string;
  readonly orgSlug: string;
  readonly repoSlug: string;
  readonly scriptName: string;
  /** Values that must never be kept: the deployment's secrets (`secret_text` bindings). */
  readonly secrets: ReadonlyArray<string>;
  /** When the platform received the trace, epoch ms. */
  readonly observedAtMs: number;
  /** A fresh record id (a UUID without dashes). */
  readonly newId: () => string;
}

/** The G.2 limits. */
export const TAIL_LIMITS = {
  recordsPerTrace: 100,
  stringLength: 4096,
  arrayItems: 25,
  objectKeys: 25,
  depth: 4,
} as const;

/** The exact texts capture writes. */
export const tailTexts = {
  truncated: "...[truncated]",
  maxDepth: "[max-depth]",
  circular: "[circular]",
  undefined: "[undefined]",
  secret: "[secret]",
  unhandledException: "Unhandled Worker exception.",
  outcome: (outcome: string) => `Worker invocation finished with outcome ${outcome}.`,
} as const;

const LEVELS: ReadonlySet<string> = new Set(["debug", "info", "log", "warn", "error"]);

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A string cut to 4096 characters plus the truncation marker. */
export const truncateText = (text: string): string =>
  text.length > TAIL_LIMITS.stringLength
    ? `${text.slice(0, TAIL_LIMITS.stringLength)}${tailTexts.truncated}`
    : text;

/**
 * Replaces every occurrence of every secret (and of its URL-encoded form) with `[secret]`. Longer secrets
 * first, so a secret that contains another is replaced whole.
 */
export const makeRedactor = (secrets: ReadonlyArray<string>): ((text: string) => string) => {
  const needles = [...new Set(secrets.flatMap((secret) => [secret, encodeURIComponent(secret)]))]
    .filter((needle) => needle.length > 0)
    .sort((left, right) => right.length - left.length);
  if (needles.length === 0) return (text) => text;
  return (text) => {
    let redacted = text;
    for (const needle of needles) {
      if (redacted.includes(needle)) redacted = redacted.split(needle).join(tailTexts.secret);
    }
    return redacted;
  };
};

/**
 * One console argument as the logs API shows it (G.2): long strings truncated, arrays and objects cut to
 * 25 entries, nesting cut at depth 4, repeated objects marked, and values JSON cannot hold described.
 */
export const normalizeLogValue = (
  value: unknown,
  redact: (text: string) => string = (text) => text,
  depth = 0,
  seen: Set<object> = new Set(),
): unknown => {
  switch (typeof value) {
    case "string":
      return truncateText(redact(value));
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      return value;
    case "undefined":
      return tailTexts.undefined;
    case "bigint":
      return value.toString();
    case "symbol":
      return truncateText(redact(value.toString()));
    case "function":
      return `[function ${redact(value.name) || "anonymous"}]`;
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) return tailTexts.circular;
  if (depth >= TAIL_LIMITS.depth) return tailTexts.maxDepth;
  seen.add(object);
  try {
    if (value instanceof Error) {
      return {
        name: truncateText(redact(value.name)),
        message: truncateText(redact(value.message)),
        ...(value.stack === undefined ? {} : { stack: truncateText(redact(value.stack)) }),
      };
    }
    if (Array.isArray(value)) {
      return value
        .slice(0, TAIL_LIMITS.arrayItems)
        .map((item) => normalizeLogValue(item, redact, depth + 1, seen));
    }
    const normalized: Record<string, unknown> = {};
    for (const key of Object.keys(object).slice(0, TAIL_LIMITS.objectKeys)) {
      normalized[truncateText(redact(key))] = normalizeLogValue(
        (object as Record<string, unknown>)[key],
        redact,
        depth + 1,
        seen,
      );
    }
    return normalized;
  } finally {
    seen.delete(object);
  }
};

/** The flattened text of a console call: strings as they are, other values as JSON, joined by spaces. */
export const flattenLogMessage = (parts: ReadonlyArray<unknown>): string =>
  truncateText(
    parts
      .map((part) => {
        if (typeof part === "string") return part;
        try {
          return JSON.stringify(part) ?? String(part);
        } catch {
          return String(part);
        }
      })
      .join(" "),
  );

/** Epoch ms of a tail timestamp: numbers below 1e10 are seconds (G.2). */
const millisOf = (value: unknown): number | undefined => {
  if (typeof value === "number" && Number.isFinite(value)) return value < 1e10 ? value * 1000 : value;
  if (typeof value === "string") {
    const parsed = Date.parse(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
};

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

/** The request facts of a trace: method, pathname (or the raw URL, truncated, when it does not parse), status. */
const requestOf = (
  trace: TailTrace,
  outcome: string,
  redact: (text: string) => string,
): LogRecord["request"] | undefined => {
  const event = isRecord(trace.event) ? trace.event : undefined;
  const request = event !== undefined && isRecord(event["request"]) ? event["request"] : undefined;
  if (request === undefined) return undefined;
  const response = isRecord(event?.["response"]) ? event["response"] : undefined;
  const method = text(request["method"]);
  const rawUrl = text(request["url"]);
  let path: string | undefined;
  if (rawUrl !== undefined) {
    const parsed = URL.parse(rawUrl);
    path = truncateText(redact(parsed === null ? rawUrl : parsed.pathname));
  }
  const statusValue = response?.["status"];
  // An uncaught exception ends the invocation before it answers: the client got a 500.
  const status =
    typeof statusValue === "number" && Number.isInteger(statusValue)
      ? statusValue
      : outcome === "exception"
        ? 500
        : undefined;
  const cf = isRecord(request["cf"]) ? request["cf"] : undefined;
  const colo = text(cf?.["colo"]);
  return {
    ...(method === undefined ? {} : { method }),
    ...(path === undefined ? {} : { path }),
    ...(status === undefined ? {} : { status }),
    ...(colo === undefined ? {} : { colo }),
  };
};

/**
 * The records of one trace, at most 100: each console call, then each uncaught exception, or (when there
 * were none and the outcome is neither `ok` nor `unknown`) one `outcome` record.
 */
export const tailRecords = (trace: TailTrace, context: TailContext): LogRecord[] => {
  const redact = makeRedactor(context.secrets);
  const outcome = text(trace.outcome) ?? "unknown";
  const fallbackMs = millisOf(trace.eventTimestamp) ?? context.observedAtMs;
  const observedAt = new Date(context.observedAtMs).toISOString();
  const request = requestOf(trace, outcome, redact);
  const base = (kind: LogRecord["kind"], at: unknown) => ({
    version: 1 as const,
    id: context.newId(),
    kind,
    timestamp: new Date(millisOf(at) ?? fallbackMs).toISOString(),
    observedAt,
    environment: context.environment,
    orgSlug: context.orgSlug,
    repoSlug: context.repoSlug,
    repository: `${context.orgSlug}/${context.repoSlug}`,
    scriptName: context.scriptName,
    outcome: truncateText(redact(outcome)),
  });
  const withRequest = <A extends object>(record: A) =>
    request === undefined ? record : { ...record, request };

  const records: LogRecord[] = [];
  const logs = Array.isArray(trace.logs) ? trace.logs : [];
  for (const log of logs) {
    if (records.length >= TAIL_LIMITS.recordsPerTrace) break;
    if (!isRecord(log)) continue;
    const rawLevel = typeof log["level"] === "string" ? log["level"].toLowerCase() : "log";
    const level = (LEVELS.has(rawLevel) ? rawLevel : "log") as LogLevel;
    const parts = Array.isArray(log["message"]) ? log["message"] : [log["message"]];
    const message = parts.slice(0, TAIL_LIMITS.arrayItems).map((part) => normalizeLogValue(part, redact, 1));
    records.push(
      withRequest({
        ...base("console", log["timestamp"]),
        level,
        message: message as LogRecord["message"] & unknown[],
        text: flattenLogMessage(message),
      }),
    );
  }
  const exceptions = Array.isArray(trace.exceptions) ? trace.exceptions : [];
  for (const exception of exceptions) {
    if (records.length >= TAIL_LIMITS.recordsPerTrace) break;
    if (!isRecord(exception)) continue;
    const name = truncateText(redact(text(exception["name"]) ?? "Error"));
    const message = truncateText(
      redact(text(exception["message"]) ?? (outcome === "unknown" ? tailTexts.unhandledException : outcome)),
    );
    const stack = text(exception["stack"]);
    records.push(
      withRequest({
        ...base("exception", exception["timestamp"]),
        level: "error" as const,
        text: truncateText(`${name}: ${message}`),
        exception: { name, message, ...(stack === undefined ? {} : { stack: truncateText(redact(stack)) }) },
      }),
    );
  }
  if (records.length === 0 && outcome !== "ok" && outcome !== "unknown") {
    records.push(
      withRequest({
        ...base("outcome", trace.eventTimestamp),
        level: "error" as const,
        text: truncateText(redact(tailTexts.outcome(outcome))),
      }),
    );
  }
  return records;
};
