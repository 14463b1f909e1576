import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", bundle: "src/bundle.ts" },
  external: ["cloudflare:workers", "esbuild"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2023",
});
