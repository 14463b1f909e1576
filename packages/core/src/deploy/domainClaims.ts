/**
 * Custom-domain claim planning (H.3, B.14): for each CNAME route of a deploy, in order, whether the
 * `_w7s.<zone>` TXT allow list lets this app attach it, the warnings and blocked entries the deploy answers
 * with, and which routes the app held that it now releases. Planning only reads; the deploy's atomic
 * switch writes the claims and releases together with the deployment.
 */
import { customDomainBranchPrefix } from "@w7s/env-naming";
import { normalizePathPrefix } from "@w7s/manifest";
import { Effect, Option } from "effect";
import type { PlatformConfig } from "../platformConfig.js";
import { DeploymentStore, type DomainRoute } from "../ports/DeploymentStore.js";
import { DomainVerifier } from "../ports/DomainVerifier.js";
import type { StoreError } from "../ports/PortErrors.js";
import type { AppRef } from "../ports/records/AppRef.js";
import type { CustomDomainMapping } from "../ports/records/DeploymentIndexes.js";
import type { CustomDomainRouteSpec } from "./customDomains.js";

/** `customDomainWarnings[]`: attached, but nothing restricts who claims the domain next (or a front door disagrees). */
export type CustomDomainWarning = {
  readonly hostname: string;
  readonly pathPrefix?: string;
  readonly domain: string;
  readonly txtName: string;
  readonly txtValue: string;
  readonly currentRepository?: string;
  readonly frontDoorRepository?: string;
  readonly message: string;
};

/** Why a route was not attached. */
export type BlockedReason = "txt_allowlist_mismatch" | "reserved_hostname";

/** `blockedCustomDomains[]`: a route this deploy did not attach. */
export type BlockedCustomDomain = {
  readonly hostname: string;
  readonly pathPrefix?: string;
  readonly domain?: string;
  readonly reason: BlockedReason;
  readonly txtName?: string;
  readonly txtValue?: string;
  readonly currentRepository?: string;
  readonly message: string;
};

/** What a deploy (or a rollback) does with its routes. */
export interface DomainClaimPlan {
  /** The routes attached, in CNAME order (their display forms become `customDomains`). */
  readonly attached: readonly CustomDomainRouteSpec[];
  readonly claims: readonly CustomDomainMapping[];
  readonly releases: readonly DomainRoute[];
  readonly warnings: readonly CustomDomainWarning[];
  readonly blocked: readonly BlockedCustomDomain[];
}

/** The exact H.3 texts, and ours for hosts no app may claim. */
export const domainClaimMessages = {
  notAuthorized: (txtName: string, txtValue: string) => `TXT ${txtName} does not authorize ${txtValue}.`,
  unverified: (txtName: string, txtValue: string) =>
    `Add TXT ${txtName}=${txtValue} to restrict future claims for this domain.`,
  replacedUnverified: (hostname: string, previous: string, txtName: string, txtValue: string) =>
    `${hostname} replaced the unverified custom-domain claim by ${previous}. Add TXT ${txtName}=${txtValue} to restrict future claims for this domain.`,
  frontDoor: (route: CustomDomainRouteSpec, frontDoor: string, repository: string) =>
    `${route.hostname} is served by ${frontDoor}, whose routing.customDomainAuthority front-door allowlist does not list ${route.pathPrefix} for ${repository}; ask its owners to add {"pathPrefix": "${route.pathPrefix}", "repository": "${repository}"} so that path stays with this app.`,
  platformHost: (hostname: string, baseDomain: string) =>
    `${hostname} cannot be claimed as a custom domain: it is a host of this W7S server (${baseDomain}).`,
  ipAddress: (hostname: string) =>
    `${hostname} cannot be claimed as a custom domain: it is an IP address, not a hostname.`,
} as const;

/** `owner` or `owner/repo` in slug form: the only entries of a TXT allow list that count (H.4). */
const ALLOW_ENTRY = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9_])?(?:\/[a-z0-9._-]+)?$/;

