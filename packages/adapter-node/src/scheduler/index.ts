/** Schedules on Node: the SchedulerLock Layer and the per-minute loop. */
export {
  type MinuteScheduler,
  type MinuteSchedulerOptions,
  startMinuteScheduler,
} from "./minuteScheduler.js";
export {
  type LockStore,
  openLockStore,
  type SchedulerLockOptions,
  schedulerLockLayer,
} from "./schedulerLock.js";
