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
