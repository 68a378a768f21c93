/** Time source. `now()` is monotonic milliseconds for durations; `wallNow()` is epoch milliseconds for logs. */
export interface Clock {
  now(): number;
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** An opaque timer handle; `unref` lets a pending timer not keep the process alive. */
export interface TimerHandle {
  unref?(): void;
}

/** The real clock: `performance.now()` for durations, so wall-clock jumps never move a deadline. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
