import { defineConfig } from "tsup";

// The library (`@w7s/action`); the action's single bundled file is built by scripts/bundle.ts.
export default defineConfig({
  entry: ["src/index.ts"],
  outDir: "dist/lib",
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node24",
  removeNodeProtocol: false,
});
