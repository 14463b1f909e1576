import { type DnsStandIn, startDnsStandIn } from "@w7s/conformance";
import { Effect, Option } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDomainVerifier, registrableZone } from "../src/domains/index.js";

describe("H.3 DomainVerifier on node:dns, against a local DNS server", () => {
  let dns: DnsStandIn;
  beforeAll(async () => {
    dns = await startDnsStandIn();
  });
  afterAll(() => dns.close());

  const verifier = () => makeDomainVerifier({ dnsServers: [dns.address], timeoutMs: 500 });
  const txt = (name: string) =>
    Effect.runPromise(
      verifier()
        .txtRecords(name)
        .pipe(
          Effect.map((success) => ({ _tag: "Success" as const, success })),
          Effect.catch((failure) => Effect.succeed({ _tag: "Failure" as const, failure })),
        ),
    );

  it("answers each TXT record as the concatenation of its character strings", async () => {
    dns.setTxt("_w7s.example.com", ["acme/site,other", ["acme", "/docs"]]);
    const answer = await txt("_w7s.example.com");
    expect(answer).toEqual({ _tag: "Success", success: ["acme/site,other", "acme/docs"] });
    expect(dns.queries.at(-1)).toEqual({ name: "_w7s.example.com", type: "TXT" });
  });

  it("splits nothing itself: a record longer than 255 bytes arrives whole", async () => {
    const long = Array.from({ length: 40 }, (_, index) => `owner${index}/repo${index}`).join(",");
    dns.setTxt("_w7s.long.example", [long]);
    expect(await txt("_w7s.long.example")).toEqual({ _tag: "Success", success: [long] });
  });

  it("answers no records for a name that does not exist", async () => {
    expect(await txt("_w7s.nothing.example")).toEqual({ _tag: "Success", success: [] });
  });

  it("reports a failing or silent server as an UpstreamError (the core then fails open)", async () => {
    dns.setTxt("_w7s.flaky.example", ["acme"]);
    dns.failNext();
    const failed = await txt("_w7s.flaky.example");
    expect(failed._tag).toBe("Failure");
    dns.dropNext();
    const silent = await txt("_w7s.flaky.example");
    expect(silent._tag === "Failure" && silent.failure.reason).toBe("Timeout");
    expect(await txt("_w7s.flaky.example")).toEqual({ _tag: "Success", success: ["acme"] });
  });

  it.each([
    ["app.example.com", "example.com"],
    ["a.b.example.co.uk", "example.co.uk"],
    ["me.github.io", "me.github.io"],
    ["deep.app.internal.test", "internal.test"],
  ])("the zone of %s is its registrable domain %s", (hostname, zone) => {
    expect(registrableZone(hostname)).toEqual(Option.some(zone));
  });

  it("a hostname that is itself a public suffix has no zone", () => {
    expect(registrableZone("co.uk")).toEqual(Option.none());
  });
});
