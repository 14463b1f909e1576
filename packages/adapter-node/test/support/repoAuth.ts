/** Runs one RepoAuth check: `{ access }` for an answer, `{ failure }` when the authority could not answer. */
import type { RepoAccess, RepoAccessRequest, UpstreamError } from "@w7s/core";
import { Effect, Result } from "effect";
import type { makeRepoAuth } from "../../src/auth/index.js";

export type CheckOutcome = { readonly access: RepoAccess } | { readonly failure: UpstreamError };

export const checkAccess = async (
  auth: ReturnType<typeof makeRepoAuth>,
  token: string,
  repository = "Acme/Web",
  access: RepoAccessRequest["access"] = "deploy",
): Promise<CheckOutcome> => {
  const [owner = "", repo = ""] = repository.split("/");
  const result = await Effect.runPromise(Effect.result(auth.verify({ token, owner, repo, access })));
  return Result.isSuccess(result) ? { access: result.success } : { failure: result.failure };
};

export const refused: CheckOutcome = { access: { granted: false } };

export const nowSeconds = () => Math.floor(Date.now() / 1000);
