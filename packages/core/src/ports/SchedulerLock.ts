/** Port: at-most-once claims for scheduled work (a cron minute, an hourly cleanup, a usage sync). */
import { Context, type Effect } from "effect";
import type { StoreError } from "./PortErrors.js";

/** Atomic set-if-absent with expiry, so two ticks of one minute dispatch a schedule once. */
export class SchedulerLock extends Context.Service<
  SchedulerLock,
  {
    /** True when this caller took the lock; false when someone holds it and it has not expired. */
    readonly tryAcquire: (lockKey: string, ttlSeconds: number) => Effect.Effect<boolean, StoreError>;
  }
>()("@w7s/core/SchedulerLock") {}
