import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    coreWorker: "src/coreWorker.ts",
    prepare: "src/bin/prepare.ts",
    reconcileRoutes: "src/bin/reconcileRoutes.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node24",
  removeNodeProtocol: false,
});
