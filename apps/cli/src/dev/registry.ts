/**
 * The local registry of running `w7s dev` instances, so that one local app can call another over W7S_RPC:
 * one JSON file per instance in a shared folder (`W7S_LOCAL_REGISTRY`, default `<tmp>/w7s-local-registry`),
 * keyed by owner/repo/environment, removed when the instance stops; entries of dead processes are ignored.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RegistryEntry {
  readonly owner: string;
  readonly repo: string;
  readonly environment: string;
  /** `http://127.0.0.1:<port>` of the instance's router. */
  readonly url: string;
  readonly pid: number;
  /** Callers present it so the target knows the call came through another `w7s dev`. */
  readonly ingressToken: string;
}

export const registryDirectory = (env: Readonly<Record<string, string | undefined>>): string =>
  env.W7S_LOCAL_REGISTRY || join(tmpdir(), "w7s-local-registry");

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

export const makeRegistry = (directory: string) => {
  const fileOf = (entry: RegistryEntry) =>
    join(directory, `${entry.owner}--${entry.repo}--${entry.environment}--${new URL(entry.url).port}.json`);
  const entries = (): RegistryEntry[] => {
    let names: string[];
    try {
      names = readdirSync(directory).filter((name) => name.endsWith(".json"));
    } catch {
      return [];
    }
    return names.flatMap((name) => {
      try {
        const entry = JSON.parse(readFileSync(join(directory, name), "utf8")) as RegistryEntry;
        return isAlive(entry.pid) ? [entry] : [];
      } catch {
        return [];
      }
    });
  };
  return {
    directory,
    register: (entry: RegistryEntry) => {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      writeFileSync(fileOf(entry), JSON.stringify(entry), { mode: 0o600 });
      return () => rmSync(fileOf(entry), { force: true });
    },
    entries,
    /** The instance serving owner/repo in `environment`, else the only one serving owner/repo at all. */
    find: (owner: string, repo: string, environment: string): RegistryEntry | undefined => {
      const same = entries().filter(
        (entry) =>
          entry.owner.toLowerCase() === owner.toLowerCase() &&
          entry.repo.toLowerCase() === repo.toLowerCase(),
      );
      return (
        same.find((entry) => entry.environment === environment) ?? (same.length === 1 ? same[0] : undefined)
      );
    },
  };
};

export type Registry = ReturnType<typeof makeRegistry>;
