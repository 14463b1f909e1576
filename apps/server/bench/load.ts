/**
 * Load for the benchmarks: `wrk` in its own process when the machine has it (`apt-get install wrk`), so the
 * generator does not share an event loop with anything; otherwise a closed loop of keep-alive clients here.
 */
import { execFileSync } from "node:child_process";
import { Agent, request } from "node:http";

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failures: number;
}

const wrkPath = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v wrk"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

/** Which generator `runLoad` uses, as the benchmarks report it. */
export const loadGenerator =
  wrkPath === undefined
    ? "16 keep-alive clients in this process (no wrk here; `apt-get install wrk` for a separate generator)"
    : "wrk, 1 thread, 16 connections";

const milliseconds = (text: string | undefined): number => {
  const match = /([\d.]+)(us|ms|s)/.exec(text ?? "");
  if (match === null) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
};

const runWrk = (options: LoadOptions): LoadResult => {
  const output = execFileSync(
    wrkPath!,
    [
      "-t1",
      `-c${options.concurrency ?? 16}`,
      `-d${Math.max(1, Math.round((options.durationMs ?? 3000) / 1000))}s`,
      "--latency",
      "-H",
      `Host: ${options.host ?? "localhost"}`,
      `http://127.0.0.1:${options.port}${options.path}`,
    ],
    { encoding: "utf8" },
  );
  const failures = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN),
    p50Ms: milliseconds(/\s50%\s+(\S+)/.exec(output)?.[1]),
    p99Ms: milliseconds(/\s99%\s+(\S+)/.exec(output)?.[1]),
    failures,
  };
};

interface LoadOptions {
  readonly port: number;
  readonly path: string;
  readonly host?: string;
  readonly concurrency?: number;
  readonly durationMs?: number;
}

export const runLoad = async (options: LoadOptions): Promise<LoadResult> =>
  wrkPath === undefined ? runInProcess(options) : runWrk(options);

const runInProcess = async (options: {
  readonly port: number;
  readonly path: string;
  readonly host?: string;
  readonly concurrency?: number;
  readonly durationMs?: number;
}): Promise<LoadResult> => {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 16 });
  const latencies: number[] = [];
  let failures = 0;
  const deadline = performance.now() + (options.durationMs ?? 3000);
  const once = () =>
    new Promise<void>((done) => {
      const started = performance.now();
      const outgoing = request(
        {
          host: "127.0.0.1",
          port: options.port,
          path: options.path,
          agent,
          headers: { host: options.host ?? "localhost" },
        },
        (response) => {
          response.resume();
          response.on("end", () => {
            if (response.statusCode === 200) latencies.push(performance.now() - started);
            else failures += 1;
            done();
          });
        },
      );
      outgoing.on("error", () => {
        failures += 1;
        done();
      });
      outgoing.end();
    });
  const client = async () => {
    while (performance.now() < deadline) await once();
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, client));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (quantile: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * quantile))] ?? Number.NaN;
  return { requestsPerSecond: latencies.length / elapsed, p50Ms: at(0.5), p99Ms: at(0.99), failures };
};
