/** Object storage (R2) on the protocol workerd's R2 binding speaks. Not served yet. */
import { type BindingGateway, GatewayFailure } from "../gateway.js";

export interface FsGatewayOptions {
  readonly dataDir: string;
}

export const makeFsGateway = (_options: FsGatewayOptions): BindingGateway => ({
  handle: async (request) => {
    request.count("r2.class_a", "error");
    throw new GatewayFailure(501, "Object storage is not served by this server yet.");
  },
  close: () => undefined,
});
