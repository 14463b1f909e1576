/**
 * The SQL processes of a server: database calls run in child processes, never on the main thread that serves
 * every app, and each call has a time limit after which its process is killed (a statement inside SQLite
 * cannot be interrupted from JavaScript: a worker thread asked to terminate keeps running it). Calls to one
 * database run one at a time, in order; calls to different databases run side by side on up to `processes`
 * children, so a runaway query holds up only its own database.
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SqlReply, SqlTask } from "./sqlExecutorProtocol.js";

export interface SqlExecutorsOptions {
  /** How long one call (a statement, a batch or an exec) may run; then its process is killed (default 30 s). */
  readonly timeLimitMs?: number;
  /** At most this many SQL processes at a time (default 4). */
  readonly processes?: number;
  /** A process other than the last one exits after this long without work (default 60 s). */
  readonly idleMs?: number;
  /** The JavaScript heap of each process, MiB (default 512). */
  readonly memoryMb?: number;
}

export const DEFAULT_SQL_TIME_LIMIT_MS = 30_000;

/** A call's outcome: the process's reply, or why the process was stopped before it replied. */
export type SqlOutcome = SqlReply | { readonly op: "stopped"; readonly message: string };

type SqlTaskBody = SqlTask extends infer T ? (T extends SqlTask ? Omit<T, "id"> : never) : never;

export interface SqlExecutors {
  readonly run: (task: SqlTaskBody) => Promise<SqlOutcome>;
  /** Stops every process; calls still waiting are answered `stopped`. */
  readonly close: () => void;
  /** Pids of the running processes (tests and diagnostics). */
  readonly processIds: () => number[];
}

export const sqlExecutorMessages = {
  timeLimit: (ms: number) =>
    `The query ran longer than the time limit of ${ms} ms and was stopped: SQLITE_INTERRUPT`,
  crashed: "The database process stopped while running the query (it may have run out of memory).",
  closing: "The server is shutting down.",
} as const;

/** Lets a process started from the TypeScript sources resolve their `./x.js` imports to `./x.ts`. */
const RESOLVE_TS_HOOK = `data:text/javascript,${encodeURIComponent(
  'import { registerHooks } from "node:module"; registerHooks({ resolve(specifier, context, next) { try { return next(specifier, context); } catch (error) { if (!specifier.startsWith(".") || !specifier.endsWith(".js") || error?.code !== "ERR_MODULE_NOT_FOUND") throw error; return next(specifier.slice(0, -3) + ".ts", context); } } });',
)}`;

/** The process's module: built next to the bundle (`dist/`), or the source file when running from `src/`. */
const entryOf = (): { path: string; execArgv: string[] } => {
  const built = fileURLToPath(new URL("./sqlExecutorProcess.js", import.meta.url));
  if (existsSync(built)) return { path: built, execArgv: [] };
  return {
    path: fileURLToPath(new URL("./sqlExecutorProcess.ts", import.meta.url)),
    execArgv: ["--import", RESOLVE_TS_HOOK, "--disable-warning=ExperimentalWarning"],
  };
};

interface Job {
  readonly task: SqlTaskBody;
  readonly resolve: (outcome: SqlOutcome) => void;
}

/** The calls of one database, run in order. */
interface Lane {
  readonly file: string;
  readonly jobs: Job[];
  running: boolean;
  /** The process that ran its last call: it has the file open and its statements prepared. */
  executor: Executor | undefined;
}

interface Executor {
  readonly child: ChildProcess;
  alive: boolean;
  current: { readonly id: number; readonly job: Job; readonly lane: Lane } | undefined;
  timer: NodeJS.Timeout | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}

