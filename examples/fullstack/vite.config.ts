import { defineConfig } from "vite";

// The SPA goes to dist/client; `vite build --ssr` bundles server/index.ts (with Hono) into
// dist/server/index.js, because W7S backends may only import relative modules (spec B.8).
export default defineConfig(({ isSsrBuild }) => ({
  base: "./",
  build: isSsrBuild
    ? { target: "es2022", rollupOptions: { output: { entryFileNames: "index.js" } } }
    : { outDir: "dist/client", emptyOutDir: true },
  ssr: { noExternal: true, target: "webworker" },
}));
