/** Port: captured app logs, newest first (G.1, G.2). */
import { Context, type Effect } from "effect";
import type { StoreError } from "./PortErrors.js";
import type { AppRef } from "./records/AppRef.js";
import type { LogKind, LogLevel, LogRecord } from "./records/LogRecord.js";
import type { Page } from "./records/Page.js";

/** A logs API query, already validated; `from`/`to` are ISO instants, `from` before `to`. */
export interface LogQuery {
  readonly app: AppRef;
  readonly from: string;
  readonly to: string;
  readonly limit: number;
  readonly kind?: LogKind;
  readonly level?: LogLevel;
  /** A cursor from an earlier page of the same listing; one this store did not issue fails with `NotFound`. */
  readonly cursor?: string;
}

/** Appends and lists log records; records expire after their retention. */
export class LogStore extends Context.Service<
  LogStore,
  {
    /** Stores records that expire after `retentionSeconds`. */
    readonly append: (
      records: ReadonlyArray<LogRecord>,
      retentionSeconds: number,
    ) => Effect.Effect<void, StoreError>;
    /** Records of one app between `from` and `to`, newest first, filtered, at most `limit`. */
    readonly query: (query: LogQuery) => Effect.Effect<Page<LogRecord>, StoreError>;
    /** Deletes records whose retention has passed; returns how many went. */
    readonly purgeExpired: () => Effect.Effect<number, StoreError>;
  }
>()("@w7s/core/LogStore") {}
