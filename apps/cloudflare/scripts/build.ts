/** Bundles the core Worker to `dist/worker.js` (what the generated wrangler config deploys, with `no_bundle`). */

import { workerBuildOptions } from "@w7s/adapter-cloudflare/bundle";
import { build } from "esbuild";

const outfile = new URL("../dist/worker.js", import.meta.url).pathname;
await build({
  ...workerBuildOptions,
  entryPoints: [new URL("../src/worker.ts", import.meta.url).pathname],
  outfile,
  logLevel: "warning",
});
console.log(`built ${outfile}`);
