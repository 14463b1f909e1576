/**
 * The OIDC half of the stand-in: RSA signing keys published as a JWKS, and tokens shaped like the ones
 * GitHub Actions mints (`token.actions.githubusercontent.com`), including deliberately broken ones.
 */
import { randomUUID } from "node:crypto";
import { base64url, type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose";

/** Claims of a minted token. Anything left out gets a GitHub-like default. */
export interface OidcClaims {
  /** `owner/repo`. */
  readonly repository: string;
  /** Default `refs/heads/main`. */
  readonly ref?: string;
  /** Default `w7s.cloud`. */
  readonly audience?: string | readonly string[];
  /** Seconds since the epoch; default five minutes from now. `null` leaves the claim out. */
  readonly exp?: number | null;
  /** Seconds since the epoch; left out unless given. */
  readonly nbf?: number;
  /** Default: the stand-in's issuer. */
  readonly issuer?: string;
  /** Header `kid`; default the current signing key's. `null` leaves it out. */
  readonly kid?: string | null;
  /**
   * `RS256` (default) signs with the RSA key; `none` produces an unsigned token; `HS256` signs with the
   * public key's PEM as an HMAC secret (the classic algorithm-confusion attack).
   */
  readonly alg?: "RS256" | "none" | "HS256";
  /** Sign with an RSA key the JWKS does not publish (keeps the published `kid` unless `kid` is given). */
  readonly unpublishedKey?: boolean;
  /** @deprecated Same as `unpublishedKey: true, kid: "unknown-kid"`. */
  readonly foreignKey?: boolean;
  /** Extra claims, or overrides of the defaults (e.g. `{ repository_owner: "x" }`). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
}

const makeSigningKey = async (kid: string): Promise<SigningKey> => {
  const pair = await generateKeyPair("RS256", { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" };
  return { kid, privateKey: pair.privateKey, publicKey: pair.publicKey, publicJwk };
};

const encodeSegment = (value: unknown): string =>
  base64url.encode(new TextEncoder().encode(JSON.stringify(value)));

const audienceClaim = (audience: OidcClaims["audience"]): string | string[] =>
  audience === undefined ? "w7s.cloud" : typeof audience === "string" ? audience : [...audience];

export interface OidcIssuer {
  /** The published keys, as served at `/.well-known/jwks`. */
  jwks(): { keys: JWK[] };
  mint(claims: OidcClaims): Promise<string>;
  /** Publishes a new key next to the old ones and signs with it from now on; answers its `kid`. */
  rotate(kid?: string): Promise<string>;
}

export const makeOidcIssuer = async (issuer: string, firstKid: string): Promise<OidcIssuer> => {
  const published: SigningKey[] = [await makeSigningKey(firstKid)];
  const unpublished = await makeSigningKey("unpublished");
  const current = () => published[published.length - 1]!;

  const payloadOf = (claims: OidcClaims) => {
    const now = Math.floor(Date.now() / 1000);
    const [owner = ""] = claims.repository.split("/");
    const ref = claims.ref ?? "refs/heads/main";
    return {
      jti: randomUUID(),
      sub: `repo:${claims.repository}:ref:${ref}`,
      aud: audienceClaim(claims.audience),
      ref,
      ref_type: ref.startsWith("refs/tags/") ? "tag" : "branch",
      sha: "0123456789abcdef0123456789abcdef01234567",
      repository: claims.repository,
      repository_owner: owner,
      actor: owner,
      workflow: "Deploy",
      event_name: "push",
      run_id: "1",
      runner_environment: "github-hosted",
      iss: claims.issuer ?? issuer,
      iat: now,
      ...(claims.exp === null ? {} : { exp: claims.exp ?? now + 300 }),
      ...(claims.nbf === undefined ? {} : { nbf: claims.nbf }),
      ...claims.claims,
    };
  };

  return {
    jwks: () => ({ keys: published.map((key) => key.publicJwk) }),
    rotate: async (kid = `stand-in-${published.length + 1}`) => {
      published.push(await makeSigningKey(kid));
      return kid;
    },
    mint: async (claims) => {
      const useUnpublished = claims.unpublishedKey === true || claims.foreignKey === true;
      const defaultKid = claims.foreignKey === true ? "unknown-kid" : current().kid;
      const kid = claims.kid === undefined ? defaultKid : claims.kid;
      const alg = claims.alg ?? "RS256";
      const header = { alg, typ: "JWT", ...(kid === null ? {} : { kid }) };
      const payload = payloadOf(claims);
      if (alg === "none") return `${encodeSegment(header)}.${encodeSegment(payload)}.`;
      const signer = new SignJWT(payload).setProtectedHeader(header);
      if (alg === "HS256") {
        return signer.sign(new TextEncoder().encode(await exportSPKI(current().publicKey)));
      }
      return signer.sign(useUnpublished ? unpublished.privateKey : current().privateKey);
    },
  };
};
