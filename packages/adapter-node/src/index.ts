/** Public API of @w7s/adapter-node: the W7S ports as Layers on Node. */
export * from "./ai/index.js";
export * from "./assets/index.js";
export * from "./auth/index.js";
export * from "./bindings/index.js";
export {
  effectClockOf,
  type ManualClock,
  makeAdjustableClock,
  makeManualClock,
  systemClock,
  type WallClock,
} from "./clock.js";
export * from "./domains/index.js";
export { idsLayer } from "./ids.js";
export * from "./logs/index.js";
export * from "./notifications/index.js";
export * from "./observability/index.js";
export { type NodePlatformOptions, type NodePlatformServices, nodePlatformLayer } from "./platform.js";
export * from "./provisioner/index.js";
export * from "./queues/index.js";
export * from "./runtime/index.js";
export * from "./scheduler/index.js";
export * from "./store/index.js";
export * from "./usage/index.js";
export * from "./workflows/index.js";
