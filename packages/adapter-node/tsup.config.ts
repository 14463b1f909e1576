import { defineConfig } from "tsup";

export default defineConfig({
  // The SQL processes run their own module, found next to the bundle (see src/bindings/db/sqlExecutors.ts).
  entry: {
    index: "src/index.ts",
    portable: "src/portable.ts",
    sqlExecutorProcess: "src/bindings/db/sqlExecutorProcess.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node24",
  removeNodeProtocol: false,
});