/**
 * The allow list in TXT record values: comma-separated entries, trimmed and lowercased, only `owner` and
 * `owner/repo` forms kept, de-duplicated. A record with no valid entry allows no one.
 */
export const parseTxtAllowList = (records: readonly string[]): readonly string[] => [
  ...new Set(
    records.flatMap((record) =>
      record
        .split(",")
        .map((entry) => entry.trim().toLowerCase())
        .filter((entry) => ALLOW_ENTRY.test(entry)),
    ),
  ),
];

const sameApp = (mapping: CustomDomainMapping, app: AppRef): boolean =>
  mapping.environment === app.environment &&
  mapping.orgSlug === app.orgSlug &&
  mapping.repoSlug === app.repoSlug;

const prefixOf = (mapping: { readonly pathPrefix?: string | undefined }): string => mapping.pathPrefix ?? "/";

const withPrefix = (route: CustomDomainRouteSpec) =>
  route.pathPrefix === "/" ? {} : { pathPrefix: route.pathPrefix };

/**
 * Hosts no app may claim: the base domain and every host under it (they are owner hosts or the platform's
 * own `www`/`api`/`app`), and IP literals (a claim on the server's address would capture requests made
 * to it directly, the reverse proxy's TLS question included).
 */
const reservedHost = (hostname: string, baseDomain: string): string | undefined => {
  const base = baseDomain.trim().toLowerCase();
  if (hostname === base || hostname.endsWith(`.${base}`)) {
    return domainClaimMessages.platformHost(hostname, base);
  }
  if (/^\d+$/.test(hostname.slice(hostname.lastIndexOf(".") + 1)))
    return domainClaimMessages.ipAddress(hostname);
  return undefined;
};

/** The zone of a hostname, or its last two labels when the verifier knows none or cannot answer. */
const zoneFor = (hostname: string) =>
  Effect.gen(function* () {
    const verifier = yield* DomainVerifier;
    const zone = yield* verifier.zoneOf(hostname).pipe(Effect.orElseSucceed(() => Option.none<string>()));
    return Option.getOrElse(zone, () => hostname.split(".").slice(-2).join("."));
  });

/** TXT values at `name`; a failed lookup counts as no record at all (fail-open, L.23). */
const txtAt = (name: string) =>
  Effect.gen(function* () {
    const verifier = yield* DomainVerifier;
    return yield* verifier.txtRecords(name).pipe(Effect.orElseSucceed((): readonly string[] => []));
  });

/** The front-door advisory of H.3 [NEWEST]: a path route under a host root another repository serves. */
const frontDoorWarning = (
  route: CustomDomainRouteSpec,
  hostRoutes: readonly CustomDomainMapping[],
  input: PlanInput,
  zone: { domain: string; txtName: string; txtValue: string },
) =>
  Effect.gen(function* () {
    if (route.pathPrefix === "/") return undefined;
    const root = hostRoutes.find((mapping) => prefixOf(mapping) === "/");
    if (root === undefined || (root.orgSlug === input.app.orgSlug && root.repoSlug === input.app.repoSlug)) {
      return undefined;
    }
    const store = yield* DeploymentStore;
    const rootDeployment = yield* store.current({
      environment: root.environment,
      orgSlug: root.orgSlug,
      repoSlug: root.repoSlug,
    });
    const authority = Option.isSome(rootDeployment)
      ? rootDeployment.value.record.routing?.customDomainAuthority
      : undefined;
    const ours = new Set([input.repository.toLowerCase(), `${input.app.orgSlug}/${input.app.repoSlug}`]);
    const covered =
      authority?.domains.some((domain) => domain.toLowerCase().replace(/\.$/, "") === route.hostname) ===
        true &&
      authority.allow.some(
        (rule) =>
          (normalizePathPrefix(rule.pathPrefix) ?? "/") === route.pathPrefix &&
          ours.has(rule.repository.toLowerCase()),
      );
    if (covered) return undefined;
    return {
      hostname: route.hostname,
      ...withPrefix(route),
      ...zone,
      frontDoorRepository: root.repository,
      message: domainClaimMessages.frontDoor(route, root.repository, input.repository),
    } satisfies CustomDomainWarning;
  });

