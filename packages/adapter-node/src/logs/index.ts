/** Log capture on Node: the tail worker workerd runs beside each app, its grants and the ingest socket. */
export { type LogCaptureOptions, makeLogCaptureSink } from "./logCapture.js";
export { LOG_GRANT_HEADER, type LogGrants, makeLogGrants } from "./logGrants.js";
export { type LogIngest, type LogIngestOptions, startLogIngest } from "./logIngest.js";
export { TAIL_WORKER_MODULE, TAIL_WORKER_SOURCE } from "./tailWorker.js";
