/** Port: does a bearer token prove the right to read, or to deploy, a GitHub repository (B.3, DECISIONS 3)? */
import { Context, type Effect } from "effect";
import type { UpstreamError } from "./PortErrors.js";

/** What the token must prove: `deploy` needs write access, `read` read access. */
export type RepoAccessLevel = "read" | "deploy";

/** A repository and the access asked for. */
export interface RepoAccessRequest {
  readonly token: string;
  readonly owner: string;
  readonly repo: string;
  readonly access: RepoAccessLevel;
}

/** How the token proved access. */
export type RepoAccessProof = "oidc" | "github-token" | "deploy-token";

/** The answer; for OIDC tokens `branch` comes from the token's `ref` claim. */
export type RepoAccess =
  | { readonly granted: true; readonly proof: RepoAccessProof; readonly branch?: string }
  | { readonly granted: false };

/** A "no" is a value; `UpstreamError` only when the authority could not answer (answered as 502). */
export class RepoAuth extends Context.Service<
  RepoAuth,
  {
    /** Checks a token against one repository. */
    readonly verify: (request: RepoAccessRequest) => Effect.Effect<RepoAccess, UpstreamError>;
  }
>()("@w7s/core/RepoAuth") {}
