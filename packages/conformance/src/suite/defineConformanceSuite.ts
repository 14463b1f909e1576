/**
 * The scenarios every W7S adapter must pass, driven only through HTTP (spec A.4-A.6, B, D, E.1, H, I.1
 * and DECISIONS 2-6, 10). Each scenario deploys under its own owner or repo, so they do not interfere.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import { type OpenAiStandIn, startOpenAiStandIn } from "../ai/index.js";
import { type GitHubStandIn, startGitHubStandIn } from "../github/index.js";
import { type DnsStandIn, startDnsStandIn } from "../standIns/dns.js";
import type { ConformanceTarget } from "./client.js";
import { AI_API_KEY, AI_MODELS, credentials, makeSuiteContext, OIDC_AUDIENCE } from "./context.js";
import { archiveAttackScenarios } from "./scenarios/archiveAttacks.js";
import { atomicDeployScenarios } from "./scenarios/atomicDeploys.js";
import { authorizationScenarios } from "./scenarios/authorization.js";
import { backendScenarios } from "./scenarios/backends.js";
import { deployErrorScenarios } from "./scenarios/deployErrors.js";
import { deployOutcomeScenarios } from "./scenarios/deployOutcomes.js";
import { domainScenarios } from "./scenarios/domains.js";
import { platformServiceScenarios } from "./scenarios/platformServices.js";
import { routingScenarios } from "./scenarios/routing.js";
import { securityScenarios } from "./scenarios/security.js";
import { storageScenarios } from "./scenarios/storage.js";

/** The owners of the scenarios that redeploy or roll back while clients keep requesting. */
const LOAD_OWNERS = ["atomic", "rollback"] as const;

export interface ConformanceFactoryOptions {
  /** Base URL of the GitHub REST API stand-in (DECISIONS 3). */
  readonly githubApiUrl: string;
  readonly oidc: { readonly issuer: string; readonly audiences: readonly string[]; readonly jwksUrl: string };
  /** The operator's shared deploy token. */
  readonly deployToken: string;
  /** A fresh, empty directory the server may keep its data in. */
  readonly dataDir: string;
  /** The OpenAI-compatible stand-in `W7S_AI` must use, the key it wants and the models to offer (E.7). */
  readonly ai: {
    readonly baseUrl: string;
    readonly apiKey: string;
    /** `@w7s/...` name -> the stand-in's model name; the first is the default model. */
    readonly models: Readonly<Record<string, string>>;
  };
  /**
   * The DNS servers (`host:port`) to ask for custom-domain TXT allow lists (H.3): the suite's own DNS
   * server, which answers the `_w7s.<zone>` records its scenarios publish.
   */
  readonly dnsServers: readonly string[];
  /**
   * Owners whose scenarios drive the server under load (thousands of requests and several deploys a
   * minute, over the free tier's burst windows of F.6): the factory exempts them from limits (F.7), as an
   * operator exempts their own load tests. They are still counted.
   */
  readonly limitExemptOwners: readonly string[];
}

/** Starts the adapter's server with these settings. */
export type ConformanceFactory = (options: ConformanceFactoryOptions) => Promise<ConformanceTarget>;

export interface ConformanceSuiteOptions {
  /**
   * Why this adapter cannot hand the suite control of its clock (`ConformanceTarget.time`); set, the
   * scenarios that move the clock are registered as skipped instead of failing.
   */
  readonly withoutClock?: string;
}

/**
 * Registers the suite with vitest. `factory` starts the server under test once, in `beforeAll`, next to
 * a GitHub stand-in; both are closed in `afterAll`.
 */
export const defineConformanceSuite = (
  name: string,
  factory: ConformanceFactory,
  options: ConformanceSuiteOptions = {},
): void => {
  describe(`W7S conformance: ${name}`, () => {
    let github: GitHubStandIn | undefined;
    let ai: OpenAiStandIn | undefined;
    let dns: DnsStandIn | undefined;
    let target: ConformanceTarget | undefined;
    const context = makeSuiteContext(
      () => target ?? failUnstarted("server"),
      () => github ?? failUnstarted("GitHub stand-in"),
      () => ai ?? failUnstarted("OpenAI stand-in"),
      () => dns ?? failUnstarted("DNS stand-in"),
      options.withoutClock === undefined,
    );

    beforeAll(async () => {
      github = await startGitHubStandIn();
      dns = await startDnsStandIn();
      github.addUserToken(credentials.userToken, { "auth-owner/user-app": { push: true } });
      github.addUserToken(credentials.readOnlyToken, { "auth-owner/user-app": { push: false, pull: true } });
      github.addInstallationToken(credentials.installationToken, [
        "auth-owner/other",
        "auth-owner/installed-app",
      ]);
      ai = await startOpenAiStandIn({ apiKey: AI_API_KEY });
      target = await factory({
        githubApiUrl: github.apiUrl,
        oidc: { issuer: github.issuer, audiences: [OIDC_AUDIENCE], jwksUrl: github.jwksUrl },
        deployToken: credentials.deployToken,
        dataDir: mkdtempSync(join(tmpdir(), "w7s-conformance-")),
        ai: { baseUrl: ai.baseUrl, apiKey: AI_API_KEY, models: AI_MODELS },
        dnsServers: [dns.address],
        limitExemptOwners: LOAD_OWNERS,
      });
    }, 60_000);

    afterAll(async () => {
      await target?.close();
      await github?.close();
      await ai?.close();
      await dns?.close();
    });

    deployErrorScenarios(context);
    deployOutcomeScenarios(context);
    archiveAttackScenarios(context);
    authorizationScenarios(context);
    routingScenarios(context);
    backendScenarios(context);
    atomicDeployScenarios(context);
    storageScenarios(context);
    platformServiceScenarios(context);
    domainScenarios(context);
    securityScenarios(context);
  });
};

const failUnstarted = (what: string): never => {
  throw new Error(`The conformance ${what} is not running: its beforeAll failed or has not run yet.`);
};
