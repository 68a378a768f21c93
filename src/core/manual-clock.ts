import type { Clock, TimerHandle } from './clock.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that moves only when told to; for deterministic tests of time logic. */
export class ManualClock implements Clock {
  #now: number;
  #wallOffset: number;
  #seq = 0;
  #timers = new Map<TimerHandle, Pending>();

  constructor(start = 0, wallStart = 1_700_000_000_000) {
    this.#now = start;
    this.#wallOffset = wallStart - start;
  }

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#now + this.#wallOffset;
  }

  /** Moves the wall clock only, as an NTP step would; monotonic time is untouched. */
  jumpWall(ms: number): void {
    this.#wallOffset += ms;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = {};
    this.#timers.set(handle, { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle);
  }

  /** Number of timers not yet fired or cleared (leak checks). */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Advances time by `ms`, firing due timers in order (including ones scheduled while advancing). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: [TimerHandle, Pending] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at > target) continue;
        if (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq)) next = entry;
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = target;
  }

  /** Advances time, yielding to the microtask queue between timers so awaited code can run. */
  async advanceAsync(ms: number, step = ms): Promise<void> {
    let left = ms;
    do {
      const d = Math.min(step, left);
      await flushMicrotasks();
      this.advance(d);
      await flushMicrotasks();
      left -= d;
    } while (left > 0);
  }
}

/** Lets queued promise continuations run (several turns, for chained awaits). */
export async function flushMicrotasks(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}
