import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { environmentAlphabetText, ownerAlphabetText } from "../test/arbitraries.js";
import { normalizeEnvironmentSlug, PRODUCTION } from "./environment.js";
import { cleanHost, RESERVED_HOST_LABELS, resolveRuntimeHost, runtimeHostname } from "./host.js";
import { normalizeSlug } from "./slug.js";

const bd = "w7s.cloud";

describe("A.5 cleanHost", () => {
  it.each([
    ["Acme.W7S.Cloud", "acme.w7s.cloud"],
    [" acme.w7s.cloud:8443 ", "acme.w7s.cloud"],
    ["localhost:8787", "localhost"],
    ["acme.w7s.cloud", "acme.w7s.cloud"],
    ["[::1]:8080", "[::1]"],
  ])("%j -> %j", (host, expected) => {
    expect(cleanHost(host)).toBe(expected);
  });
});

describe("A.4 runtimeHostname", () => {
  it.each([
    [{ environment: "production", owner: "guerrerocarlos", baseDomain: bd }, "guerrerocarlos.w7s.cloud"],
    [
      { environment: "feature-api-v2-test", owner: "w7s-io", baseDomain: bd },
      "feature-api-v2-test--w7s-io.w7s.cloud",
    ],
    [{ environment: "main", owner: "acme", baseDomain: " w7s.localhost " }, "main--acme.w7s.localhost"],
  ])("%j -> %j", (input, expected) => {
    expect(runtimeHostname(input)).toBe(expected);
  });
});

describe("A.5 resolveRuntimeHost (DECISIONS 9: no legacy prefixes)", () => {
  it.each([
    ["the apex", "w7s.cloud"],
    ["the apex with a port", "W7S.cloud:443"],
    ["www", "www.w7s.cloud"],
    ["api", "api.w7s.cloud"],
    ["app", "APP.w7s.cloud:8443"],
    ["a foreign host", "example.com"],
    ["a host merely ending in the base domain text", "evilw7s.cloud"],
    ["the base domain under another domain", "acme.w7s.cloud.evil.com"],
    ["a branch host of a reserved label", "feature--www.w7s.cloud"],
    ["a branch host with no owner", "feature--.w7s.cloud"],
    ["a label with no slug characters", "-.w7s.cloud"],
    ["an empty host", ""],
  ])("%s (%j) is a platform host -> null", (_name, host) => {
    expect(resolveRuntimeHost(host, bd)).toBeNull();
  });

  it.each([
    ["acme.w7s.cloud", "acme", ["production"]],
    ["Acme.W7S.cloud:8443", "acme", ["production"]],
    [" acme.w7s.cloud ", "acme", ["production"]],
    ["a.b.w7s.cloud", "a.b", ["production"]],
    ["my_org.w7s.cloud", "my_org", ["production"]],
    ["dev-tools.w7s.cloud", "dev-tools", ["production"]],
    ["staging-acme.w7s.cloud", "staging-acme", ["production"]],
    ["preview-acme.w7s.cloud", "preview-acme", ["production"]],
    ["feature-x--acme.w7s.cloud", "acme", ["feature-x", "production"]],
    ["typo--acme.w7s.cloud", "acme", ["typo", "production"]],
    ["production--acme.w7s.cloud", "acme", ["production"]],
    ["a--b--acme.w7s.cloud", "acme", ["a-b", "production"]],
    ["feature---acme.w7s.cloud", "acme", ["feature", "production"]],
    ["Feature_X--Acme.w7s.cloud", "acme", ["feature-x", "production"]],
    ["dev--dev-tools.w7s.cloud", "dev-tools", ["dev", "production"]],
    ["feature--a.b.w7s.cloud", "a.b", ["feature", "production"]],
    ["x.feature--acme.w7s.cloud", "acme", ["x-feature", "production"]],
    ["---acme.w7s.cloud", "acme", ["production"]], // nothing usable before the last `--`
    ["--acme.w7s.cloud", "acme", ["production"]], // `--` at index 0 is not a separator
  ])("%j -> owner %j, environments %j", (host, owner, environments) => {
    expect(resolveRuntimeHost(host, bd)).toStrictEqual({ owner, environments });
  });

  it("matches the base domain case-insensitively and after trimming", () => {
    expect(resolveRuntimeHost("acme.w7s.localhost:8787", " W7S.localhost ")).toStrictEqual({
      owner: "acme",
      environments: ["production"],
    });
  });

  it("has no runtime hosts when the base domain is empty", () => {
    expect(resolveRuntimeHost("acme.", "")).toBeNull();
    expect(resolveRuntimeHost("acme", " ")).toBeNull();
  });

  /*
   * Domain of the round trip: environment e is any non-empty output of normalizeEnvironmentSlug (so it has
   * no `--` and no leading/trailing `-`), owner o is any non-empty output of normalizeSlug (so it has no `--`,
   * may contain `.` and `_` and may end in `-`, `.` or `_`) that is not a reserved label. Every such pair
   * round-trips; reserved owners (www, api, app) resolve to null, as tested above.
   */
  it("round-trips every valid (environment, owner) pair", () => {
    const environment = environmentAlphabetText
      .map(normalizeEnvironmentSlug)
      .filter((value) => value !== "")
      .chain((value) => fc.oneof(fc.constant(value), fc.constant(PRODUCTION)));
    const owner = ownerAlphabetText
      .map(normalizeSlug)
      .filter((value) => value !== "" && !RESERVED_HOST_LABELS.has(value));
    const baseDomain = fc.oneof(
      fc.constantFrom("w7s.cloud", "w7s.localhost", "apps.example.co.uk"),
      fc.domain(),
    );
    fc.assert(
      fc.property(environment, owner, baseDomain, (e, o, domain) => {
        const parsed = resolveRuntimeHost(
          runtimeHostname({ environment: e, owner: o, baseDomain: domain }),
          domain,
        );
        expect(parsed).toStrictEqual({
          owner: o,
          environments: e === PRODUCTION ? [PRODUCTION] : [e, PRODUCTION],
        });
      }),
      { numRuns: 300 },
    );
  });
});
