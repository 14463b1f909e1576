/**
 * How port calls cross the Durable Object RPC boundary: structured clone keeps plain data but drops class
 * prototypes, so `Option`s travel tagged and port errors travel as their fields and are rebuilt as the
 * same tagged errors on the caller's side.
 */
import { DeliveryError, ProvisionError, StoreError } from "@w7s/core";
import { Option } from "effect";

const OPTION = "$w7sOption";

/** Replaces every `Option` in `value` by a tagged plain object. */
export const encodeWire = (value: unknown): unknown => {
  if (Option.isOption(value))
    return Option.isSome(value) ? { [OPTION]: "some", value: encodeWire(value.value) } : { [OPTION]: "none" };
  if (Array.isArray(value)) return value.map(encodeWire);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = encodeWire(item);
    return out;
  }
  return value;
};

/** The inverse of `encodeWire`. */
export const decodeWire = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(decodeWire);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    if (record[OPTION] === "some") return Option.some(decodeWire(record.value));
    if (record[OPTION] === "none") return Option.none();
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(record)) out[key] = decodeWire(item);
    return out;
  }
  return value;
};

/** A port error as plain fields. */
export interface WireError {
  readonly tag: "StoreError" | "DeliveryError" | "ProvisionError";
  readonly reason: string;
  readonly operation: string;
  readonly description?: string;
  readonly migration?: string;
}

/** What one call answers: a value or a port error. */
export type WireResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: WireError };

const isPortError = (error: unknown): error is StoreError | DeliveryError | ProvisionError =>
  error instanceof StoreError || error instanceof DeliveryError || error instanceof ProvisionError;

/** A failure as wire fields; anything but a port error becomes `Unavailable` of the operation. */
export const wireErrorOf = (error: unknown, operation: string): WireError => {
  if (isPortError(error)) {
    const { reason, operation: failed, description } = error;
    return {
      tag: error._tag,
      reason,
      operation: failed,
      ...(description === undefined ? {} : { description }),
      ...("migration" in error && typeof error.migration === "string" ? { migration: error.migration } : {}),
    };
  }
  return {
    tag: "StoreError",
    reason: "Unavailable",
    operation,
    description: error instanceof Error ? error.message : String(error),
  };
};

/** Rebuilds the tagged error. */
export const portErrorOf = (wire: WireError): StoreError | DeliveryError | ProvisionError => {
  const fields = {
    reason: wire.reason,
    operation: wire.operation,
    ...(wire.description === undefined ? {} : { description: wire.description }),
  };
  switch (wire.tag) {
    case "DeliveryError":
      return new DeliveryError(fields as ConstructorParameters<typeof DeliveryError>[0]);
    case "ProvisionError":
      return new ProvisionError({
        ...(fields as ConstructorParameters<typeof ProvisionError>[0]),
        ...(wire.migration === undefined ? {} : { migration: wire.migration }),
      });
    default:
      return new StoreError(fields as ConstructorParameters<typeof StoreError>[0]);
  }
};
