/** A Cloudflare binding call (Queues, Workflows) that threw, as the core's retryable DeliveryError. */
import { DeliveryError } from "@w7s/core";

export const deliveryUnavailable = (operation: string) => (cause: unknown) =>
  new DeliveryError({
    reason: "Unavailable",
    operation,
    description: cause instanceof Error ? cause.message : String(cause),
    cause,
  });
