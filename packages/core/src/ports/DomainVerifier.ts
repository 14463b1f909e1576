/** Port: DNS facts that custom-domain claims depend on (H.3). */
import { Context, type Effect, type Option } from "effect";
import type { UpstreamError } from "./PortErrors.js";

/** The core treats a failed TXT lookup as "no TXT record" (fail-open, L.23). */
export class DomainVerifier extends Context.Service<
  DomainVerifier,
  {
    /**
     * The zone whose `_w7s.<zone>` TXT allow list decides claims of `hostname` (H.3 step 1): a provider's
     * zone list on Cloudflare, the registrable domain on a self-host. `None` when the adapter knows none.
     */
    readonly zoneOf: (hostname: string) => Effect.Effect<Option.Option<string>, UpstreamError>;
    /** Decoded TXT strings published at `name`; empty when there is no TXT record. */
    readonly txtRecords: (name: string) => Effect.Effect<ReadonlyArray<string>, UpstreamError>;
  }
>()("@w7s/core/DomainVerifier") {}
