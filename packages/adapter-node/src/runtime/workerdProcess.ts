/**
 * One workerd process: spawned with an empty environment, its output written (secrets replaced) to the deployment's log file,
 * its memory bounded, and considered ready once its socket accepts connections and the app compiled.
 */
import { type ChildProcess, execFile, type SpawnOptions, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { makeRedactor, RuntimeError } from "@w7s/core";

export interface WorkerdProcessOptions {
  readonly binary: string;
  /** Holds `config.capnp` and the files it embeds; the process runs here. */
  readonly directory: string;
  /** The config file in `directory`; each runtime instance writes its own. */
  readonly configFile: string;
  /** The runtime instance that owns the process, for finding orphans after a crash. */
  readonly ownerId: string;
  readonly socketPath: string;
  readonly memoryLimitMb: number;
  /** Where `console.log` (stdout) and `console.error`/`warn` plus workerd's own errors (stderr) go. */
  readonly logFile: string;
  /** Wait a moment for a compile failure to show up; only the first start of a deployment needs it. */
  readonly validate: boolean;
  /** Values never repeated in an error message. */
  readonly secrets: ReadonlyArray<string>;
}

export interface WorkerdProcess {
  readonly child: ChildProcess;
  readonly socketPath: string;
  readonly exited: Promise<void>;
  readonly isAlive: () => boolean;
  /** Kills the process and waits for it to be gone. */
  readonly stop: () => Promise<void>;
  /**
   * Lowers the memory limit to what the process uses now plus `memoryLimitMb`. Call it once the app has
   * answered: workerd listens before it creates the app's isolate, which needs room of its own.
   */
  readonly settleMemoryLimit: () => void;
}

/** `workerd.<ownerId>.pid` holds `<workerd pid> <server pid>`. */
export const PID_FILE = /^workerd\.([0-9a-f-]+)\.pid$/;
const pidFileName = (ownerId: string) => `workerd.${ownerId}.pid`;
const STARTUP_TIMEOUT_MS = 15_000;
const STARTUP_SETTLE_MS = 250;
/**
 * workerd commits about 550 MB of writable reservations (V8 cage, allocator) before running any code, and
 * more on machines with many cores. The process starts under this generous data limit; once the app has
 * answered, the limit is lowered to what it uses then plus `memoryLimitMb` plus `RUNTIME_DATA_HEADROOM_MB`.
 */
const STARTUP_DATA_HEADROOM_MB = 2048;
/**
 * What workerd itself allocates as load grows, on top of what it used for the first answer and the V8 heap
 * (`memoryLimitMb`): I/O buffers per connection, V8's young generation, and its allocator's caches, which
 * are kept per CPU. A hello-world backend with log capture and a 256 MB heap limit grew 415 MB past its
 * first answer under 16-128 connections on 2 CPUs, and aborted with 128 MB of headroom.
 */
const RUNTIME_DATA_HEADROOM_MB = 256 + 8 * availableParallelism();
const COMPILE_FAILURE = /service app: Uncaught|Fatal uncaught/;
const PRLIMIT = ["/usr/bin/prlimit", "/bin/prlimit"].find((path) => existsSync(path));
const MIB = 1024 * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const canConnect = (socketPath: string): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ path: socketPath });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

const redact = (text: string, secrets: ReadonlyArray<string>): string =>
  secrets
    .filter((secret) => secret.length >= 4)
    .reduce((redacted, secret) => redacted.split(secret).join("[secret]"), text);

const lastLines = (text: string, count = 8): string => text.trim().split("\n").slice(-count).join("\n");

/** RLIMIT_DATA, unlike RLIMIT_AS, ignores the address space V8 only reserves, so it bounds real use. */
const spawnLimited = (options: WorkerdProcessOptions): ChildProcess => {
  const args = ["serve", options.configFile, "--experimental"];
  const spawnOptions: SpawnOptions = { cwd: options.directory, env: {}, stdio: ["ignore", "pipe", "pipe"] };
  if (process.platform !== "linux") return spawn(options.binary, args, spawnOptions);
  const limitKb = (options.memoryLimitMb + STARTUP_DATA_HEADROOM_MB) * 1024;
  return spawn(
    "/bin/sh",
    ["-c", `ulimit -d ${limitKb} 2>/dev/null; exec "$0" "$@"`, options.binary, ...args],
    spawnOptions,
  );
};

