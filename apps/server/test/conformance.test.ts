import { makeAdjustableClock } from "@w7s/adapter-node";
import { defineConformanceSuite } from "@w7s/conformance";
import { DEFAULT_SETTINGS } from "../src/config.js";
import { startServer } from "../src/server.js";

defineConformanceSuite("Node self-host (SQLite, files, workerd)", async (options) => {
  const clock = makeAdjustableClock();
  const server = await startServer(
    {
      ...DEFAULT_SETTINGS,
      port: 0,
      dataDir: options.dataDir,
      githubApiUrl: options.githubApiUrl,
      deployToken: options.deployToken,
      oidcIssuer: options.oidc.issuer,
      oidcAudiences: options.oidc.audiences,
      oidcJwksUrl: options.oidc.jwksUrl,
      requestTimeoutMs: 5_000,
      aiBaseUrl: options.ai.baseUrl,
      aiApiKey: options.ai.apiKey,
      aiModels: options.ai.models,
      dnsServers: options.dnsServers,
      limitExemptOwners: options.limitExemptOwners,
    },
    { clock, queuePollMs: 50, schedulerPollMs: 50 },
  );
  return {
    baseUrl: server.url,
    baseDomain: DEFAULT_SETTINGS.baseDomain,
    close: () => server.close(1_000),
    time: {
      now: clock.now,
      advance: async (ms) => {
        clock.advance(ms);
      },
      tick: async () => {
        await server.platform.tick();
      },
    },
  };
});
