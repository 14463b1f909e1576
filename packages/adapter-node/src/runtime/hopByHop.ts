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

/**
 * Which headers (lowercase names) stay on a request to a backend, given the request's `Connection` value:
 * the value is read once per request, not once per header.
 */
const notHopByHop = (name: string) => !HOP_BY_HOP.has(name);

export const backendHeaderFilter = (connection: string | undefined): ((name: string) => boolean) => {
  if (connection === undefined) return notHopByHop;
  const nominated = new Set(
    connection
      .toLowerCase()
      .split(",")
      .map((token) => token.trim()),
  );
  return (name) => !HOP_BY_HOP.has(name) && !nominated.has(name);
};
