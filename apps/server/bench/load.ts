/** A small closed-loop HTTP load generator: `concurrency` clients on keep-alive connections for `durationMs`. */
import { Agent, request } from "node:http";

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failures: number;
}

export const runLoad = async (options: {
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