export const makeSqlExecutors = (options: SqlExecutorsOptions = {}): SqlExecutors => {
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_SQL_TIME_LIMIT_MS;
  const maxProcesses = Math.max(1, options.processes ?? 4);
  const idleMs = options.idleMs ?? 60_000;
  const memoryMb = options.memoryMb ?? 512;
  const lanes = new Map<string, Lane>();
  const waiting: Lane[] = [];
  const executors = new Set<Executor>();
  let entry: { path: string; execArgv: string[] } | undefined;
  let nextId = 1;
  let closed = false;

  const release = (lane: Lane) => {
    lane.running = false;
    if (lane.jobs.length > 0) waiting.push(lane);
  };

  const stop = (executor: Executor, message: string) => {
    if (!executor.alive) return;
    executor.alive = false;
    executors.delete(executor);
    clearTimeout(executor.timer);
    clearTimeout(executor.idleTimer);
    executor.child.kill("SIGKILL");
    const current = executor.current;
    executor.current = undefined;
    if (current !== undefined) {
      release(current.lane);
      current.job.resolve({ op: "stopped", message });
    }
    schedule();
  };

  const idle = (executor: Executor) => {
    clearTimeout(executor.idleTimer);
    executor.idleTimer = setTimeout(() => {
      if (executor.current === undefined && executors.size > 1) stop(executor, sqlExecutorMessages.closing);
    }, idleMs);
    executor.idleTimer.unref();
  };

  const spawnExecutor = (): Executor => {
    entry ??= entryOf();
    const child = fork(entry.path, [], {
      execArgv: [...entry.execArgv, `--max-old-space-size=${memoryMb}`],
      serialization: "advanced",
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      env: {},
    });
    // Idle processes never keep the server alive; a call in flight does, through its timer.
    child.unref();
    child.channel?.unref();
    const executor: Executor = {
      child,
      alive: true,
      current: undefined,
      timer: undefined,
      idleTimer: undefined,
    };
    child.on("message", (reply: SqlReply) => {
      const current = executor.current;
      if (current === undefined || reply.id !== current.id) return;
      clearTimeout(executor.timer);
      executor.current = undefined;
      release(current.lane);
      current.job.resolve(reply);
      idle(executor);
      schedule();
    });
    child.on("exit", () => stop(executor, sqlExecutorMessages.crashed));
    child.on("error", () => stop(executor, sqlExecutorMessages.crashed));
    executors.add(executor);
    return executor;
  };

  const pick = (lane: Lane): Executor | undefined => {
    if (lane.executor?.alive && lane.executor.current === undefined) return lane.executor;
    for (const executor of executors) if (executor.current === undefined) return executor;
    return executors.size < maxProcesses ? spawnExecutor() : undefined;
  };

  const dispatch = (lane: Lane, executor: Executor) => {
    const job = lane.jobs.shift()!;
    const id = nextId++;
    lane.running = true;
    lane.executor = executor;
    executor.current = { id, job, lane };
    clearTimeout(executor.idleTimer);
    executor.timer = setTimeout(
      () => stop(executor, sqlExecutorMessages.timeLimit(timeLimitMs)),
      timeLimitMs,
    );
    try {
      executor.child.send({ ...job.task, id } as SqlTask);
    } catch {
      stop(executor, sqlExecutorMessages.crashed);
    }
  };

  function schedule(): void {
    if (closed) {
      for (const lane of waiting.splice(0)) {
        for (const job of lane.jobs.splice(0))
          job.resolve({ op: "stopped", message: sqlExecutorMessages.closing });
      }
      return;
    }
    while (waiting.length > 0) {
      const lane = waiting[0]!;
      const executor = pick(lane);
      if (executor === undefined) return;
      waiting.shift();
      dispatch(lane, executor);
    }
  }

  return {
    run: (task) =>
      new Promise<SqlOutcome>((resolve) => {
        if (closed) {
          resolve({ op: "stopped", message: sqlExecutorMessages.closing });
          return;
        }
        let lane = lanes.get(task.file);
        if (lane === undefined) {
          lane = { file: task.file, jobs: [], running: false, executor: undefined };
          lanes.set(task.file, lane);
        }
        lane.jobs.push({ task, resolve });
        if (!lane.running && lane.jobs.length === 1) waiting.push(lane);
        schedule();
      }),
    close: () => {
      closed = true;
      for (const executor of [...executors]) stop(executor, sqlExecutorMessages.closing);
      schedule();
    },
    processIds: () =>
      [...executors].flatMap((executor) => (executor.child.pid === undefined ? [] : [executor.child.pid])),
  };
};
