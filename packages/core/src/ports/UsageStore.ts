/** Port: exact usage counters, short-window burst counters and suspension state (F, DECISIONS 7-8). */
import { Context, type Effect, type Option } from "effect";
import type { StoreError } from "./PortErrors.js";
import type { AppRef } from "./records/AppRef.js";
import type { SuspensionState, UsageIncrement, UsageRollup } from "./records/UsageRollup.js";

/** Which daily rollup to read. */
export type UsageRollupKey =
  | {
      readonly scope: "repo";
      readonly date: string;
      readonly environment: string;
      readonly orgSlug: string;
      readonly repoSlug: string;
    }
  | { readonly scope: "owner"; readonly date: string; readonly environment: string; readonly orgSlug: string }
  | { readonly scope: "global"; readonly date: string; readonly environment: string };

/** One burst counter to check and bump; the key already names the window and scope (F.6). */
export interface BurstCounter {
  readonly key: string;
  readonly limit: number;
  readonly ttlSeconds: number;
}

/** Outcome of a reservation: `used` holds each counter's value before it, in request order. */
export interface BurstReservation {
  readonly applied: boolean;
  readonly used: ReadonlyArray<number>;
}

/** Every operation is atomic: N concurrent increments produce exactly N. */
export class UsageStore extends Context.Service<
  UsageStore,
  {
    /** Adds one event to its repo, owner and global rollups of the event's date. */
    readonly increment: (event: UsageIncrement) => Effect.Effect<void, StoreError>;
    /** One daily rollup. */
    readonly rollup: (key: UsageRollupKey) => Effect.Effect<Option.Option<UsageRollup>, StoreError>;
    /** Adds `requested` to every counter if none would pass its limit; otherwise changes nothing. */
    readonly reserveBurst: (
      counters: ReadonlyArray<BurstCounter>,
      requested: number,
    ) => Effect.Effect<BurstReservation, StoreError>;
    /** The app's suspension, if any (expiry is the core's decision, not the store's). */
    readonly suspension: (app: AppRef) => Effect.Effect<Option.Option<SuspensionState>, StoreError>;
    /** Records a suspension, replacing one set by the same party. */
    readonly suspend: (state: SuspensionState) => Effect.Effect<void, StoreError>;
    /** Removes the app's suspension only when `suspendedBy` set it (DECISIONS 8). */
    readonly lift: (
      app: AppRef,
      suspendedBy: SuspensionState["suspendedBy"],
    ) => Effect.Effect<void, StoreError>;
    /** Deletes limit suspensions whose `resumeAfter` is at or before `now` (ISO); returns how many went. */
    readonly deleteExpiredSuspensions: (now: string) => Effect.Effect<number, StoreError>;
    /** Deletes rollups dated before `date` (YYYY-MM-DD); returns how many went. */
    readonly deleteRollupsBefore: (date: string) => Effect.Effect<number, StoreError>;
  }
>()("@w7s/core/UsageStore") {}
