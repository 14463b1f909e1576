/** Log capture on Node: the entry module that wraps each app, its grants and the ingest socket. */
export { type EntryModule, type EntryModuleInput, entryModule, LOG_SINK_BINDING } from "./entryModule.js";
export { type LogCaptureOptions, makeLogCaptureSink } from "./logCapture.js";
export { LOG_GRANT_HEADER, type LogGrants, makeLogGrants } from "./logGrants.js";
export { type LogIngest, type LogIngestOptions, startLogIngest } from "./logIngest.js";
