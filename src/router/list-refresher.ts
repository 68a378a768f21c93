import type { Clock, TimerHandle } from '../core/index.js';

/** One list's refetch state: at most one run in progress and one more waiting. */
interface Slot {
  running: boolean;
  waiting: { promise: Promise<void>; resolve: () => void } | undefined;
  lastStart: number | undefined;
}

/**
 * Coalesces and spaces the refetches of upstream lists. However often a list is announced as changed,
 * at most one fetch runs and one more waits, and two fetches of one list start at least `minIntervalMs`
 * apart: an upstream announcing a change every millisecond costs a few fetches a second, and the
 * fetch that follows the last announcement still happens.
 */
export class ListRefresher {
  #slots = new Map<string, Slot>();
  #sleeps = new Set<{ handle: TimerHandle; wake: () => void }>();
  #stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly minIntervalMs: number,
    private readonly onError: (key: string, error: unknown) => void,
  ) {}

  /** Asks for a run of `fetch` for `key`; resolves once a run that started after this call has settled. */
  request(key: string, fetch: () => Promise<void>): Promise<void> {
    let slot = this.#slots.get(key);
    if (!slot) this.#slots.set(key, (slot = { running: false, waiting: undefined, lastStart: undefined }));
    if (!slot.waiting) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => (resolve = r));
      slot.waiting = { promise, resolve };
    }
    const { promise } = slot.waiting;
    if (!slot.running && !this.#stopped) void this.#drain(key, slot, fetch);
    else if (this.#stopped) this.#settle(slot);
    return promise;
  }

  /** Allows runs again after `stop` (the aggregator restarted). */
  resume(): void {
    this.#stopped = false;
  }

  /** Abandons runs waiting for their turn (their promises resolve); a running fetch finishes on its own. */
  stop(): void {
    this.#stopped = true;
    for (const sleep of this.#sleeps) {
      this.clock.clearTimeout(sleep.handle);
      sleep.wake();
    }
    this.#sleeps.clear();
  }

  async #drain(key: string, slot: Slot, fetch: () => Promise<void>): Promise<void> {
    slot.running = true;
    try {
      while (slot.waiting && !this.#stopped) {
        const wait = slot.lastStart === undefined ? 0 : slot.lastStart + this.minIntervalMs - this.clock.now();
        if (wait > 0) await this.#sleep(wait);
        if (this.#stopped) break;
        const round = slot.waiting;
        slot.waiting = undefined;
        slot.lastStart = this.clock.now();
        try {
          await fetch();
        } catch (error) {
          // A throwing listener or a bug must not leave the list stuck nor the promise unhandled.
          this.onError(key, error);
        } finally {
          round.resolve();
        }
      }
    } finally {
      slot.running = false;
      this.#settle(slot);
    }
  }

  #settle(slot: Slot): void {
    slot.waiting?.resolve();
    slot.waiting = undefined;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleep = {
        handle: this.clock.setTimeout(() => {
          this.#sleeps.delete(sleep);
          resolve();
        }, ms),
        wake: resolve,
      };
      sleep.handle.unref?.();
      this.#sleeps.add(sleep);
    });
  }
}
