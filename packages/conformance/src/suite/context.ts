/** What every scenario file shares: the running server, the GitHub stand-in and the test credentials. */
import { it } from "vitest";
import type { OpenAiStandIn } from "../ai/index.js";
import type { GitHubStandIn } from "../github/index.js";
import type { DnsStandIn } from "../standIns/dns.js";
import type { ArchiveFiles } from "./archives.js";
import {
  type AppRequestInit,
  type ConformanceTarget,
  type DeployAnswer,
  type DeployOptions,
  deployRequest,
  request,
} from "./client.js";

export const credentials = {
  /** The operator's shared deploy token handed to the factory. */
  deployToken: "conformance-operator-token",
  /** May push to `auth-owner/user-app`. */
  userToken: "ghu_conformance_writer",
  /** May only read `auth-owner/user-app`. */
  readOnlyToken: "ghu_conformance_reader",
  /** An installation (workflow `github.token`) covering `auth-owner/installed-app`. */
  installationToken: "ghs_conformance_installation",
} as const;

/** The OIDC audience the suite configures and mints tokens for. */
export const OIDC_AUDIENCE = "w7s.cloud";

/** The key the OpenAI stand-in requires, and the models the server under test must offer (E.7). */
export const AI_API_KEY = "sk-conformance";
export const AI_MODELS: Readonly<Record<string, string>> = {
  "@w7s/meta/llama-3.1-8b-instruct-fp8": "stand-in-llama-8b",
  "@w7s/qwen/tiny": "stand-in-tiny",
};

export interface SuiteContext {
  /**
   * `it` for the scenarios that move the server's clock (`ConformanceTarget.time`); `it.skip` for an adapter
   * registered with `withoutClock`, whose clock cannot be moved.
   */
  readonly itWithClock: (name: string, body: () => Promise<void>, timeout?: number) => void;
  /** The server under test; only valid inside tests and hooks. */
  readonly target: () => ConformanceTarget;
  readonly github: () => GitHubStandIn;
  readonly ai: () => OpenAiStandIn;
  /** The DNS server the target asks for TXT allow lists. */
  readonly dns: () => DnsStandIn;
  /** `<owner>.<base>` or `<environment>--<owner>.<base>`. */
  readonly host: (owner: string, environment?: string) => string;
  /** Deploys `owner/repo` with the operator token unless `options` says otherwise. */
  readonly deployAs: (
    owner: string,
    repo: string,
    files: ArchiveFiles,
    options?: DeployOptions,
  ) => Promise<DeployAnswer>;
  /** A request to `path` on `host`. */
  readonly get: (host: string, path: string, init?: AppRequestInit) => Promise<Response>;
}

export const makeSuiteContext = (
  target: () => ConformanceTarget,
  github: () => GitHubStandIn,
  ai: () => OpenAiStandIn,
  dns: () => DnsStandIn,
  clock = true,
): SuiteContext => ({
  itWithClock: (name, body, timeout) => (clock ? it : it.skip)(name, body, timeout),
  target,
  github,
  ai,
  dns,
  host: (owner, environment) =>
    environment === undefined
      ? `${owner}.${target().baseDomain}`
      : `${environment}--${owner}.${target().baseDomain}`,
  deployAs: (owner, repo, files, options = {}) =>
    deployRequest(target(), {
      token: credentials.deployToken,
      repository: `${owner}/${repo}`,
      files,
      ...options,
    }),
  get: (host, path, init) => request(target(), host, path, init),
});

export const base64Url = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
