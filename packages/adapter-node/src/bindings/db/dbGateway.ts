/** SQL databases (D1) on the protocol workerd's D1 binding speaks. Not served yet. */
import { type BindingGateway, GatewayFailure } from "../gateway.js";

export interface DbGatewayOptions {
  readonly dataDir: string;
}

export const makeDbGateway = (_options: DbGatewayOptions): BindingGateway => ({
  handle: async (request) => {
    request.count("d1.read_queries", "error");
    throw new GatewayFailure(501, "SQL databases are not served by this server yet.");
  },
  close: () => undefined,
});
