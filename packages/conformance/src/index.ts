/**
 * Public API of @w7s/conformance: the adapter scenario suite, the GitHub stand-in it runs against, the
 * Telegram Bot API and W7S read-API stand-ins client tests use, and the local services tests need
 * (PostgreSQL, started when it is down).
 */
export * from "./ai/index.js";
export * from "./github/index.js";
export * from "./services/index.js";
export * from "./standIns/index.js";
export * from "./suite/index.js";
