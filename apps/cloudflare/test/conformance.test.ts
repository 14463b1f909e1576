/** The cross-adapter scenarios against the core Worker in workerd (Miniflare), as apps/server runs them on Node. */
import { defineConformanceSuite } from "@w7s/conformance";
import { startDohBridge } from "./dohBridge.js";
import { freePort, startCoreHarness } from "./harness.js";

defineConformanceSuite(
  "Cloudflare core Worker (workerd, Durable Object SQLite, R2, Queues, Workflows)",
  async (options) => {
    const port = await freePort();
    const doh = await startDohBridge(options.dnsServers);
    const harness = await startCoreHarness({
      port,
      persistDir: options.dataDir,
      // With Analytics Engine bound, as an operator who sets W7S_ANALYTICS_DATASET runs it: the suite's
      // analytics scenarios then show the API still answers the control plane's exact counts.
      analytics: true,
      vars: {
        W7S_PUBLIC_PORT: String(port),
        W7S_DEPLOY_TOKEN: options.deployToken,
        W7S_GITHUB_API_URL: options.githubApiUrl,
        W7S_OIDC_ISSUER: options.oidc.issuer,
        W7S_OIDC_JWKS_URL: options.oidc.jwksUrl,
        W7S_OIDC_AUDIENCES: options.oidc.audiences.join(","),
        W7S_AI_BASE_URL: options.ai.baseUrl,
        W7S_AI_API_KEY: options.ai.apiKey,
        W7S_AI_MODELS: Object.entries(options.ai.models)
          .map(([name, model]) => `${name}=${model}`)
          .join(","),
        W7S_DOH_URL: doh.url,
        W7S_LIMIT_EXEMPT_OWNERS: options.limitExemptOwners.join(","),
      },
    });
    return {
      baseUrl: harness.url,
      baseDomain: "w7s.localhost",
      close: async () => {
        await harness.close();
        await doh.close();
      },
    };
  },
  {
    withoutClock:
      "under workerd the Worker's clock, Queue delays and Workflows timers are real time; the test cannot move them",
  },
);