const lowerMemoryLimit = (pid: number, memoryLimitMb: number): Promise<void> =>
  new Promise((resolve) => {
    if (PRLIMIT === undefined) return resolve();
    let usedKb: number;
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      usedKb = Number(/VmData:\s+(\d+) kB/.exec(status)?.[1]);
    } catch {
      return resolve();
    }
    if (!Number.isFinite(usedKb)) return resolve();
    const limit = usedKb * 1024 + (memoryLimitMb + RUNTIME_DATA_HEADROOM_MB) * MIB;
    execFile(PRLIMIT, ["--pid", String(pid), `--data=${limit}`], { env: {} }, () => resolve());
  });

/** Appends each output line with a timestamp and its stream; partial lines wait for their end. */
const lineWriter = (write: (line: string) => void, stream: "stdout" | "stderr") => {
  let pending = "";
  return {
    push: (chunk: string) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) write(`${new Date().toISOString()} ${stream} ${line}\n`);
    },
    flush: () => {
      if (pending !== "") write(`${new Date().toISOString()} ${stream} ${pending}\n`);
      pending = "";
    },
  };
};

/** Starts workerd and resolves when it serves; rejects with `Rejected` and workerd's last words otherwise. */
export const startWorkerdProcess = async (options: WorkerdProcessOptions): Promise<WorkerdProcess> => {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: "a", mode: 0o600 });
  const child = spawnLimited(options);
  const pidFile = join(options.directory, pidFileName(options.ownerId));
  if (child.pid !== undefined) writeFileSync(pidFile, `${child.pid} ${process.pid}`);

  let recentErrors = "";
  // The app's output may repeat its secrets; the log file never keeps them.
  const redactLine = makeRedactor(options.secrets);
  const out = lineWriter((line) => log.write(redactLine(line)), "stdout");
  const err = lineWriter((line) => log.write(redactLine(line)), "stderr");
  child.stdout?.setEncoding("utf8").on("data", out.push);
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    recentErrors = (recentErrors + chunk).slice(-8192);
    err.push(chunk);
  });
  let hasExited = false;
  let memoryLimitSettled = false;
  const exited = new Promise<void>((resolve) => {
    const finish = () => {
      if (hasExited) return;
      hasExited = true;
      rmSync(pidFile, { force: true });
      out.flush();
      err.flush();
      log.end();
      resolve();
    };
    child.once("close", finish);
    // A failed spawn (no /bin/sh, binary not executable) emits only `error`.
    child.once("error", (error) => {
      recentErrors += `${error.message}\n`;
      finish();
    });
  });
  const running: WorkerdProcess = {
    child,
    socketPath: options.socketPath,
    exited,
    isAlive: () => !hasExited && child.exitCode === null && child.signalCode === null,
    settleMemoryLimit: () => {
      if (memoryLimitSettled || child.pid === undefined) return;
      memoryLimitSettled = true;
      void lowerMemoryLimit(child.pid, options.memoryLimitMb);
    },
    stop: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!hasExited && Date.now() < deadline) {
    if (await canConnect(options.socketPath)) {
      // workerd listens while it compiles the app and reports a failed compile on stderr instead of
      // exiting, so give it a moment to speak up before calling the backend ready.
      const settleUntil = Date.now() + (options.validate ? STARTUP_SETTLE_MS : 0);
      while (!hasExited && Date.now() < settleUntil && !COMPILE_FAILURE.test(recentErrors)) await sleep(10);
      if (!hasExited && !COMPILE_FAILURE.test(recentErrors)) return running;
      break;
    }
    await sleep(25);
  }
  const exitedEarly = hasExited;
  await running.stop();
  const said = redact(lastLines(recentErrors), options.secrets);
  throw new RuntimeError({
    reason: "Rejected",
    operation: "BackendRuntime.publish",
    description:
      said !== ""
        ? `The backend did not start: ${said}`
        : exitedEarly
          ? "The backend did not start: workerd exited during start-up."
          : `The backend did not start within ${STARTUP_TIMEOUT_MS} ms.`,
  });
};
