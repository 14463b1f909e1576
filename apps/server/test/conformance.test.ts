import { defineConformanceSuite } from "@w7s/conformance";
import { DEFAULT_SETTINGS } from "../src/config.js";
import { startServer } from "../src/server.js";

defineConformanceSuite("Node self-host (SQLite, files, workerd)", async (options) => {
  const server = await startServer({
    ...DEFAULT_SETTINGS,
    port: 0,
    dataDir: options.dataDir,
    githubApiUrl: options.githubApiUrl,
    deployToken: options.deployToken,
    oidcIssuer: options.oidc.issuer,
    oidcAudiences: options.oidc.audiences,
    oidcJwksUrl: options.oidc.jwksUrl,
    requestTimeoutMs: 5_000,
    dnsServers: options.dnsServers,
  });
  return { baseUrl: server.url, baseDomain: DEFAULT_SETTINGS.baseDomain, close: () => server.close(1_000) };
});
