/** The messages between the server and its SQL processes (over the IPC channel, V8-serialized). */
import type { StatementUsage } from "./d1Database.js";

export type SqlTask =
  | {
      readonly id: number;
      readonly op: "query";
      readonly file: string;
      readonly body: string;
      readonly rowsAndColumns: boolean;
    }
  | { readonly id: number; readonly op: "dump"; readonly file: string };

export type SqlReply =
  | {
      readonly id: number;
      readonly op: "query";
      readonly body: string;
      readonly usage: ReadonlyArray<StatementUsage>;
      readonly failedWrite?: boolean;
    }
  | { readonly id: number; readonly op: "dump"; readonly bytes: Uint8Array }
  /** The database could not be opened or the task was not understood. */
  | { readonly id: number; readonly op: "failure"; readonly message: string };
