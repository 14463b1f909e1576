/**
 * DomainVerifier on Node (H.3): TXT lookups through `node:dns` against the DNS servers the operator names
 * (the system's by default), and the zone of a hostname taken as its registrable domain by the Public
 * Suffix List, since a self-host has no provider zone list to pick from.
 */
import { Resolver } from "node:dns/promises";
import { DomainVerifier, UpstreamError } from "@w7s/core";
import { Effect, Layer, Option } from "effect";
import { getDomain } from "tldts";

export interface DomainVerifierOptions {
  /** `host` or `host:port` of the DNS servers to ask (IPv6 as `[addr]:port`); empty: the system's. */
  readonly dnsServers?: readonly string[];
  /** How long one TXT query may take before it counts as failed (default 3000 ms). */
  readonly timeoutMs?: number;
}

/** Answers that mean "there is no such record", not "the resolver failed". */
const NO_RECORD = new Set(["ENODATA", "ENOTFOUND", "NXDOMAIN"]);

const upstreamFailure = (name: string, cause: unknown): UpstreamError => {
  const code = (cause as { code?: string } | undefined)?.code;
  return new UpstreamError({
    reason: code === "ETIMEOUT" ? "Timeout" : code === "EBADRESP" ? "BadResponse" : "Unavailable",
    operation: "DomainVerifier.txtRecords",
    description: `TXT ${name}: ${code ?? (cause instanceof Error ? cause.message : String(cause))}`,
    cause,
  });
};

/**
 * The registrable domain of `hostname` (`app.example.co.uk` -> `example.co.uk`; private suffixes such as
 * `github.io` count, so `me.github.io` is its own zone); `None` when the hostname is itself a suffix.
 */
export const registrableZone = (hostname: string): Option.Option<string> =>
  Option.fromNullishOr(getDomain(hostname, { allowPrivateDomains: true }));

/** The verifier as a plain service value. */
export const makeDomainVerifier = (options: DomainVerifierOptions = {}): DomainVerifier["Service"] => {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 3000, tries: 1 });
  if (options.dnsServers !== undefined && options.dnsServers.length > 0) {
    resolver.setServers([...options.dnsServers]);
  }
  return {
    zoneOf: (hostname) => Effect.succeed(registrableZone(hostname)),
    txtRecords: (name) =>
      Effect.tryPromise({
        try: (signal) => {
          signal.addEventListener("abort", () => resolver.cancel(), { once: true });
          return resolver.resolveTxt(name);
        },
        catch: (cause) => cause,
      }).pipe(
        // Each record arrives as its character strings; a record's value is their concatenation (RFC 7208 3.3).
        Effect.map((records) => records.map((chunks) => chunks.join(""))),
        Effect.catch((cause) => {
          const code = (cause as { code?: string } | undefined)?.code;
          return code !== undefined && NO_RECORD.has(code)
            ? Effect.succeed([])
            : Effect.fail(upstreamFailure(name, cause));
        }),
      ),
  };
};

/** DomainVerifier against `options.dnsServers` (or the system's resolvers). */
export const domainVerifierLayer = (options: DomainVerifierOptions = {}): Layer.Layer<DomainVerifier> =>
  Layer.sync(DomainVerifier, () => makeDomainVerifier(options));
