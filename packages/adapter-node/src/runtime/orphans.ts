/** Cleans up after a server that died without stopping its backends. */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { PID_FILE } from "./workerdProcess.js";

/** Runtime instances alive in this process; their processes are never orphans. */
export const liveRuntimeInstances = new Set<string>();

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The owner is gone, or is this process (a recycled pid, e.g. 1 in a container) without that instance. */
const isOrphan = (ownerId: string, serverPid: number): boolean =>
  serverPid === process.pid ? !liveRuntimeInstances.has(ownerId) : !isAlive(serverPid);

/**
 * Stops workerd processes a previous server left behind (after `kill -9` its children keep running). Other
 * live servers sharing the data directory keep theirs. Returns how many it stopped.
 */
export const stopOrphanedBackends = (dataDir: string): number => {
  const runtimeRoot = join(dataDir, "runtime");
  let stopped = 0;
  for (const entry of existsSync(runtimeRoot) ? readdirSync(runtimeRoot) : []) {
    const directory = join(runtimeRoot, entry);
    let names: string[];
    try {
      names = readdirSync(directory);
    } catch {
      continue;
    }
    for (const name of names) {
      const ownerId = PID_FILE.exec(name)?.[1];
      if (ownerId === undefined) continue;
      const pidFile = join(directory, name);
      const [workerdPid, serverPid] = readFileSync(pidFile, "utf8").split(" ").map(Number);
      if (workerdPid === undefined || serverPid === undefined || !isOrphan(ownerId, serverPid)) continue;
      try {
        if (readFileSync(`/proc/${workerdPid}/cmdline`, "utf8").includes("workerd")) {
          process.kill(workerdPid, "SIGKILL");
          stopped += 1;
        }
      } catch {
        // Gone already, or not inspectable here: nothing to stop.
      }
      rmSync(pidFile, { force: true });
      rmSync(join(directory, `config.${ownerId}.capnp`), { force: true });
    }
  }
  return stopped;
};
