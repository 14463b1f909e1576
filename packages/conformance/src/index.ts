/** Public API of @w7s/conformance: the adapter scenario suite and the GitHub stand-in it runs against. */
export * from "./github/index.js";
export * from "./suite/index.js";
