/**
 * What the deployment store can answer without waiting: the live deployment of an app, when its pointer
 * and record are at hand, and the custom-domain routes of a host. A server's synchronous request path reads it; everything else uses the port.
 */
import type { AppRef, Cached, CustomDomainMapping, StoredDeployment } from "@w7s/core";
import { Context } from "effect";

export class CachedDeployments extends Context.Service<
  CachedDeployments,
  {
    /** `DeploymentStore.current` without waiting, or `NotCached` when the answer needs I/O or failed. */
    readonly current: (app: AppRef) => Cached<StoredDeployment | undefined>;
    /** `DeploymentStore.domainRoutes` without waiting, or `NotCached`. */
    readonly domainRoutes: (hostname: string) => Cached<readonly CustomDomainMapping[]>;
  }
>()("@w7s/adapter-node/CachedDeployments") {}