export interface PlanInput {
  readonly routes: readonly CustomDomainRouteSpec[];
  readonly app: AppRef;
  /** `owner/repo` as the deploy sent it. */
  readonly repository: string;
  readonly deployedAt: string;
  /** The raw branch; with `direct`, it decides which held routes count as stale (B.14). */
  readonly branch: string;
  readonly direct: boolean;
}

/**
 * Plans every route of a deploy in order (H.3), then the routes the app held that are now stale (B.14):
 * those not attached again, and, for a deploy of a branch other than `main` without `direct` mode, only
 * hosts with this branch's prefix (so a branch deployed as production leaves the production hosts alone).
 */
export const planDomainClaims = (
  input: PlanInput,
  config: PlatformConfig,
): Effect.Effect<DomainClaimPlan, StoreError, DomainVerifier | DeploymentStore> =>
  Effect.gen(function* () {
    const store = yield* DeploymentStore;
    const { app } = input;
    const txtValue = `${app.orgSlug}/${app.repoSlug}`;
    const attached: CustomDomainRouteSpec[] = [];
    const claims: CustomDomainMapping[] = [];
    const warnings: CustomDomainWarning[] = [];
    const blocked: BlockedCustomDomain[] = [];

    for (const route of input.routes) {
      const reserved = reservedHost(route.hostname, config.baseDomain);
      if (reserved !== undefined) {
        blocked.push({
          hostname: route.hostname,
          ...withPrefix(route),
          reason: "reserved_hostname",
          message: reserved,
        });
        continue;
      }
      const domain = yield* zoneFor(route.hostname);
      const txtName = `_w7s.${domain}`;
      const hostRoutes = yield* store.domainRoutes(route.hostname);
      const existing = hostRoutes.find((mapping) => prefixOf(mapping) === route.pathPrefix);
      const currentRepository =
        existing !== undefined && !sameApp(existing, app) ? existing.repository : undefined;
      const previous = currentRepository === undefined ? {} : { currentRepository };
      const records = yield* txtAt(txtName);
      const allowList = parseTxtAllowList(records);

      if (records.length > 0 && !allowList.includes(app.orgSlug) && !allowList.includes(txtValue)) {
        blocked.push({
          hostname: route.hostname,
          ...withPrefix(route),
          domain,
          reason: "txt_allowlist_mismatch",
          txtName,
          txtValue,
          ...previous,
          message: domainClaimMessages.notAuthorized(txtName, txtValue),
        });
        continue;
      }
      attached.push(route);
      claims.push({
        version: 1,
        hostname: route.hostname,
        ...withPrefix(route),
        orgSlug: app.orgSlug,
        repoSlug: app.repoSlug,
        environment: app.environment,
        repository: input.repository,
        deployedAt: input.deployedAt,
      });
      if (records.length === 0) {
        warnings.push({
          hostname: route.hostname,
          ...withPrefix(route),
          domain,
          txtName,
          txtValue,
          ...previous,
          message:
            currentRepository === undefined
              ? domainClaimMessages.unverified(txtName, txtValue)
              : domainClaimMessages.replacedUnverified(route.hostname, currentRepository, txtName, txtValue),
        });
      }
      const frontDoor = yield* frontDoorWarning(route, hostRoutes, input, { domain, txtName, txtValue });
      if (frontDoor !== undefined) warnings.push(frontDoor);
    }

    const kept = new Set(attached.map((route) => `${route.hostname} ${route.pathPrefix}`));
    const branchScoped = !input.direct && input.branch.trim() !== "main";
    const branchLabel = `${customDomainBranchPrefix(input.branch)}--`;
    const releases = (yield* store.appDomainRoutes(app))
      .filter((held) => !kept.has(`${held.hostname} ${prefixOf(held)}`))
      .filter((held) => !branchScoped || held.hostname.startsWith(branchLabel))
      .map((held) => ({ hostname: held.hostname, pathPrefix: prefixOf(held) }));
    return { attached, claims, releases, warnings, blocked };
  });
