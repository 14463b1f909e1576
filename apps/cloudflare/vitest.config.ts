import { defineConfig } from "vitest/config";

// The conformance run takes minutes and has scenarios Cloudflare cannot pass (README, "Conformance"), so it
// is its own script (`pnpm test:conformance`) and not part of `pnpm test`.
const conformance = process.env.W7S_CONFORMANCE === "1";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    // Each test drives workerd (two Miniflare instances, a restart per upload); on a loaded machine a deploy
    // takes seconds.
    testTimeout: 30_000,
    include: conformance ? ["test/conformance.test.ts"] : ["src/**/*.test.ts", "test/**/*.test.ts"],
    exclude: conformance ? [] : ["test/conformance.test.ts", "**/node_modules/**"],
  },
});
