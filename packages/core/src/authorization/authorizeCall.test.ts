import { describe, expect, it } from "vitest";
import { errorResponse } from "../errors/errorResponse.js";
import {
  authorizeCall,
  type CallAuthorization,
  type CallParty,
  type InternalCallKind,
} from "./authorizeCall.js";

const party = (owner: string, repo: string, environment = "production"): CallParty => ({
  owner,
  repo,
  environment,
});

const outcome = (decision: CallAuthorization): string =>
  decision.allowed ? decision.grant : decision.reason;

describe("E.3/E.4/E.6 internal call authorization", () => {
  it.each<[string, CallParty, CallParty, readonly string[], string]>([
    ["same owner, empty allow list", party("acme", "web"), party("acme", "api"), [], "same-owner"],
    ["same owner, owner case differs", party("Acme", "web"), party("acme", "api"), [], "same-owner"],
    [
      "same owner in a branch environment",
      party("acme", "web", "dev"),
      party("acme", "api", "dev"),
      [],
      "same-owner",
    ],
    ["other owner, no allow list", party("evil", "web"), party("acme", "api"), [], "not-in-allow-list"],
    [
      "other owner allowed by owner",
      party("partner", "web"),
      party("acme", "api"),
      ["partner"],
      "allow-list-owner",
    ],
    [
      "other owner allowed by owner/repo",
      party("partner", "web"),
      party("acme", "api"),
      ["partner/web"],
      "allow-list-repository",
    ],
    [
      "allow entries compare lowercase",
      party("partner", "web"),
      party("acme", "api"),
      ["Partner/WEB"],
      "allow-list-repository",
    ],
    [
      "allow entry for another repo",
      party("partner", "web"),
      party("acme", "api"),
      ["partner/cli"],
      "not-in-allow-list",
    ],
    [
      "allow entry for another owner",
      party("partner", "web"),
      party("acme", "api"),
      ["other"],
      "not-in-allow-list",
    ],
    [
      "owner prefix is not the owner",
      party("partner", "web"),
      party("acme", "api"),
      ["part"],
      "not-in-allow-list",
    ],
    [
      "repo name alone is not an owner",
      party("partner", "web"),
      party("acme", "api"),
      ["web"],
      "not-in-allow-list",
    ],
    [
      "other environment, same owner",
      party("acme", "web", "staging"),
      party("acme", "api", "production"),
      [],
      "other-environment",
    ],
    [
      "other environment even when allow-listed",
      party("partner", "web", "staging"),
      party("acme", "api", "production"),
      ["partner", "partner/web"],
      "other-environment",
    ],
  ])("%s", (_label, caller, target, allow, expected) => {
    for (const kind of ["rpc", "queue", "workflow"] as const) {
      expect(outcome(authorizeCall({ kind, caller, target, allow }))).toBe(expected);
    }
  });

  it.each<[InternalCallKind, string]>([
    ["rpc", "RPC caller is not authorized for this target."],
    ["queue", "Queue caller is not authorized for this target."],
    ["workflow", "Workflow caller is not authorized for this target."],
  ])("a denied %s call answers 403 %s", (kind, message) => {
    const decision = authorizeCall({
      kind,
      caller: party("evil", "web"),
      target: party("acme", "api"),
      allow: [],
    });
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    const response = errorResponse(decision.error);
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toEqual({ status: "error", error: message });
  });
});
