export { type BackendAnswer, BackendStreams, type NodeBackendRequest } from "./backendStreams.js";
export { BackendProtocolError, type Http1Answer, makeHttp1Client, parseResponseHead } from "./http1Client.js";
export { stopOrphanedBackends } from "./orphans.js";
export { PLATFORM_NOT_CONFIGURED, SUPPORTED_BINDING_TYPES, workerdConfig } from "./workerdConfig.js";
export {
  type BackendRuntimeOptions,
  backendRuntimeLayer,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MEMORY_LIMIT_MB,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type LogSink,
  makeWorkerdRuntime,
  type TailBatch,
} from "./workerdRuntime.js";
