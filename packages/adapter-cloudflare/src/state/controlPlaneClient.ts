/**
 * The Worker's side of the control-plane object: each hosted port as a service whose operations are calls
 * to the one `W7sControlPlane` instance, decoded back into the port's values and tagged errors.
 */
import {
  AnalyticsSink,
  DeploymentStore,
  LogStore,
  NotificationStore,
  SchedulerLock,
  StoreError,
  UsagePolicyStore,
  UsageStore,
} from "@w7s/core";
import { Context, Effect, Layer } from "effect";
import type { HostedPort, W7sControlPlane } from "./ControlPlaneObject.js";
import { decodeWire, encodeWire, portErrorOf, type WireResult } from "./wire.js";

/** The stub every call goes to: the object named `control-plane` of the namespace. */
export type ControlPlaneStub = DurableObjectStub<W7sControlPlane>;

/**
 * The object of a namespace binding (one per account: the control plane is a single serialized store).
 * A stub belongs to the request that made it, and the Worker's services outlive requests, so every method
 * call takes a fresh stub (cheap: no I/O until the call).
 */
export const controlPlaneStub = (namespace: DurableObjectNamespace<W7sControlPlane>): ControlPlaneStub => {
  const id = namespace.idFromName("control-plane");
  return new Proxy({} as ControlPlaneStub, {
    get: (_target, method) => {
      if (method === "then") return undefined;
      return (...args: unknown[]) => {
        const stub = namespace.get(id) as unknown as Record<PropertyKey, (...values: unknown[]) => unknown>;
        return stub[method]!(...args);
      };
    },
  });
};

/** Runs one hosted call, failing with `StoreError` `Unavailable` when the object cannot be reached. */
export const callControlPlane = <A>(
  operation: string,
  call: () => Promise<A>,
): Effect.Effect<A, StoreError> =>
  Effect.tryPromise({
    try: call,
    catch: (cause) =>
      new StoreError({
        reason: "Unavailable",
        operation,
        description: cause instanceof Error ? cause.message : String(cause),
        cause,
      }),
  });

const METHODS: { readonly [P in HostedPort]: ReadonlyArray<string> } = {
  DeploymentStore: [
    "current",
    "listCurrent",
    "switchDeployment",
    "history",
    "listRetained",
    "repoDeployments",
    "ownerHasDeployments",
    "findToken",
    "listSchedules",
    "findQueue",
    "listSubscriptions",
    "domainRoutes",
    "appDomainRoutes",
  ],
  UsageStore: [
    "increment",
    "rollup",
    "reserveBurst",
    "suspension",
    "suspend",
    "lift",
    "deleteExpiredSuspensions",
    "deleteRollupsBefore",
  ],
  UsagePolicyStore: ["get", "put", "delete", "list"],
  SchedulerLock: ["tryAcquire"],
  NotificationStore: ["linkChat", "linkedChats", "enqueue", "claim", "remove", "retryLater", "pending"],
  LogStore: ["append", "query", "purgeExpired"],
  AnalyticsSink: ["write", "query", "purgeBefore"],
};

/** One hosted port as a service of remote calls. */
export const remotePort = <P extends HostedPort>(
  stub: ControlPlaneStub,
  port: P,
): Record<string, unknown> => {
  const service: Record<string, unknown> = {};
  for (const method of METHODS[port]) {
    service[method] = (...args: ReadonlyArray<unknown>) =>
      callControlPlane(
        `${port}.${method}`,
        () => stub.invoke(port, method, encodeWire(args) as unknown[]) as unknown as Promise<WireResult>,
      ).pipe(
        Effect.flatMap((result) =>
          result.ok ? Effect.succeed(decodeWire(result.value)) : Effect.fail(portErrorOf(result.error)),
        ),
      );
  }
  return service;
};

/** Every hosted port. */
export type ControlPlaneServices =
  | DeploymentStore
  | UsageStore
  | UsagePolicyStore
  | SchedulerLock
  | NotificationStore
  | LogStore
  | AnalyticsSink;

/** DeploymentStore, UsageStore, UsagePolicyStore, SchedulerLock, NotificationStore, LogStore and AnalyticsSink on the object. */
export const controlPlaneLayer = (stub: ControlPlaneStub): Layer.Layer<ControlPlaneServices> =>
  Layer.succeedContext(
    Context.make(
      DeploymentStore,
      remotePort(stub, "DeploymentStore") as unknown as DeploymentStore["Service"],
    ).pipe(
      Context.add(UsageStore, remotePort(stub, "UsageStore") as unknown as UsageStore["Service"]),
      Context.add(
        UsagePolicyStore,
        remotePort(stub, "UsagePolicyStore") as unknown as UsagePolicyStore["Service"],
      ),
      Context.add(SchedulerLock, remotePort(stub, "SchedulerLock") as unknown as SchedulerLock["Service"]),
      Context.add(
        NotificationStore,
        remotePort(stub, "NotificationStore") as unknown as NotificationStore["Service"],
      ),
      Context.add(LogStore, remotePort(stub, "LogStore") as unknown as LogStore["Service"]),
      Context.add(AnalyticsSink, remotePort(stub, "AnalyticsSink") as unknown as AnalyticsSink["Service"]),
    ),
  );
