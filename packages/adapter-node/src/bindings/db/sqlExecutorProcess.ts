/**
 * A SQL process: the child the server starts (see sqlExecutors.ts) to run database calls, one at a time, so
 * that a query that runs away blocks this process only and the server can stop it with a signal. It keeps
 * the files it used lately open, each with its prepared statements, and exits when the server goes away.
 */
import { type D1Database, openD1Database } from "./d1Database.js";
import type { SqlReply, SqlTask } from "./sqlExecutorProtocol.js";

const OPEN_FILES = 64;
const open = new Map<string, D1Database>();

const databaseOf = (file: string): D1Database => {
  let database = open.get(file);
  if (database !== undefined) {
    open.delete(file);
  } else {
    database = openD1Database(file);
    if (open.size >= OPEN_FILES) {
      const [oldest, closing] = open.entries().next().value!;
      open.delete(oldest);
      closing.close();
    }
  }
  open.set(file, database);
  return database;
};

const answer = (task: SqlTask): SqlReply => {
  try {
    const database = databaseOf(task.file);
    if (task.op === "dump") return { id: task.id, op: "dump", bytes: database.dump() };
    const outcome = database.call(task.body, task.rowsAndColumns);
    return {
      id: task.id,
      op: "query",
      body: outcome.body,
      usage: outcome.usage,
      ...(outcome.failedWrite === undefined ? {} : { failedWrite: outcome.failedWrite }),
    };
  } catch (error) {
    return { id: task.id, op: "failure", message: error instanceof Error ? error.message : String(error) };
  }
};

process.on("message", (task: SqlTask) => process.send?.(answer(task)));
// Without the server there is no one to answer to.
process.on("disconnect", () => process.exit(0));
