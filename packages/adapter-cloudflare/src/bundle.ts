/**
 * esbuild settings for a Worker that includes this adapter: the control-plane stores are shared with the
 * Node adapter, whose Postgres driver is never reached on Cloudflare, so it is replaced by a stub instead of
 * being bundled (it needs Node's sockets); `cloudflare:*` stays external for workerd to provide.
 */
import type { BuildOptions, Plugin } from "esbuild";

const STUBBED = /^(postgres|node:sqlite)$/;

/** Replaces modules a Worker never runs with a module whose every export throws when used. */
export const workerStubsPlugin: Plugin = {
  name: "w7s-worker-stubs",
  setup(build) {
    build.onResolve({ filter: STUBBED }, (args) => ({ path: args.path, namespace: "w7s-stub" }));
    build.onLoad({ filter: /.*/, namespace: "w7s-stub" }, (args) => ({
      // CommonJS, so that any named import resolves; using one is a bug and says which module it was.
      contents: `module.exports = new Proxy(function () {}, { get(_, key) { if (key === "__esModule") return false; throw new Error(${JSON.stringify(`${args.path} is not available in a Worker`)}); }, apply() { throw new Error(${JSON.stringify(`${args.path} is not available in a Worker`)}); } });`,
      loader: "js",
    }));
  },
};

/** Options for bundling a Worker entry (`entryPoints`/`outfile` added by the caller). */
export const workerBuildOptions: BuildOptions = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2023",
  mainFields: ["module", "main"],
  conditions: ["workerd", "worker", "browser", "source", "import"],
  external: ["cloudflare:*", "node:*"],
  plugins: [workerStubsPlugin],
  logLevel: "silent",
};
