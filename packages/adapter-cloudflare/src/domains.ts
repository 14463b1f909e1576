/**
 * Ids from WebCrypto, and the DomainVerifier on DNS over HTTPS (a Worker cannot send UDP): TXT answers
 * from the JSON API of a resolver (Cloudflare's by default), zones as registrable domains.
 */
import { DomainVerifier, Ids, UpstreamError } from "@w7s/core";
import { Effect, Layer, Option } from "effect";
import { getDomain } from "tldts";

export const cloudflareIdsLayer: Layer.Layer<Ids> = Layer.succeed(Ids, {
  randomBytes: (length) => Effect.sync(() => crypto.getRandomValues(new Uint8Array(length))),
  randomUuid: () => Effect.sync(() => crypto.randomUUID()),
});

export interface DohOptions {
  /** A DNS-over-HTTPS JSON endpoint (default `https://cloudflare-dns.com/dns-query`). */
  readonly resolverUrl?: string | undefined;
  readonly fetch?: typeof fetch;
}

/** Unquotes and joins the character strings of one TXT answer (`"a" "b"` → `ab`). */
const txtText = (data: string): string => {
  const parts = data.match(/"((?:[^"\\]|\\.)*)"/g);
  return parts === null ? data : parts.map((part) => part.slice(1, -1).replace(/\\(.)/g, "$1")).join("");
};

export const cloudflareDomainVerifierLayer = (options: DohOptions = {}): Layer.Layer<DomainVerifier> =>
  Layer.succeed(DomainVerifier, {
    zoneOf: (hostname) => Effect.succeed(Option.fromNullishOr(getDomain(hostname))),
    txtRecords: (name) =>
      Effect.tryPromise({
        try: async () => {
          const url = new URL(options.resolverUrl ?? "https://cloudflare-dns.com/dns-query");
          url.searchParams.set("name", name);
          url.searchParams.set("type", "TXT");
          const response = await (options.fetch ?? fetch)(url, {
            headers: { accept: "application/dns-json" },
          });
          if (!response.ok) throw new Error(`resolver answered ${response.status}`);
          const body = (await response.json()) as { Answer?: Array<{ type: number; data: string }> };
          return (body.Answer ?? [])
            .filter((answer) => answer.type === 16)
            .map((answer) => txtText(answer.data));
        },
        catch: (cause) =>
          new UpstreamError({
            reason: "Unavailable",
            operation: "DomainVerifier.txtRecords",
            description: cause instanceof Error ? cause.message : String(cause),
          }),
      }),
  });
