/** The durable queue on Node: the QueueBroker Layer, its store and the delivery loop. */
export { NodeQueues, openQueueStore, type QueueBrokerOptions, queueBrokerLayer } from "./queueBroker.js";
export {
  DEFAULT_QUEUE_LEASE_MS,
  interruptedDeliveryMessage,
  type QueueDelivery,
  type QueueDeliveryOptions,
  startQueueDelivery,
} from "./queueDelivery.js";
export type {
  ClaimRequest,
  DurableQueueStore,
  LeasedBatch,
  LeasedMessage,
  QueuedMessage,
} from "./queueStore.js";
