import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { DeliveryError, ProvisionError, RuntimeError, StoreError, UpstreamError } from "./PortErrors.js";

describe("port errors", () => {
  it.each([
    [new StoreError({ reason: "Conflict", operation: "DeploymentStore.switchDeployment" }), "StoreError"],
    [new RuntimeError({ reason: "Timeout", operation: "BackendRuntime.dispatch" }), "RuntimeError"],
    [
      new ProvisionError({ reason: "MigrationFailed", operation: "Provisioner.applyMigration" }),
      "ProvisionError",
    ],
    [new DeliveryError({ reason: "TooLarge", operation: "QueueBroker.send" }), "DeliveryError"],
    [new UpstreamError({ reason: "Unavailable", operation: "RepoAuth.verify" }), "UpstreamError"],
  ])("%s carries its tag, reason and a readable message", (error, tag) => {
    expect(error._tag).toBe(tag);
    expect(error.message).toBe(`${error.operation}: ${error.reason}`);
    expect(error).toBeInstanceOf(Error);
  });

  it("includes the description and fails an Effect with the error", () => {
    const error = new StoreError({
      reason: "Corrupt",
      operation: "UsageStore.rollup",
      description: "bad JSON",
    });
    expect(error.message).toBe("UsageStore.rollup: Corrupt (bad JSON)");
    const exit = Effect.runSyncExit(Effect.fail(error));
    expect(Exit.isFailure(exit)).toBe(true);
  });
});
