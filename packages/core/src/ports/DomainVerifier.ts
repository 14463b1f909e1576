/** Port: DNS facts that custom-domain claims depend on (H.3). */
import { Context, type Effect, type Option } from "effect";
import type { UpstreamError } from "./PortErrors.js";

/** The core treats a failed TXT lookup as "no TXT record" (fail-open, L.23). */
export class DomainVerifier extends Context.Service<
  DomainVerifier,
  {
    /** The zone (registrable domain the operator serves) a hostname belongs to. */
    readonly zoneOf: (hostname: string) => Effect.Effect<Option.Option<string>, UpstreamError>;
    /** Decoded TXT strings published at `name`; empty when there is no TXT record. */
    readonly txtRecords: (name: string) => Effect.Effect<ReadonlyArray<string>, UpstreamError>;
  }
>()("@w7s/core/DomainVerifier") {}
