/** One captured log record of an app (G.1, G.2). */
import { Schema } from "effect";

/** What produced the record. */
export const LogKind = Schema.Literals(["console", "exception", "outcome"]);
export type LogKind = typeof LogKind.Type;

/** Console levels the logs API filters on. */
export const LogLevel = Schema.Literals(["debug", "info", "log", "warn", "error"]);
export type LogLevel = typeof LogLevel.Type;

/** A stored log record; `id` is a UUID without dashes, times are ISO strings. */
export const LogRecord = Schema.Struct({
  version: Schema.Literal(1),
  id: Schema.String,
  kind: LogKind,
  timestamp: Schema.String,
  observedAt: Schema.String,
  environment: Schema.String,
  orgSlug: Schema.String,
  repoSlug: Schema.String,
  repository: Schema.String,
  scriptName: Schema.String,
  outcome: Schema.String,
  level: Schema.optionalKey(LogLevel),
  /** The console arguments after normalization (G.2). */
  message: Schema.optionalKey(Schema.Json),
  text: Schema.optionalKey(Schema.String),
  exception: Schema.optionalKey(
    Schema.Struct({ name: Schema.String, message: Schema.String, stack: Schema.optionalKey(Schema.String) }),
  ),
  request: Schema.optionalKey(
    Schema.Struct({
      method: Schema.optionalKey(Schema.String),
      path: Schema.optionalKey(Schema.String),
      status: Schema.optionalKey(Schema.Number),
      colo: Schema.optionalKey(Schema.String),
    }),
  ),
});
export type LogRecord = typeof LogRecord.Type;
