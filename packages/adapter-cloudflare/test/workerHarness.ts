/** Bundles a Worker entry with the adapter's esbuild settings and starts it in Miniflare (workerd). */
import { build } from "esbuild";
import { Miniflare, type MiniflareOptions } from "miniflare";
import { workerBuildOptions } from "../src/bundle.js";

/** The bundled source of `entry`. */
export const bundleWorker = async (entry: string): Promise<string> => {
  const result = await build({ ...workerBuildOptions, entryPoints: [entry], write: false });
  return result.outputFiles[0]!.text;
};

/** A Miniflare instance running `script` (an ES module) with `options`. */
export const startWorker = (script: string, options: Partial<MiniflareOptions>): Miniflare =>
  new Miniflare({
    modules: true,
    script,
    compatibilityDate: "2026-06-01",
    compatibilityFlags: ["nodejs_compat"],
    ...options,
  } as MiniflareOptions);
