/**
 * Headers that describe one connection (RFC 9110 7.6.1): the client's to the server, not the server's to
 * a backend, so neither request path passes them on; both say `connection: keep-alive` for their own hop.
 * A backend sees the same headers whichever path served it, and a client's `Connection: close` does not
 * close the server's kept connection to it.
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "transfer-encoding",
  "upgrade",
]);

/** Whether the header `name` (lowercase) stays on a request to a backend, given its `Connection` value. */
export const passesToBackend = (name: string, connection: string | undefined): boolean => {
  if (HOP_BY_HOP.has(name)) return false;
  if (connection === undefined) return true;
  return !connection
    .toLowerCase()
    .split(",")
    .some((token) => token.trim() === name);
};
