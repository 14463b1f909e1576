/** Private HTTP listeners on Unix sockets (the bindings host, the log ingest). */
import { mkdirSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { dirname } from "node:path";

/**
 * Listens on `socketPath`, in a folder only this user can enter; a socket file left by a server that
 * died is replaced.
 */
export const listenOnUnixSocket = async (server: Server, socketPath: string): Promise<void> => {
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 });
  rmSync(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
};

/** Stops accepting, drops idle and open connections, and resolves once the server has closed. */
export const closeServer = (server: Server): Promise<void> =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
