import { defineConfig } from "vitest/config";

// `pnpm test` runs everything, conformance included (a few minutes); `pnpm test:conformance` only that.
const conformance = process.env.W7S_CONFORMANCE === "1";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    // Each test drives workerd (two Miniflare instances, a restart per upload); on a loaded machine a deploy
    // takes seconds.
    testTimeout: 30_000,
    include: conformance ? ["test/conformance.test.ts"] : ["src/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
  },
});
