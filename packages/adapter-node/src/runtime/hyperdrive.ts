/**
 * The operator's Postgres bindings (`bindings.hyperdrive`): each id an app may name maps to a connection
 * string in the server's config; workerd's Hyperdrive binding gives the app `connectionString`, `host`,
 * `port`, `user`, `password` and `database`, and connects its sockets to that server.
 */
import type { RuntimeBinding } from "@w7s/core";
import type { HyperdriveTarget } from "./workerdConfig.js";

/** `bindings.hyperdrive` id -> `postgres://user:password@host:port/database`. */
export type HyperdriveBindings = Readonly<Record<string, string>>;

/** The parts workerd needs, or `undefined` for a string that is not a postgres URL with a host. */
export const hyperdriveTarget = (connectionString: string): HyperdriveTarget | undefined => {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return undefined;
  }
  if ((url.protocol !== "postgres:" && url.protocol !== "postgresql:") || url.hostname === "")
    return undefined;
  return {
    address: `${url.hostname}:${url.port === "" ? "5432" : url.port}`,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, "")) || "postgres",
    scheme: "postgresql",
  };
};

export const unknownHyperdriveMessage = (binding: Extract<RuntimeBinding, { type: "hyperdrive" }>): string =>
  `bindings.hyperdrive: ${binding.name} names the Postgres binding "${binding.id}", which this server does not have. The operator adds it to the server's hyperdrive settings (hyperdrive.${binding.id} = a postgres:// connection string).`;
