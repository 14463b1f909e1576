/** `w7s-server serve`: run until SIGTERM or SIGINT, then drain and exit. */
import { resolve } from "node:path";
import type { ServerSettings } from "./config.js";
import { type RunningServer, startServer } from "./server.js";

/**
 * The first SIGTERM or SIGINT from now on. Listen before announcing readiness: whoever reads the
 * announcement may signal at once, and a signal with no listener kills the process on the spot.
 */
export const nextStopSignal = (): Promise<string> =>
  new Promise<string>((done) => {
    process.once("SIGTERM", () => done("SIGTERM"));
    process.once("SIGINT", () => done("SIGINT"));
  });

/** Waits for `signal`, then lets in-flight requests finish and closes the server. */
export const closeOnSignal = async (
  server: RunningServer,
  signal: Promise<string>,
  log: (line: string) => void = console.log,
) => {
  log(`\n${await signal}: finishing in-flight requests, then exiting.`);
  await server.close();
};

export const serveCommand = async (settings: ServerSettings, configPath: string | undefined) => {
  const stop = nextStopSignal();
  const server = await startServer(settings);
  console.log(
    `W7S server listening on ${server.url} (apps on *.${settings.baseDomain}, data in ${resolve(settings.dataDir)}${configPath === undefined ? "" : `, settings from ${configPath}`})`,
  );
  await closeOnSignal(server, stop);
};
